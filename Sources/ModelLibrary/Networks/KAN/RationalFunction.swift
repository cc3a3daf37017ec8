import Foundation

/// The fits a GR-KAN rational starts from (least squares on [−3, 3], as KAT's `fit.py`).
///
/// `identity` and `swish` are KAT's `init.json` values. KAT fitted its `gelu` entry for the paper's
/// denominator 1 + |Σ b_i xⁱ|; under the training kernels' denominator 1 + Σ |b_i||x|ⁱ (ours) those
/// coefficients are not GELU (F(3) = 1.53 instead of 3.0), so `gelu` here is our own non-negative least-squares
/// fit for this denominator (max error 1.8e-3 on [−3, 3], gain² 2.352 vs GELU's 2.352). KAT's swish
/// coefficients have b₁, b₃ ≈ 1e-6, so both denominators nearly agree for it (max difference 1.3e-4 on [−3, 3]).
public enum RationalInit: String, CaseIterable, Sendable {
    /// F(x) = x.
    case identity
    /// x·σ(x).
    case swish
    /// x·Φ(x).
    case gelu

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// Numerator a_0 … a_5.
    public var numerator: [Float] {
        switch self {
        case .identity: return [0, 1, 0, 0, 0, 0]
        case .swish: return [3.054_879_7e-7, 0.500_000_79, 0.249_997_83, 0.053_266_283, 0.005_803_034_6, 0.000_275_196_1]
        case .gelu: return [-0.001_727_814, 0.498_537_92, 0.409_012_94, 0.111_020_52, 0.010_905_041, 0.000_357_041_17]
        }
    }

    /// Denominator b_1 … b_4.
    public var denominator: [Float] {
        switch self {
        case .identity: return [0, 0, 0, 0]
        case .swish: return [-4.111_555e-6, 0.106_528_99, -1.269_000_7e-6, 0.000_550_233_13]
        case .gelu: return [0, 0.216_195_62, 0.003_957_807_5, 0]
        }
    }
}

/// KAT's rational of order (5, 4) with the safe denominator of its training kernels:
/// F(x) = P(x)/Q(x), P = a_0 + a_1x + … + a_5x⁵, Q = 1 + |b_1||x| + |b_2||x|² + |b_3||x|³ + |b_4||x|⁴ ≥ 1.
///
/// Derivatives (KAT's kernel formulas): with R = P′ and S = Σ i|b_i||x|^{i−1},
/// ∂F/∂x = (R − sign(x)·S·F)/Q, ∂F/∂a_i = xⁱ/Q, ∂F/∂b_i = −(F/Q)·sign(b_i)·|x|ⁱ. At b_i = 0 we take the
/// sub-gradient sign = +1 (so an identity-initialised denominator can leave zero; `sign(0) = 0` would pin it).
public enum RationalFunction {
    /// Numerator coefficients per group.
    public static let numeratorCount = 6
    /// Denominator coefficients per group.
    public static let denominatorCount = 4

    /// F(x) in Double (reference for tests and initialisation).
    public static func value(_ x: Double, numerator a: [Float], denominator b: [Float]) -> Double {
        var p = 0.0
        for i in stride(from: 5, through: 0, by: -1) { p = p * x + Double(a[i]) }
        let ax = abs(x)
        var q = 0.0
        for i in stride(from: 3, through: 0, by: -1) { q = q * ax + Double(abs(b[i])) }
        return p / (1 + q * ax)
    }

    /// E_{x∼N(0,1)}[F(x)²] by the trapezoid rule on [−10, 10] (20 001 points), in Double.
    public static func meanSquare(numerator a: [Float], denominator b: [Float]) -> Double {
        let n = 20_000
        let h = 20.0 / Double(n)
        var s = 0.0
        for i in 0...n {
            let x = -10 + Double(i) * h
            let f = value(x, numerator: a, denominator: b)
            let w = (i == 0 || i == n) ? 0.5 : 1
            s += w * f * f * Foundation.exp(-0.5 * x * x)
        }
        return s * h / (2 * Double.pi).squareRoot()
    }

    /// KAT's variance-preserving gain² = 1/E[F(x)²], x ∼ N(0, 1) (swish ≈ 2.818, gelu ≈ 2.357, identity 1).
    public static func gainSquared(_ initialization: RationalInit) -> Double {
        1 / meanSquare(numerator: initialization.numerator, denominator: initialization.denominator)
    }

    /// Greatest common divisor (positive inputs).
    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }

    /// F(x) and 1/Q(x) for eight lanes with per-lane coefficients.
    @inline(__always)
    static func evaluate(_ x: SIMD8<Float>, _ c: RationalLanes) -> (f: SIMD8<Float>, inverseQ: SIMD8<Float>) {
        var p = c.a5
        p = p * x + c.a4
        p = p * x + c.a3
        p = p * x + c.a2
        p = p * x + c.a1
        p = p * x + c.a0
        let ax = x.replacing(with: -x, where: x .< 0)
        var q = c.b4
        q = q * ax + c.b3
        q = q * ax + c.b2
        q = q * ax + c.b1
        q = q * ax + 1
        let inv = 1 / q
        return (p * inv, inv)
    }
}

/// Eight channels' rational coefficients, one lane per channel (`b` already as |b|).
struct RationalLanes {
    var a0, a1, a2, a3, a4, a5: SIMD8<Float>
    var b1, b2, b3, b4: SIMD8<Float>

    /// Loads the ten vectors stored consecutively at `p` (a0 … a5, |b1| … |b4|).
    @inline(__always)
    init(_ p: UnsafePointer<Float>) {
        func v(_ j: Int) -> SIMD8<Float> { UnsafeRawPointer(p + j &* 8).loadUnaligned(as: SIMD8<Float>.self) }
        a0 = v(0); a1 = v(1); a2 = v(2); a3 = v(3); a4 = v(4); a5 = v(5)
        b1 = v(6); b2 = v(7); b3 = v(8); b4 = v(9)
    }
}
