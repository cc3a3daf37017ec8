import Foundation
import TensorCore

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
    @_transparent
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
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        SKANSoftplus.valueAndSigmoid(k * x).0 - ln2
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let s = SKANSoftplus.valueAndSigmoid(k * x).1
        return (x * s, k * s)
    }
}

enum LSoftplusKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        SKANSoftplus.valueAndSigmoid(k * x).0
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        LSSKernel.gradients(x, k)
    }
}

enum LReLUKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        let z = k * x
        return z.replacing(with: 0, where: z .<= 0)
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let off = k * x .<= 0
        return (x.replacing(with: 0, where: off), k.replacing(with: 0, where: off))
    }
}

enum LLeakyReLUKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        SIMDLanes.maximum(k * x, x)
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let scaled = k * x .> x
        return (SIMD8<Float>().replacing(with: x, where: scaled), SIMD8<Float>(repeating: 1).replacing(with: k, where: scaled))
    }
}

enum LSwishKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        x * VectorMath.sigmoid(k * x)
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let s = VectorMath.sigmoid(k * x)
        let ds = s * (1 - s)
        return (x * x * ds, s + x * k * ds)
    }
}

enum LHardSigmoidKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> {
        var v = k * x + 0.5
        v.replace(with: 0, where: v .< 0)
        v.replace(with: 1, where: v .> 1)
        return v
    }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let v = k * x + 0.5
        var dk = x.replacing(with: 0, where: v .<= 0), dx = k.replacing(with: 0, where: v .<= 0)
        dk.replace(with: 0, where: v .>= 1)
        dx.replace(with: 0, where: v .>= 1)
        return (dk, dx)
    }
}

enum LArctanKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> { k * VectorMath.atan(x) }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        (VectorMath.atan(x), k / (1 + x * x))
    }
}

enum LSinKernel: SKANKernel {
    @_transparent static func value(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> SIMD8<Float> { k * VectorMath.sincos(x).sin }
    @_transparent static func gradients(_ x: SIMD8<Float>, _ k: SIMD8<Float>) -> (dk: SIMD8<Float>, dx: SIMD8<Float>) {
        let sc = VectorMath.sincos(x)
        return (sc.sin, k * sc.cos)
    }
}
