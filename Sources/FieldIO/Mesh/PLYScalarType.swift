/// The scalar types a PLY property can have, under their classic names (`char`, `uchar`, `short`, `ushort`,
/// `int`, `uint`, `float`, `double`) and their sized aliases (`int8` … `float64`).
enum PLYScalarType: Sendable {
    case int8, uint8, int16, uint16, int32, uint32, float32, float64

    /// The names this reader understands, for error messages.
    static let knownNames = "char, uchar, short, ushort, int, uint, float, double (or int8, uint8, int16, uint16, int32, uint32, float32, float64)"

    /// The type a header names, or nil when the name is unknown.
    init?(name: String) {
        switch name {
        case "char", "int8": self = .int8
        case "uchar", "uint8": self = .uint8
        case "short", "int16": self = .int16
        case "ushort", "uint16": self = .uint16
        case "int", "int32": self = .int32
        case "uint", "uint32": self = .uint32
        case "float", "float32": self = .float32
        case "double", "float64": self = .float64
        default: return nil
        }
    }

    /// Bytes per value in the binary formats.
    var size: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64: return 8
        }
    }

    /// Whether the type holds integers (list counts and vertex indices must).
    var isInteger: Bool { self != .float32 && self != .float64 }

    /// The value at `p` (no alignment needed), stored little- or big-endian; exact for every type.
    @inline(__always)
    func load(from p: UnsafeRawPointer, bigEndian: Bool) -> Double {
        switch self {
        case .int8: return Double(p.load(as: Int8.self))
        case .uint8: return Double(p.load(as: UInt8.self))
        case .int16:
            let raw = p.loadUnaligned(as: UInt16.self)
            return Double(Int16(bitPattern: bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)))
        case .uint16:
            let raw = p.loadUnaligned(as: UInt16.self)
            return Double(bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw))
        case .int32:
            let raw = p.loadUnaligned(as: UInt32.self)
            return Double(Int32(bitPattern: bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)))
        case .uint32:
            let raw = p.loadUnaligned(as: UInt32.self)
            return Double(bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw))
        case .float32:
            let raw = p.loadUnaligned(as: UInt32.self)
            return Double(Float(bitPattern: bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)))
        case .float64:
            let raw = p.loadUnaligned(as: UInt64.self)
            return Double(bitPattern: bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw))
        }
    }
}
