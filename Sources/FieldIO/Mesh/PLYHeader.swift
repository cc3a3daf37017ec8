/// The header of a PLY file: its format, and its elements with their properties, in file order.
struct PLYHeader {
    /// How the body is stored.
    enum Format { case ascii, binaryLittleEndian, binaryBigEndian }

    /// A property: a scalar, or a list with a count type and an item type.
    struct Property {
        var name: String
        /// The scalar's type, or the type of a list's items.
        var type: PLYScalarType
        /// The type of a list's count; nil for a scalar.
        var countType: PLYScalarType?
    }

    /// An element (`vertex`, `face`, or any other) with its row count and properties.
    struct Element {
        var name: String
        var count: Int
        var properties: [Property] = []
    }

    var format: Format
    var elements: [Element]
    /// The offset of the first byte after `end_header` and its line break.
    var bodyOffset: Int
    /// The 1-based line the body starts on (for ASCII error messages).
    var bodyLine: Int

    /// The element named `name`, if any.
    func element(_ name: String) -> Element? { elements.first { $0.name == name } }

    /// Parses the header at the start of `bytes`; `file` names the source in errors.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws(FieldError) -> PLYHeader {
        var offset = 0
        var lineNumber = 0
        /// The next header line without its line break, or nil at the end of the bytes.
        func nextLine() -> String? {
            guard offset < bytes.count else { return nil }
            var end = offset
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var textEnd = end
            if textEnd > offset, bytes[textEnd - 1] == 0x0D { textEnd -= 1 }
            let line = String(decoding: bytes[offset..<textEnd], as: UTF8.self)
            offset = min(end + 1, bytes.count)
            lineNumber += 1
            return line
        }
        func fail(_ message: String) -> FieldError {
            FieldError(file: file, location: "header line \(lineNumber)", message)
        }

        guard bytes.count >= 3, bytes[0] == UInt8(ascii: "p"), bytes[1] == UInt8(ascii: "l"), bytes[2] == UInt8(ascii: "y"),
              let magic = nextLine(), magic.trimmingSpaces == "ply" else {
            throw FieldError(file: file, "is not a PLY file: it does not start with the line 'ply'")
        }
        var format: Format?
        var elements: [Element] = []
        while true {
            guard let line = nextLine() else {
                throw FieldError(file: file, location: "header", "has no end_header line: the file is truncated or not a PLY file")
            }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first else { continue }
            switch keyword {
            case "end_header":
                guard let format else { throw fail("end_header before any format line") }
                return PLYHeader(format: format, elements: elements, bodyOffset: offset, bodyLine: lineNumber + 1)
            case "comment", "obj_info":
                continue
            case "format":
                guard words.count >= 2 else { throw fail("the format line names no format") }
                switch words[1] {
                case "ascii": format = .ascii
                case "binary_little_endian": format = .binaryLittleEndian
                case "binary_big_endian": format = .binaryBigEndian
                default:
                    throw fail("unknown PLY format '\(words[1])', expected ascii, binary_little_endian or binary_big_endian")
                }
            case "element":
                guard words.count == 3 else { throw fail("expected 'element <name> <count>', found '\(line)'") }
                guard let count = Int(words[2]), count >= 0 else {
                    throw fail("element \(words[1]) has count '\(words[2])', expected a non-negative integer")
                }
                elements.append(Element(name: words[1], count: count))
            case "property":
                guard !elements.isEmpty else { throw fail("a property before any element") }
                elements[elements.count - 1].properties.append(try property(words, line: line, fail: fail))
            default:
                throw fail("unknown header keyword '\(keyword)'")
            }
        }
    }

    /// A `property <type> <name>` or `property list <count type> <item type> <name>` line.
    private static func property(_ words: [String], line: String, fail: (String) -> FieldError) throws(FieldError) -> Property {
        func type(_ name: String) throws(FieldError) -> PLYScalarType {
            guard let t = PLYScalarType(name: name) else {
                throw fail("unknown property type '\(name)', expected one of \(PLYScalarType.knownNames)")
            }
            return t
        }
        if words.count >= 2, words[1] == "list" {
            guard words.count == 5 else { throw fail("expected 'property list <count type> <item type> <name>', found '\(line)'") }
            let countType = try type(words[2])
            guard countType.isInteger else { throw fail("list property \(words[4]) has count type \(words[2]), expected an integer type") }
            return Property(name: words[4], type: try type(words[3]), countType: countType)
        }
        guard words.count == 3 else { throw fail("expected 'property <type> <name>', found '\(line)'") }
        return Property(name: words[2], type: try type(words[1]), countType: nil)
    }
}

private extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
