import FieldIO

/// Absolute error, tiny-cuda-nn's `L1`: mean of |p − t|; gradient copysign(1, p − t)/n.
public final class L1: Loss {
    /// "L1".
    public let name = "L1"
    private let reduction = LossReduction()

    /// The loss (it has no settings).
    public init() {}

    /// The loss from its config object (tcnn's `L1` has no keys besides `otype`).
    public convenience init(config: ConfigObject) throws(FieldError) { self.init() }

    /// Mean loss over `count` elements; writes dL/dprediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                         gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        reduction.run(L1Kernel.self, prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
    }
}

/// Per-element absolute error.
enum L1Kernel: ElementwiseLossKernel {
    @inline(__always)
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>) {
        let d = p - t
        return (absolute(d), copySign(SIMD8(repeating: 1), d))
    }
}
