/// Eight-lane transcendental functions for activation and encoding kernels (AVX2-friendly, no libm calls),
/// plus the Newton square root (`squareRoot`, in `SquareRoot.swift`).
///
/// Classic range reduction plus minimax polynomials (Cephes' single-precision coefficients); errors are a
/// few ulp over the ranges activations see. Every function is lane-wise, so a value's result never depends
/// on its neighbours or its lane. `@_transparent` (public, so the bodies inline into other modules' loops).
public enum VectorMath {
    /// eˣ. Overflows to +∞ above 88.3, underflows to 0 below −87.3; NaN stays NaN.
    @_transparent   // (`@inline(__always)` left exp and sigmoid out of line in the KAN and activation loops)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let hi = SIMD8<Float>(repeating: 88.3), lo = SIMD8<Float>(repeating: -87.3)
        // (`clamped` is not inlined by the standard library; select instead.)
        var xc = x.replacing(with: lo, where: x .< lo)
        xc.replace(with: hi, where: xc .> hi)
        let magic = SIMD8<Float>(repeating: 12_582_912)   // 1.5·2²³: adding it rounds to an integer
        let t = xc * 1.442_695_04 + magic
        let n = t - magic
        let r = xc - n * 0.693_359_375 - n * -2.121_944_4e-4
        let z = r * r
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * z + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
        var y = p * scale
        y.replace(with: .infinity, where: x .> hi)
        y.replace(with: 0, where: x .< lo)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// The logistic function 1 / (1 + e⁻ˣ).
    @_transparent
    public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exp(-x)) }

    /// sin x and cos x together (Cody–Waite reduction by π/2; accurate for |x| up to about 10⁴). The quadrant
    /// comes from the rounded multiple of π/2 as a float, so every mask is a float compare (integer and combined
    /// masks were not vectorised here).
    @_transparent
    public static func sincos(_ x: SIMD8<Float>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let j = (x * 0.636_619_772 + magic) - magic        // round(x · 2/π)
        let r = ((x - j * 1.570_312_5) - j * 4.837_512_969_970_703e-4) - j * 7.549_789_954_891_882e-8
        let z = r * r
        var s = SIMD8<Float>(repeating: -1.951_529_589_1e-4)
        s = s * z + 8.332_160_873_6e-3
        s = s * z - 1.666_665_461_1e-1
        s = s * z * r + r
        var c = SIMD8<Float>(repeating: 2.443_315_711_809_948e-5)
        c = c * z - 1.388_731_625_493_765e-3
        c = c * z + 4.166_664_568_298_827e-2
        c = c * z * z - 0.5 * z + 1
        let q = j - 4 * (j * 0.25).rounded(.down)          // quadrant 0…3
        var sinv = s.replacing(with: c, where: q .== 1)
        sinv.replace(with: c, where: q .== 3)
        var cosv = c.replacing(with: s, where: q .== 1)
        cosv.replace(with: s, where: q .== 3)
        sinv.replace(with: -sinv, where: q .>= 2)
        cosv.replace(with: -cosv, where: q .== 1)
        cosv.replace(with: -cosv, where: q .== 2)
        return (sinv, cosv)
    }

    /// sin x alone, for loops that do not need the cosine: reduction by π (Cody–Waite, three parts) to
    /// r ∈ [−π/2, π/2], an odd degree-9 minimax polynomial in r, and the sign of the half-turn's parity. About
    /// half the work of `sincos`; a few ulp, for |x| up to about 10⁴.
    @_transparent
    public static func sin(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let j = (x * 0.318_309_886 + magic) - magic         // round(x / π)
        var r = ((x - j * 3.140_625) - j * 9.675_025_939_941_406e-4) - j * 1.509_957_990_978_376_4e-7
        r.replace(with: -r, where: j - 2 * (j * 0.5).rounded(.down) .== 1)   // sin(r + jπ) = (−1)^j sin r
        let z = r * r
        var p = SIMD8<Float>(repeating: 2.608_315_980_978_659_4e-6)
        p = p * z - 1.981_069_071_916_863_3e-4
        p = p * z + 8.333_078_585_565_090_2e-3
        p = p * z - 1.666_665_971_279_144_3e-1
        return p * z * r + r
    }

    /// arctan x (Cephes' single-precision reduction to |x| ≤ tan(π/8) and its minimax polynomial; ~2 ulp).
    /// Only float compares and selects: integer and combined masks are not vectorised here.
    @_transparent
    public static func atan(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let negative = x .< 0
        let a = x.replacing(with: -x, where: negative)
        let mid = a .> 0.414_213_56                        // tan(π/8)
        let big = a .> 2.414_213_56                        // tan(3π/8)
        var t = a.replacing(with: (a - 1) / (a + 1), where: mid)
        t.replace(with: -1 / a, where: big)
        var y = SIMD8<Float>().replacing(with: 0.785_398_163, where: mid)
        y.replace(with: 1.570_796_33, where: big)
        let z = t * t
        var p = SIMD8<Float>(repeating: 8.053_744_495_38e-2)
        p = p * z - 1.387_768_560_32e-1
        p = p * z + 1.997_771_064_78e-1
        p = p * z - 3.333_294_915_39e-1
        y += p * z * t + t
        return y.replacing(with: -y, where: negative)
    }

    /// ln(1 + u) for u in [0, 1], accurate also for tiny u.
    @_transparent
    public static func log1pUnit(_ u: SIMD8<Float>) -> SIMD8<Float> {
        // 1 + u in [1, 2]: mantissa m in [√½, √2) is 1 + u (e = 0) or (1 + u)/2 (e = 1); f = m − 1 exactly.
        let big = (1 + u) .> 1.414_213_56
        var f = u
        f.replace(with: (u - 1) * 0.5, where: big)
        var e = SIMD8<Float>()
        e.replace(with: 1, where: big)
        let z = f * f
        var p = SIMD8<Float>(repeating: 7.037_683_629_2e-2)
        p = p * f - 1.151_461_031_0e-1
        p = p * f + 1.167_699_874_0e-1
        p = p * f - 1.242_014_084_6e-1
        p = p * f + 1.424_932_278_7e-1
        p = p * f - 1.666_805_766_5e-1
        p = p * f + 2.000_071_476_5e-1
        p = p * f - 2.499_999_399_3e-1
        p = p * f + 3.333_333_117_4e-1
        var y = f * z * p + e * -2.121_944_4e-4 - 0.5 * z
        y = f + y + e * 0.693_359_375
        return y
    }

    /// tanh x (polynomial near zero, exponential form elsewhere).
    @_transparent
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let z = x * x
        var p = SIMD8<Float>(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        let e = exp(2 * a)
        var large = 1 - 2 / (e + 1)
        large.replace(with: -large, where: x .< 0)
        return small.replacing(with: large, where: a .>= 0.625)
    }
}
