/// Reads one JSON object of a config file with typed, validated accessors.
///
/// Keys match case-insensitively (as tiny-cuda-nn's do). Every accessor records the key it read;
/// `finish()` then rejects any key nobody asked for, naming it with its full key path and the file.
public final class ConfigObject {
    /// The file the object came from, for error messages.
    public let file: String
    /// The key path of this object inside the file ("" for the top level).
    public let path: String
    /// The object's members in file order.
    public let members: [(key: String, value: JSONValue)]
    private var used = Set<String>()

    /// Wraps `value`, which must be a JSON object.
    public init(_ value: JSONValue, file: String, path: String = "") throws(FieldError) {
        guard case .object(let members) = value else {
            throw FieldError(file: file, location: path, "expected an object, got \(value.kindDescription)")
        }
        self.file = file
        self.path = path
        self.members = members
    }

    /// The key path of member `key`.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error located at member `key`.
    public func error(_ key: String, _ message: String) -> FieldError {
        FieldError(file: file, location: keyPath(key), message)
    }

    /// The raw value of `key`, marking it as read; nil when absent or null.
    public func value(_ key: String) -> JSONValue? {
        let lower = key.lowercased()
        guard let m = members.first(where: { $0.key.lowercased() == lower }) else { return nil }
        used.insert(m.key)
        if case .null = m.value { return nil }
        return m.value
    }

    /// Whether `key` is present (any case), without marking it as read.
    public func has(_ key: String) -> Bool {
        let lower = key.lowercased()
        return members.contains { $0.key.lowercased() == lower }
    }

    /// Marks keys as read without reading them (keys another part of the program handles).
    public func ignore(_ keys: String...) {
        for k in keys { _ = value(k) }
    }

    /// A number; nil when absent.
    public func double(_ key: String) throws(FieldError) -> Double? {
        guard let v = value(key) else { return nil }
        guard case .number(let d, _) = v else { throw error(key, "expected a number, got \(v.kindDescription)") }
        return d
    }

    /// A number within `range`, or `defaultValue` when absent.
    public func double(_ key: String, default defaultValue: Double,
                       in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws(FieldError) -> Double {
        let d = try double(key) ?? defaultValue
        guard range.contains(d) else { throw error(key, "expected a number in \(range.lowerBound)...\(range.upperBound), got \(d)") }
        return d
    }

    /// An integer; nil when absent.
    public func int(_ key: String) throws(FieldError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .number(let d, _) = v, d.rounded() == d, abs(d) <= Double(JSONValue.largestExactInteger) else {
            throw error(key, "expected an integer, got \(describe(v))")
        }
        return Int(d)
    }

    /// An integer within `range`, or `defaultValue` when absent.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws(FieldError) -> Int {
        let i = try int(key) ?? defaultValue
        guard range.contains(i) else { throw error(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(i)") }
        return i
    }

    /// A boolean, or `defaultValue` when absent.
    public func bool(_ key: String, default defaultValue: Bool) throws(FieldError) -> Bool {
        guard let v = value(key) else { return defaultValue }
        guard case .bool(let b) = v else { throw error(key, "expected true or false, got \(describe(v))") }
        return b
    }

    /// A string; nil when absent.
    public func string(_ key: String) throws(FieldError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw error(key, "expected a string, got \(describe(v))") }
        return s
    }

    /// A string, or `defaultValue` when absent.
    public func string(_ key: String, default defaultValue: String) throws(FieldError) -> String {
        try string(key) ?? defaultValue
    }

    /// One of `choices` (case-insensitive), returned in the spelling of `choices`; `defaultValue` when absent.
    public func choice(_ key: String, _ choices: [String], default defaultValue: String) throws(FieldError) -> String {
        let s = try string(key) ?? defaultValue
        guard let c = choices.first(where: { $0.lowercased() == s.lowercased() }) else {
            throw error(key, "unknown value \"\(s)\", expected one of \(choices.joined(separator: ", "))")
        }
        return c
    }

    /// A nested object; nil when absent.
    public func object(_ key: String) throws(FieldError) -> ConfigObject? {
        guard let v = value(key) else { return nil }
        return try ConfigObject(v, file: file, path: keyPath(key))
    }

    /// An array; nil when absent.
    public func array(_ key: String) throws(FieldError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw error(key, "expected an array, got \(describe(v))") }
        return items
    }

    /// Throws for the first member no accessor read: unknown keys are errors.
    public func finish() throws(FieldError) {
        for m in members where !used.contains(m.key) {
            throw FieldError(file: file, location: keyPath(m.key), "unknown key")
        }
    }

    private func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "\"\(s)\""
        case .number(let d, _): return "\(d)"
        case .bool(let b): return "\(b)"
        default: return v.kindDescription
        }
    }
}
