#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

// Two square roots with different bits, kept apart by name: `SIMDLanes.squareRoot` is IEEE (one `sqrtps`; SIMD
// `squareRoot()` becomes one libm call per lane here), `VectorMath.squareRoot` the bit-trick estimate refined by
// Newton steps (within 2 ulp, the one Adam's step uses). Swapping one for the other changes results.

extension SIMDLanes {
    /// Lane-wise IEEE square root (one `vsqrtps`).
    @inlinable @inline(__always)
    public static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64)
        return _mm256_sqrt_ps(x)
        #else
        return VectorMath.squareRoot(x)
        #endif
    }

    /// Lane-wise IEEE square root (one `sqrtps`).
    @inlinable @inline(__always)
    public static func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
        return _mm_sqrt_ps(x)
        #else
        return SIMD4(VectorMath.squareRoot(SIMD8(lowHalf: x, highHalf: x)).lowHalf)
        #endif
    }
}

extension VectorMath {
    /// √x lane by lane for x ≥ 0 (within 2 ulp; exact 0 gives 0). The standard library's SIMD `squareRoot()`
    /// becomes eight scalar libm calls here; this is the bit-trick estimate of 1/√x, three Newton steps,
    /// then x·(1/√x). Deterministic.
    @inlinable @inline(__always)
    public static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        var y = unsafeBitCast(0x5F37_5A86 &- (bits &>> 1), to: SIMD8<Float>.self)
        let half = 0.5 * x
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        return x * y
    }
}
