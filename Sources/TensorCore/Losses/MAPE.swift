import FieldIO

/// tiny-cuda-nn's `MAPE` (mean absolute percentage error), instant-ngp's SDF loss:
/// mean of |p − t| / (|t| + 0.01); gradient copysign(1/(|t| + 0.01), p − t) / n.
public final class MAPE: Loss {
    /// "MAPE".
    public let name = "MAPE"
    private let reduction = LossReduction()

    /// The loss (it has no settings).
    public init() {}

    /// The loss from its config object (tcnn's `MAPE` has no keys besides `otype`).
    public convenience init(config: ConfigObject) throws(FieldError) { self.init() }

    /// Mean loss over `count` elements; writes dL/dprediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                         gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        reduction.run(MAPEKernel.self, prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
    }
}

/// Per-element absolute percentage error.
enum MAPEKernel: ElementwiseLossKernel {
    @inline(__always)
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>) {
        let d = p - t
        let scale = 1 / (absolute(t) + 0.01)
        return (absolute(d) * scale, copySign(scale, d))
    }
}
