import TensorCore

/// Activations used *inside* KAN layers (the B-spline layer's base branch, AF-KAN's feature and output
/// activations), where backward needs f'(x) from the input x rather than from a saved output.
extension Activation {
    /// f(z) and f'(z) for eight lanes, both from the input (`@_transparent`: left out of line otherwise).
    @_transparent
    static func valueAndDerivative(_ activation: Activation, _ z: SIMD8<Float>) -> (value: SIMD8<Float>, derivative: SIMD8<Float>) {
        var d = SIMD8<Float>(repeating: 1)
        let y = evaluate(activation, z, &d)
        switch activation {
        case .none: return (y, SIMD8(repeating: 1))
        case .relu: return (y, SIMD8<Float>(repeating: 0).replacing(with: 1, where: z .> 0))
        case .leakyReLU: return (y, SIMD8<Float>(repeating: Activation.leakySlope).replacing(with: 1, where: z .> 0))
        case .sigmoid: return (y, y * (1 - y))
        case .exponential: return (y, y)
        case .tanh: return (y, 1 - y * y)
        case .softplus: return (y, VectorMath.sigmoid(Activation.sharpness * z))
        case .squareplus:
            let s = Activation.sharpness * y
            return (y, s * s / (s * s + 1))
        case .sine, .silu: return (y, d)
        }
    }
}
