/// Vector math that stays in SIMD registers where the standard library's generic versions do not.
public enum SIMDMath {
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
