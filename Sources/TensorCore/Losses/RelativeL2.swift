import FieldIO

/// tiny-cuda-nn's `RelativeL2`: mean of (p − t)² / (p² + 0.01). As in tcnn, the gradient treats the
/// denominator as a constant: 2(p − t) / (p² + 0.01) / n (not the full derivative).
public final class RelativeL2: Loss {
    /// "RelativeL2".
    public let name = "RelativeL2"
    private let reduction = LossReduction()

    /// The loss (it has no settings).
    public init() {}

    /// The loss from its config object (tcnn's `RelativeL2` has no keys besides `otype`).
    public convenience init(config: ConfigObject) throws(FieldError) { self.init() }

    /// Mean loss over `count` elements; writes tcnn's dL/dprediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                         gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        reduction.run(RelativeL2Kernel.self, prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
    }
}

/// Per-element relative squared error.
enum RelativeL2Kernel: ElementwiseLossKernel {
    @inline(__always)
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>) {
        let d = p - t
        let denominator = p * p + 0.01
        return (d * d / denominator, 2 * d / denominator)
    }
}
