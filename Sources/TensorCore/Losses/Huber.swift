import FieldIO

/// instant-ngp's NeRF `Huber` loss (alias `SmoothL1`): Huber with δ = 0.1, divided by 5 so that near zero it
/// equals L2 (and its dB track PSNR). Per element, with d = p − t:
/// value = (|d| > δ ? |d| − δ/2 : d²/(2δ)) / 5, gradient = (|d| > δ ? sign(d) : d/δ) / 5; the loss is the mean.
public final class Huber: Loss {
    /// "Huber".
    public let name = "Huber"
    /// The switch-over from quadratic to linear (instant-ngp's fixed 0.1).
    public static let delta: Float = 0.1
    private let reduction = LossReduction()

    /// The loss (it has no settings).
    public init() {}

    /// The loss from its config object (instant-ngp's `Huber` has no keys besides `otype`).
    public convenience init(config: ConfigObject) throws(FieldError) { self.init() }

    /// Mean loss over `count` elements; writes dL/dprediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                         gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        reduction.run(HuberKernel.self, prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
    }
}

/// Per-element Huber (δ = 0.1) / 5.
enum HuberKernel: ElementwiseLossKernel {
    @inline(__always)
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>) {
        let delta = Huber.delta
        let d = p - t
        let a = absolute(d)
        let linear = a .> delta
        let square = (0.5 / delta) * d * d
        var value = square
        value.replace(with: a - 0.5 * delta, where: linear)
        var g = d / delta
        var unit = SIMD8<Float>(repeating: -1)
        unit.replace(with: 1, where: d .> 0)
        g.replace(with: unit, where: linear)
        return (value / 5, g / 5)
    }
}
