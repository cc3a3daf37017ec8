// Lane-wise min and max by compare-and-select, which compile to single vector instructions. The standard
// library's generic `pointwiseMin`/`pointwiseMax` are not inlined here (a call per use, lane by lane): they were
// a quarter of AF-KAN's time and made the BVH kernels ~4× slower.

extension SIMDLanes {
    /// Lane-wise maximum (the first operand where either is NaN).
    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }

    /// Lane-wise minimum (the first operand where either is NaN).
    @inlinable @inline(__always)
    public static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    /// Lane-wise maximum (the first operand where either is NaN).
    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .> a) }

    /// Lane-wise minimum (the first operand where either is NaN).
    @inlinable @inline(__always)
    public static func minimum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .< a) }
}
