import FieldIO

/// Squared error, tiny-cuda-nn's `L2`: mean of (p − t)²; gradient 2(p − t)/n.
public final class L2: Loss {
    /// "L2".
    public let name = "L2"
    private let reduction = LossReduction()

    /// The loss (it has no settings).
    public init() {}

    /// The loss from its config object (tcnn's `L2` has no keys besides `otype`).
    public convenience init(config: ConfigObject) throws(FieldError) { self.init() }

    /// Mean loss over `count` elements; writes dL/dprediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                         gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        reduction.run(L2Kernel.self, prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
    }
}

/// Per-element squared error.
enum L2Kernel: ElementwiseLossKernel {
    @inline(__always)
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>) {
        let d = p - t
        return (d * d, 2 * d)
    }
}
