/// An optimizer whose learning rate a wrapper can set between steps (tiny-cuda-nn's `set_learning_rate`),
/// as `ExponentialDecay` does to the optimizer it wraps.
public protocol LearningRateAdjustable: Optimizer {
    /// The learning rate the next step uses (before Adam's per-parameter bias correction).
    var learningRate: Float { get set }
}
