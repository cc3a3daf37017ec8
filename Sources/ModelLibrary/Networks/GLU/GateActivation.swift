import Foundation
import TensorCore

/// The activation of a GLU's gate branch (Activator uses GELU): `GELU` (tanh form,
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))), `SiLU` (also spelled `Swish`), `ReLU`, `Sigmoid`.
///
/// The gate is followed by a norm, so its backward pass cannot read f' from the layer's output: the training
/// forward pass always saves f'(x), and backward multiplies by it.
public enum GateActivation: String, CaseIterable, Sendable {
    /// Gaussian error linear unit (tanh approximation).
    case gelu = "GELU"
    /// x·σ(x).
    case silu = "SiLU"
    /// max(x, 0).
    case relu = "ReLU"
    /// 1 / (1 + e⁻ˣ).
    case sigmoid = "Sigmoid"

    /// The config spellings (case-insensitive; `Swish` is SiLU).
    public static let names: [String] = ["GELU", "SiLU", "Swish", "ReLU", "Sigmoid"]

    /// The gate called `name` (any case), or nil.
    public init?(name: String) {
        switch name.lowercased() {
        case "gelu": self = .gelu
        case "silu", "swish": self = .silu
        case "relu": self = .relu
        case "sigmoid": self = .sigmoid
        default: return nil
        }
    }

    static let geluScale: Float = 0.797_884_56   // √(2/π)
    static let geluCubic: Float = 0.044_715

    /// f(x) in Double (for tests).
    public func value(_ x: Double) -> Double {
        switch self {
        case .gelu:
            let c = Double(GateActivation.geluScale), k = Double(GateActivation.geluCubic)
            return 0.5 * x * (1 + Foundation.tanh(c * (x + k * x * x * x)))
        case .silu: return x / (1 + Foundation.exp(-x))
        case .relu: return max(x, 0)
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        }
    }

    /// f(z) and f'(z) for eight lanes.
    @inline(__always)
    func evaluate(_ z: SIMD8<Float>) -> (value: SIMD8<Float>, derivative: SIMD8<Float>) {
        switch self {
        case .gelu:
            let z2 = z * z
            let t = VectorMath.tanh(GateActivation.geluScale * (z + GateActivation.geluCubic * z2 * z))
            let half = 0.5 * (1 + t)
            let d = half + 0.5 * z * (1 - t * t) * GateActivation.geluScale * (1 + 3 * GateActivation.geluCubic * z2)
            return (z * half, d)
        case .silu:
            let s = VectorMath.sigmoid(z)
            return (z * s, s * (1 + z * (1 - s)))
        case .relu:
            let positive = z .> 0
            return (z.replacing(with: 0, where: .!positive), SIMD8<Float>(repeating: 0).replacing(with: 1, where: positive))
        case .sigmoid:
            let s = VectorMath.sigmoid(z)
            return (s, s * (1 - s))
        }
    }

    /// Applies the gate in place to `width` columns of `rows` rows (row stride `ld`); writes f' with the same
    /// layout to `derivative` (row stride `ldd`) when given.
    func forward(_ x: UnsafeMutablePointer<Float>, ld: Int, rows: Int, width: Int,
                 derivative: UnsafeMutablePointer<Float>?, ldd: Int) {
        for r in 0..<rows {
            let xr = x + r &* ld
            var j = 0
            while j < width {
                let c = min(8, width &- j)
                let (v, d) = evaluate(SIMDLanes.load(xr + j, c))
                SIMDLanes.store(v, xr + j, c)
                if let derivative { SIMDLanes.store(d, derivative + r &* ldd + j, c) }
                j &+= 8
            }
        }
    }
}
