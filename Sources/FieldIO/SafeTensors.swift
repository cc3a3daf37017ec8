/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}` padded with
/// spaces to a multiple of 8 bytes, then the tensors' raw little-endian bytes.
public enum SafeTensors {
    /// Headers larger than this are rejected as malformed (the reference implementation uses 100 MB).
    public static let maximumHeaderSize = 100_000_000

    /// The safetensors bytes of `tensors` (stored in the given order) with string `metadata`.
    public static func encode(_ tensors: [SafeTensor], metadata: [String: String] = [:], file: String = "") throws(FieldError) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
        }
        var seen = Set<String>()
        var offset = 0
        for t in tensors {
            guard t.name != "__metadata__", !t.name.isEmpty else {
                throw FieldError(file: file, "a tensor cannot be named \"\(t.name)\"")
            }
            guard seen.insert(t.name).inserted else { throw FieldError(file: file, "two tensors are named \"\(t.name)\"") }
            guard t.bytes.count == t.elementCount * t.dtype.byteSize else {
                throw FieldError(file: file, location: "tensor \"\(t.name)\"", "has \(t.bytes.count) bytes, its shape needs \(t.elementCount * t.dtype.byteSize)")
            }
            let end = offset + t.bytes.count
            members.append((t.name, .object([
                ("dtype", .string(t.dtype.rawValue)),
                ("shape", .array(t.shape.map { JSONValue.int($0) })),
                ("data_offsets", .array([.int(offset), .int(end)])),
            ])))
            offset = end
        }
        var header = Array(JSONWriter.string(.object(members)).utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        out += header
        for t in tensors { out += t.bytes }
        return out
    }

    /// Writes `tensors` and `metadata` to `path` atomically.
    public static func write(_ tensors: [SafeTensor], metadata: [String: String] = [:], to path: String) throws(FieldError) {
        let bytes = try encode(tensors, metadata: metadata, file: path)
        try FileAccess.writeAtomically(bytes, to: path)
    }

    /// Reads a safetensors file: the tensors by name, their names in header order, and the metadata.
    public static func read(_ path: String) throws(FieldError) -> (tensors: [String: SafeTensor], order: [String], metadata: [String: String]) {
        try decode(try FileAccess.readBytes(path), file: path)
    }

    /// Decodes safetensors bytes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> (tensors: [String: SafeTensor], order: [String], metadata: [String: String]) {
        guard bytes.count >= 8 else {
            throw FieldError(file: file, "is truncated: \(bytes.count) bytes, too short for a safetensors header")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength >= 2, headerLength <= UInt64(maximumHeaderSize) else {
            throw FieldError(file: file, "is not a safetensors file (header length \(headerLength))")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw FieldError(file: file, "is truncated: the header needs \(headerLength) bytes, the file has \(bytes.count - 8) after the length")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let text = String(validating: bytes[8..<headerEnd], as: UTF8.self) else {
            throw FieldError(file: file, "the safetensors header is not UTF-8 text")
        }
        let header: JSONValue
        do {
            header = try JSONParser.parse(text, file: file)
        } catch {
            throw FieldError(file: file, location: "header", error.message + (error.location.isEmpty ? "" : " (\(error.location))"))
        }
        guard case .object(let members) = header else {
            throw FieldError(file: file, location: "header", "expected a JSON object, got \(header.kindDescription)")
        }
        let dataSize = bytes.count - headerEnd
        var tensors: [String: SafeTensor] = [:]
        var order: [String] = []
        var metadata: [String: String] = [:]
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let entries) = value else {
                    throw FieldError(file: file, location: "__metadata__", "expected an object of strings, got \(value.kindDescription)")
                }
                for (key, v) in entries {
                    guard case .string(let s) = v else {
                        throw FieldError(file: file, location: "__metadata__.\(key)", "expected a string, got \(v.kindDescription)")
                    }
                    metadata[key] = s
                }
                continue
            }
            let tensor = try parseTensor(name, value, bytes: bytes, dataStart: headerEnd, dataSize: dataSize, file: file)
            tensors[name] = tensor
            order.append(name)
        }
        return (tensors, order, metadata)
    }

    private static func parseTensor(_ name: String, _ value: JSONValue, bytes: [UInt8], dataStart: Int, dataSize: Int,
                                    file: String) throws(FieldError) -> SafeTensor {
        let location = "tensor \"\(name)\""
        func fail(_ message: String) -> FieldError { FieldError(file: file, location: location, message) }
        guard case .object = value else { throw fail("expected an object, got \(value.kindDescription)") }
        guard case .string(let dtypeName)? = value["dtype"] else { throw fail("missing \"dtype\" string") }
        guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
            throw fail("unknown dtype \"\(dtypeName)\", expected one of \(SafeTensorDType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .array(let dims)? = value["shape"] else { throw fail("missing \"shape\" array") }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard case .number(let v, _) = d, v.rounded() == v, v >= 0, v < 9e15 else {
                throw fail("shape entries must be non-negative integers")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(v))
            guard !overflow else { throw fail("the shape is too large") }
            shape.append(Int(v))
            count = product
        }
        guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2,
              case .number(let b, _) = offsets[0], case .number(let e, _) = offsets[1],
              b.rounded() == b, e.rounded() == e, b >= 0, e >= b else {
            throw fail("\"data_offsets\" must be [begin, end] with 0 ≤ begin ≤ end")
        }
        guard e <= Double(dataSize) else {
            throw fail("data_offsets [\(Int64(b)), \(Int64(e))] run past the end of the data (\(dataSize) bytes; is the file truncated?)")
        }
        let begin = Int(b), end = Int(e)
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, end - begin == needed else {
            throw fail("data_offsets span \(end - begin) bytes, but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "too many" : String(needed))")
        }
        return SafeTensor(name: name, dtype: dtype, shape: shape, bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)]))
    }
}
