/// The element types of the safetensors format, spelled as in its header.
public enum SafeTensorDType: String, Sendable, CaseIterable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .F64, .I64, .U64: return 8
        case .F32, .I32, .U32: return 4
        case .F16, .BF16, .I16, .U16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

/// One named tensor of a safetensors file: element type, shape and the raw little-endian bytes.
public struct SafeTensor: Sendable, Equatable {
    /// The tensor's key in the file header.
    public var name: String
    /// The element type.
    public var dtype: SafeTensorDType
    /// The dimensions, outermost first (empty for a scalar).
    public var shape: [Int]
    /// `elementCount · dtype.byteSize` bytes, little-endian, row-major.
    public var bytes: [UInt8]

    /// A tensor from raw bytes; `bytes.count` must match the shape and element type.
    public init(name: String, dtype: SafeTensorDType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative tensor dimension")
        precondition(bytes.count == shape.reduce(1, *) * dtype.byteSize, "byte count does not match the tensor shape")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor; `floats.count` must match `shape`.
    public init(name: String, floats: [Float], shape: [Int]) {
        self.init(name: name, dtype: .F32, shape: shape, bytes: SafeTensor.littleEndianBytes(floats.map { $0.bitPattern }))
    }

    /// A U32 tensor; `uint32s.count` must match `shape`.
    public init(name: String, uint32s: [UInt32], shape: [Int]) {
        self.init(name: name, dtype: .U32, shape: shape, bytes: SafeTensor.littleEndianBytes(uint32s))
    }

    /// An I32 tensor; `int32s.count` must match `shape`.
    public init(name: String, int32s: [Int32], shape: [Int]) {
        self.init(name: name, dtype: .I32, shape: shape, bytes: SafeTensor.littleEndianBytes(int32s.map { UInt32(bitPattern: $0) }))
    }

    /// The number of elements (the product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as Float, converted from any element type (F64 and 64-bit integers may round).
    public var floats: [Float] {
        switch dtype {
        case .F32: return elements { Float(bitPattern: $0.loadLE(UInt32.self, $1)) }
        case .F64: return elements { Float(Double(bitPattern: $0.loadLE(UInt64.self, $1))) }
        case .F16: return elements { HalfFloat.float(fromBits: $0.loadLE(UInt16.self, $1)) }
        case .BF16: return elements { Float(bitPattern: UInt32($0.loadLE(UInt16.self, $1)) << 16) }
        case .I64: return elements { Float(Int64(bitPattern: $0.loadLE(UInt64.self, $1))) }
        case .I32: return elements { Float(Int32(bitPattern: $0.loadLE(UInt32.self, $1))) }
        case .I16: return elements { Float(Int16(bitPattern: $0.loadLE(UInt16.self, $1))) }
        case .I8: return elements { Float(Int8(bitPattern: $0.load(fromByteOffset: $1, as: UInt8.self))) }
        case .U64: return elements { Float($0.loadLE(UInt64.self, $1)) }
        case .U32: return elements { Float($0.loadLE(UInt32.self, $1)) }
        case .U16: return elements { Float($0.loadLE(UInt16.self, $1)) }
        case .U8, .BOOL: return elements { Float($0.load(fromByteOffset: $1, as: UInt8.self)) }
        }
    }

    /// The elements as UInt32 for integer element types whose values all fit; nil otherwise.
    public var uint32s: [UInt32]? {
        guard let wide = integers else { return nil }
        guard wide.allSatisfy({ $0 >= 0 && $0 <= Int64(UInt32.max) }) else { return nil }
        return wide.map { UInt32($0) }
    }

    /// The elements as Int32 for integer element types whose values all fit; nil otherwise.
    public var int32s: [Int32]? {
        guard let wide = integers else { return nil }
        guard wide.allSatisfy({ $0 >= Int64(Int32.min) && $0 <= Int64(Int32.max) }) else { return nil }
        return wide.map { Int32($0) }
    }

    /// The elements as Float for floating-point element types (F32, F16, BF16, F64);
    /// any other type is an error naming `file` and the tensor.
    public func floatValues(file: String) throws(FieldError) -> [Float] {
        switch dtype {
        case .F32, .F16, .BF16, .F64: return floats
        default: throw FieldError(file: file, location: "tensor \"\(name)\"", "has dtype \(dtype.rawValue), expected a floating-point tensor (F32, F16, BF16, F64)")
        }
    }

    /// The elements as UInt32 for integer element types whose values fit; otherwise an error naming `file` and the tensor.
    public func uint32Values(file: String) throws(FieldError) -> [UInt32] {
        guard let values = uint32s else {
            throw FieldError(file: file, location: "tensor \"\(name)\"", "has dtype \(dtype.rawValue), expected unsigned 32-bit integers (U32)")
        }
        return values
    }

    /// Integer elements widened to Int64 (U64 values above Int64.max give nil); nil for float types.
    private var integers: [Int64]? {
        switch dtype {
        case .F64, .F32, .F16, .BF16: return nil
        case .I64: return elements { Int64(bitPattern: $0.loadLE(UInt64.self, $1)) }
        case .I32: return elements { Int64(Int32(bitPattern: $0.loadLE(UInt32.self, $1))) }
        case .I16: return elements { Int64(Int16(bitPattern: $0.loadLE(UInt16.self, $1))) }
        case .I8: return elements { Int64(Int8(bitPattern: $0.load(fromByteOffset: $1, as: UInt8.self))) }
        case .U64:
            let values: [UInt64] = elements { $0.loadLE(UInt64.self, $1) }
            guard values.allSatisfy({ $0 <= UInt64(Int64.max) }) else { return nil }
            return values.map { Int64($0) }
        case .U32: return elements { Int64($0.loadLE(UInt32.self, $1)) }
        case .U16: return elements { Int64($0.loadLE(UInt16.self, $1)) }
        case .U8, .BOOL: return elements { Int64($0.load(fromByteOffset: $1, as: UInt8.self)) }
        }
    }

    /// Maps every element (given the raw base and its byte offset) into a new array.
    private func elements<T>(_ load: (UnsafeRawPointer, Int) -> T) -> [T] {
        let count = bytes.count / dtype.byteSize, size = dtype.byteSize
        if count == 0 { return [] }
        return bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            return [T](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { (out.baseAddress! + i).initialize(to: load(base, i &* size)) }
                initialized = count
            }
        }
    }

    /// The little-endian bytes of `values`.
    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        let size = MemoryLayout<T>.size
        let count = values.count * size
        if count == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            let raw = UnsafeMutableRawPointer(out.baseAddress!)
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i &* size, as: T.self) }
            initialized = count
        }
    }
}

extension UnsafeRawPointer {
    /// A little-endian integer at `offset`, without alignment requirements.
    @inline(__always) fileprivate func loadLE<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// IEEE 754 half-precision decoding, done by hand so that it works on every platform.
enum HalfFloat {
    /// The Float value of the binary16 bit pattern `bits`.
    static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }  // inf / NaN
        if exponent == 0 {  // zero or subnormal: mantissa · 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
