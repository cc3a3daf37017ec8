#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

// Lane compares turned into bitmasks or masked values with one or two SSE instructions (baseline x86-64).

extension SIMDLanes {
    /// Bit l set where a[l] < b[l] (false for NaN lanes): one `cmpltps` + `movmskps`.
    @inlinable @inline(__always)
    public static func lessMask(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> UInt32 {
        #if arch(x86_64)
        return UInt32(bitPattern: _mm_movemask_ps(_mm_cmplt_ps(a, b)))
        #else
        var m: UInt32 = 0
        for l in 0..<4 where a[l] < b[l] { m |= 1 << UInt32(l) }
        return m
        #endif
    }

    /// Bit l set where a[l] == b[l], over eight lanes (two SSE compares).
    @inlinable @inline(__always)
    public static func equalMask(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> UInt32 {
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
    @inlinable @inline(__always)
    public static func keepWhereLess(_ x: SIMD4<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
        return _mm_and_ps(x, _mm_cmplt_ps(a, b))
        #else
        return x.replacing(with: 0, where: .!(a .< b))
        #endif
    }
}
