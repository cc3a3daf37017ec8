/// The features stored per grid vertex (1, 2, 4 or 8 floats) as one value, so that the grid kernels are
/// written once and specialised per feature count: loads, stores and multiply-adds become single SIMD ops.
protocol GridFeatureVector {
    /// Floats per vertex.
    static var width: Int { get }
    /// All zeros.
    static var zeroVector: Self { get }
    /// Reads a vector at `byteOffset` (no alignment required).
    static func load(_ base: UnsafeRawPointer, _ byteOffset: Int) -> Self
    /// Writes the vector at `byteOffset` (no alignment required).
    func store(_ base: UnsafeMutableRawPointer, _ byteOffset: Int)
    /// `self * w`.
    func scaled(_ w: Float) -> Self
    /// `self + other * w`, fused (as tcnn's `fma`).
    func adding(_ other: Self, times w: Float) -> Self
    /// `self - other`.
    func minus(_ other: Self) -> Self
    /// The sum of `self * other` over the lanes.
    func dot(_ other: Self) -> Float
}

extension Float: GridFeatureVector {
    static var width: Int { 1 }
    static var zeroVector: Float { 0 }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ byteOffset: Int) -> Float {
        base.loadUnaligned(fromByteOffset: byteOffset, as: Float.self)
    }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ byteOffset: Int) {
        base.storeBytes(of: self, toByteOffset: byteOffset, as: Float.self)
    }
    @inline(__always) func scaled(_ w: Float) -> Float { self * w }
    @inline(__always) func adding(_ other: Float, times w: Float) -> Float { addingProduct(other, w) }
    @inline(__always) func minus(_ other: Float) -> Float { self - other }
    @inline(__always) func dot(_ other: Float) -> Float { self * other }
}

extension SIMD2: GridFeatureVector where Scalar == Float {
    static var width: Int { 2 }
    static var zeroVector: SIMD2<Float> { SIMD2() }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ byteOffset: Int) -> SIMD2<Float> {
        base.loadUnaligned(fromByteOffset: byteOffset, as: SIMD2<Float>.self)
    }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ byteOffset: Int) {
        base.storeBytes(of: self, toByteOffset: byteOffset, as: SIMD2<Float>.self)
    }
    @inline(__always) func scaled(_ w: Float) -> SIMD2<Float> { self * w }
    @inline(__always) func adding(_ other: SIMD2<Float>, times w: Float) -> SIMD2<Float> { addingProduct(other, w) }
    @inline(__always) func minus(_ other: SIMD2<Float>) -> SIMD2<Float> { self - other }
    @inline(__always) func dot(_ other: SIMD2<Float>) -> Float { let p = self * other; return p.x + p.y }
}

extension SIMD4: GridFeatureVector where Scalar == Float {
    static var width: Int { 4 }
    static var zeroVector: SIMD4<Float> { SIMD4() }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ byteOffset: Int) -> SIMD4<Float> {
        base.loadUnaligned(fromByteOffset: byteOffset, as: SIMD4<Float>.self)
    }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ byteOffset: Int) {
        base.storeBytes(of: self, toByteOffset: byteOffset, as: SIMD4<Float>.self)
    }
    @inline(__always) func scaled(_ w: Float) -> SIMD4<Float> { self * w }
    @inline(__always) func adding(_ other: SIMD4<Float>, times w: Float) -> SIMD4<Float> { addingProduct(other, w) }
    @inline(__always) func minus(_ other: SIMD4<Float>) -> SIMD4<Float> { self - other }
    @inline(__always) func dot(_ other: SIMD4<Float>) -> Float { let p = self * other; return (p.x + p.y) + (p.z + p.w) }
}

extension SIMD8: GridFeatureVector where Scalar == Float {
    static var width: Int { 8 }
    static var zeroVector: SIMD8<Float> { SIMD8() }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ byteOffset: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: byteOffset, as: SIMD8<Float>.self)
    }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ byteOffset: Int) {
        base.storeBytes(of: self, toByteOffset: byteOffset, as: SIMD8<Float>.self)
    }
    @inline(__always) func scaled(_ w: Float) -> SIMD8<Float> { self * w }
    @inline(__always) func adding(_ other: SIMD8<Float>, times w: Float) -> SIMD8<Float> { addingProduct(other, w) }
    @inline(__always) func minus(_ other: SIMD8<Float>) -> SIMD8<Float> { self - other }
    @inline(__always) func dot(_ other: SIMD8<Float>) -> Float {
        let p = self * other
        return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
    }
}
