import Foundation

/// The single-parameter functions f(x; k) of LSS-SKAN (chikkkit's `skan_exp_version.py` plus the paper's
/// LArctan and LSin), one learnable k per edge.
public enum SKANBasis: String, CaseIterable, Sendable {
    /// LSS, the shifted softplus: ln(1 + e^{kx}) − ln 2 (LSS-SKAN's choice).
    case lss
    /// ln(1 + e^{kx}).
    case lsoftplus
    /// max(kx, 0).
    case lrelu
    /// max(kx, x).
    case lleakyReLU = "lleaky_relu"
    /// x·σ(kx).
    case lswish
    /// clamp(kx + ½, 0, 1).
    case lhardSigmoid = "lhard_sigmoid"
    /// k·arctan x.
    case larctan
    /// k·sin x.
    case lsin

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// Whether f(x; k) = k·g(x): then a layer of one such basis is a GEMM on g(x).
    var isSeparable: Bool { self == .larctan || self == .lsin }

    /// f(x; k) in Double (reference for tests).
    public func value(_ x: Double, _ k: Double) -> Double {
        let z = k * x
        let softplus = max(z, 0) + Foundation.log1p(Foundation.exp(-abs(z)))
        switch self {
        case .lss: return softplus - Foundation.log(2)
        case .lsoftplus: return softplus
        case .lrelu: return max(z, 0)
        case .lleakyReLU: return max(z, x)
        case .lswish: return x / (1 + Foundation.exp(-z))
        case .lhardSigmoid: return min(max(z + 0.5, 0), 1)
        case .larctan: return k * Foundation.atan(x)
        case .lsin: return k * Foundation.sin(x)
        }
    }
}

/// One basis's eight-lane kernels; one conforming type per basis so that loops specialise on it.
protocol SKANKernel {
    /// f(x; k).
    static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float>
    /// (∂f/∂k, ∂f/∂x).
    static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>)
}

/// Softplus pieces shared by LSS and LSoftplus: ln(1 + e^z) and σ(z), both from one e^{−|z|}.
enum SKANSoftplus {
    @inline(__always)
    static func valueAndSigmoid(_ z: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let negative = z .< 0
        let e = VectorMath.exp(z.replacing(with: -z, where: .!negative))     // e^{−|z|} ∈ (0, 1]
        let sp = z.replacing(with: 0, where: negative) + VectorMath.log1pUnit(e)
        let inv = 1 / (1 + e)
        return (sp, inv.replacing(with: e * inv, where: negative))
    }
}

enum LSSKernel: SKANKernel {
    static let ln2: Float = 0.693_147_18
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        SKANSoftplus.valueAndSigmoid(k * x).0 - ln2
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let s = SKANSoftplus.valueAndSigmoid(k * x).1
        return (x * s, k * s)
    }
}

enum LSoftplusKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        SKANSoftplus.valueAndSigmoid(k * x).0
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        LSSKernel.gradients(x, k)
    }
}

enum LReLUKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        let z = k * x
        return z.replacing(with: 0, where: z .<= 0)
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let off = k * x .<= 0
        return (x.replacing(with: 0, where: off), k.replacing(with: 0, where: off))
    }
}

enum LLeakyReLUKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        KANLanes.maximum(k * x, x)
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let scaled = k * x .> x
        return (SIMD8<Float>().replacing(with: x, where: scaled), SIMD8<Float>(repeating: 1).replacing(with: k, where: scaled))
    }
}

enum LSwishKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        x * VectorMath.sigmoid(k * x)
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let s = VectorMath.sigmoid(k * x)
        let ds = s * (1 - s)
        return (x * x * ds, s + x * k * ds)
    }
}

enum LHardSigmoidKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        var v = k * x + 0.5
        v.replace(with: 0, where: v .< 0)
        v.replace(with: 1, where: v .> 1)
        return v
    }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let v = k * x + 0.5
        var dk = x.replacing(with: 0, where: v .<= 0), dx = k.replacing(with: 0, where: v .<= 0)
        dk.replace(with: 0, where: v .>= 1)
        dx.replace(with: 0, where: v .>= 1)
        return (dk, dx)
    }
}

enum LArctanKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> { k * KANVectorMath.atan(x) }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        (KANVectorMath.atan(x), k / (1 + x * x))
    }
}

enum LSinKernel: SKANKernel {
    @inline(__always) static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> { k * KANVectorMath.sincos(x).sin }
    @inline(__always) static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let sc = KANVectorMath.sincos(x)
        return (sc.sin, k * sc.cos)
    }
}

/// Eight-lane functions the KAN layers need beyond `VectorMath`.
enum KANVectorMath {
    /// arctan x (Cephes' single-precision reduction to |x| ≤ tan(π/8) and its minimax polynomial; ~2 ulp).
    /// Only float compares and selects: integer and combined masks are not vectorised here.
    @inline(__always)
    static func atan(_ x: SIMD8<Float>) -> SIMD8<Float> {
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

    /// sin x and cos x (`VectorMath.sincos`'s reduction and polynomials, with the quadrant taken from the
    /// rounded multiple of π/2 as a float, so every mask is a float compare).
    @inline(__always)
    static func sincos(_ x: SIMD8<Float>) -> (sin: SIMD8<Float>, cos: SIMD8<Float>) {
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
}
