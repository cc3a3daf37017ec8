/// A parsed JSON value that keeps object key order and tells integers from other numbers.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double, isInteger: Bool)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short name of the value's kind, for error messages ("a string", "an object", ...).
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(_, let isInteger): return isInteger ? "an integer" : "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The member named `key` of an object (exact match), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

extension JSONValue {
    /// The largest integer JSON numbers (doubles) keep exactly, 2^53: the writer and `ConfigObject.int` accept
    /// integers up to this magnitude, so that such a value round-trips.
    public static let largestExactInteger = 9_007_199_254_740_992

    /// Convenience constructors used when building JSON to write.
    public static func int(_ v: Int) -> JSONValue { .number(Double(v), isInteger: true) }
    public static func double(_ v: Double) -> JSONValue { .number(v, isInteger: v.rounded() == v && abs(v) < 1e15) }
}
