import FieldIO

/// tiny-cuda-nn's `ExponentialDecay` wrapper: piecewise-constant exponential learning-rate decay of the
/// optimizer it wraps (`nested`).
///
/// Before the step whose index (steps already taken) is `s`, the learning rate is
/// `base · decay_base^k`, where k counts the steps `decay_start, decay_start + decay_interval, …` that are
/// ≤ min(s, `decay_end`) — tcnn multiplies its factor by `decay_base` at exactly those steps. The factor is
/// computed from the nested step count (by repeated Float multiplication, as tcnn accumulates it), so the
/// wrapper has no state of its own and a resumed run follows the same schedule.
public final class ExponentialDecay: Optimizer, LearningRateAdjustable {
    /// The optimizer whose learning rate is scheduled.
    public let nested: LearningRateAdjustable
    /// `decay_base`: the factor per decay step (> 0).
    public let decayBase: Float
    /// `decay_start`: the step index of the first decay.
    public let decayStart: Int
    /// `decay_interval`: steps between decays (≥ 1).
    public let decayInterval: Int
    /// `decay_end`: no decay after this step index.
    public let decayEnd: Int
    /// The undecayed learning rate (the nested optimizer's when this wrapper was made).
    public private(set) var baseLearningRate: Float

    /// A schedule over `nested` with tcnn's defaults unless given.
    public init(nested: LearningRateAdjustable, decayBase: Float = 0.1, decayStart: Int = 10_000,
                decayInterval: Int = 10_000, decayEnd: Int = 10_000_000) {
        precondition(decayBase > 0 && decayStart >= 0 && decayInterval >= 1 && decayEnd >= 0,
                     "ExponentialDecay: invalid settings")
        self.nested = nested
        self.decayBase = decayBase
        self.decayStart = decayStart
        self.decayInterval = decayInterval
        self.decayEnd = decayEnd
        baseLearningRate = nested.learningRate
    }

    /// A schedule from tcnn's keys (`decay_base`, `decay_start`, `decay_interval`, `decay_end`; all optional)
    /// over `nested`, which the caller built from the `nested` object. Errors name the key path.
    public convenience init(config: ConfigObject, nested: Optimizer) throws(FieldError) {
        let base = try config.double("decay_base", default: 0.1)
        guard base > 0, base.isFinite else { throw config.error("decay_base", "expected a number > 0, got \(base)") }
        let start = try config.int("decay_start", default: 10_000, in: 0...Int(UInt32.max))
        let interval = try config.int("decay_interval", default: 10_000, in: 1...Int(UInt32.max))
        let end = try config.int("decay_end", default: 10_000_000, in: 0...Int(UInt32.max))
        guard let adjustable = nested as? LearningRateAdjustable else {
            throw config.error("nested", "the nested optimizer's learning rate cannot be scheduled")
        }
        self.init(nested: adjustable, decayBase: Float(base), decayStart: start, decayInterval: interval, decayEnd: end)
    }

    /// The learning-rate factor in force for the step with index `step` (steps already taken).
    public func factor(atStep step: Int) -> Float {
        let last = min(step, decayEnd)
        if last < decayStart { return 1 }
        let decays = (last - decayStart) / decayInterval + 1
        var f: Float = 1
        for _ in 0..<decays { f *= decayBase }
        return f
    }

    /// The scheduled learning rate of the next step; setting it rescales the base as tcnn does.
    public var learningRate: Float {
        get { baseLearningRate * factor(atStep: stepCount) }
        set { baseLearningRate = newValue / factor(atStep: stepCount) }
    }

    /// Allocates the nested optimizer's state.
    public func allocate(for store: ParameterStore) { nested.allocate(for: store) }

    /// Sets the nested learning rate for this step, then steps it.
    public func step(_ store: ParameterStore, pool: WorkerPool) {
        nested.learningRate = baseLearningRate * factor(atStep: nested.stepCount)
        nested.step(store, pool: pool)
    }

    /// The nested optimizer's step count.
    public var stepCount: Int { nested.stepCount }
    /// The learning rate the next step will use.
    public var currentLearningRate: Float { learningRate }
    /// The nested optimizer's inference values.
    public func inferenceValues(_ store: ParameterStore) -> UnsafePointer<Float> { nested.inferenceValues(store) }
    /// The nested optimizer's state (the schedule has none).
    public func stateTensors() -> [(name: String, tensor: OptimizerStateTensor)] { nested.stateTensors() }
    /// The nested optimizer's scalars.
    public func stateScalars() -> [(name: String, value: Double)] { nested.stateScalars() }
    /// Restores the nested optimizer's scalars.
    public func restoreScalars(_ scalars: [String: Double]) { nested.restoreScalars(scalars) }
}
