#if arch(x86_64)
import _Builtin_intrinsics.intel
#else
import TensorCore
#endif

// Lane-wise min, max and square root that compile to single vector instructions. The standard library's
// generic `pointwiseMin`/`pointwiseMax` are not inlined here (a call per use, lane by lane) and SIMD
// `squareRoot()` becomes one libm call per lane, which made the BVH kernels ~4× slower.

/// Lane-wise minimum (the first operand where either is NaN).
@inline(__always) func laneMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }
/// Lane-wise maximum (the first operand where either is NaN).
@inline(__always) func laneMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
/// Lane-wise minimum (the first operand where either is NaN).
@inline(__always) func laneMin(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .< a) }
/// Lane-wise maximum (the first operand where either is NaN).
@inline(__always) func laneMax(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { a.replacing(with: b, where: b .> a) }

/// Lane-wise IEEE square root (one `sqrtps`).
@inline(__always) func laneSquareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
    #if arch(x86_64)
    return _mm256_sqrt_ps(x)
    #else
    return SIMDMath.squareRoot(x)
    #endif
}

/// Lane-wise IEEE square root (one `sqrtps`).
@inline(__always) func laneSquareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_sqrt_ps(x)
    #else
    return SIMD4(SIMDMath.squareRoot(SIMD8(lowHalf: x, highHalf: x)).lowHalf)
    #endif
}

/// Bit l set where a[l] < b[l] (false for NaN lanes): one `cmpltps` + `movmskps` (SSE, baseline x86-64).
@inline(__always) func lessMask(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> UInt32 {
    #if arch(x86_64)
    return UInt32(bitPattern: _mm_movemask_ps(_mm_cmplt_ps(a, b)))
    #else
    var m: UInt32 = 0
    for l in 0..<4 where a[l] < b[l] { m |= 1 << UInt32(l) }
    return m
    #endif
}

/// Bit l set where a[l] == b[l], over eight lanes (two SSE compares).
@inline(__always) func equalMask(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> UInt32 {
    #if arch(x86_64)
    let lo = UInt32(bitPattern: _mm_movemask_ps(_mm_cmpeq_ps(a.lowHalf, b.lowHalf)))
    let hi = UInt32(bitPattern: _mm_movemask_ps(_mm_cmpeq_ps(a.highHalf, b.highHalf)))
    return lo | hi << 4
    #else
    var m: UInt32 = 0
    for l in 0..<8 where a[l] == b[l] { m |= 1 << UInt32(l) }
    return m
    #endif
}

/// `x` where a[l] < b[l], else 0 (NaN in x is dropped where the comparison is false).
@inline(__always) func keepWhereLess(_ x: SIMD4<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    return _mm_and_ps(x, _mm_cmplt_ps(a, b))
    #else
    return x.replacing(with: 0, where: .!(a .< b))
    #endif
}

/// The smallest of eight lanes.
@inline(__always) func horizontalMin(_ x: SIMD8<Float>) -> Float {
    let h = laneMin(x.lowHalf, x.highHalf)
    return min(min(h[0], h[1]), min(h[2], h[3]))
}

/// The sum of eight lanes (fixed order: deterministic).
@inline(__always) func horizontalSum(_ x: SIMD8<Float>) -> Float {
    let h = x.lowHalf + x.highHalf
    return (h[0] + h[2]) + (h[1] + h[3])
}

/// The sum of four lanes (fixed order: deterministic).
@inline(__always) func horizontalSum(_ x: SIMD4<Float>) -> Float { (x[0] + x[2]) + (x[1] + x[3]) }
