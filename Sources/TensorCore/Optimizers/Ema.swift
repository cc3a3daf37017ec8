import Foundation
import FieldIO

/// tiny-cuda-nn's `EMA` wrapper (`"otype": "Ema"`/`"EMA"`): steps the optimizer it wraps, then keeps a
/// debiased exponential moving average of the weights, which `inferenceValues` returns for evaluation and
/// rendering (training continues on the raw weights).
///
/// After nested step t: `ema = (ema·decay·(1 − decay^(t−1)) + w·(1 − decay)) / (1 − decay^t)` — the stored
/// average is already debiased, so after the first step it equals the weights. We always keep it in Float
/// (tcnn's `full_precision` only matters for its half-precision weights; the key is accepted).
/// State: `ema.weights` (`ema<k>.weights` for the k-th Ema nested inside another).
public final class Ema: Optimizer, LearningRateAdjustable {
    /// The optimizer that takes the steps.
    public let nested: Optimizer
    /// `decay`: the average's decay per step, in [0, 1).
    public let decay: Float
    /// `full_precision` as configured (we average in Float either way).
    public let fullPrecision: Bool
    private var average: FloatBuffer?
    private let stateName: String

    /// An average over `nested` with tcnn's defaults unless given.
    public init(nested: Optimizer, decay: Float = 0.99, fullPrecision: Bool = false) {
        precondition((0..<1).contains(decay), "Ema: decay must be in [0, 1)")
        self.nested = nested
        self.decay = decay
        self.fullPrecision = fullPrecision
        var depth = 0
        var inner: Optimizer? = nested
        while let o = inner {
            if let e = o as? Ema { depth += 1; inner = e.nested }
            else if let d = o as? ExponentialDecay { inner = d.nested }
            else { inner = nil }
        }
        stateName = depth == 0 ? "ema.weights" : "ema\(depth).weights"
    }

    /// An average from tcnn's keys (`decay`, `full_precision`; optional) over `nested`, which the caller built
    /// from the `nested` object. Errors name the key path.
    public convenience init(config: ConfigObject, nested: Optimizer) throws(FieldError) {
        let decay = try config.double("decay", default: 0.99)
        guard decay >= 0, decay < 1 else { throw config.error("decay", "expected a number in [0, 1), got \(decay)") }
        let full = try config.bool("full_precision", default: false)
        self.init(nested: nested, decay: Float(decay), fullPrecision: full)
    }

    /// Allocates the nested state and the average (zeros).
    public func allocate(for store: ParameterStore) {
        nested.allocate(for: store)
        average = FloatBuffer(count: store.count)
    }

    /// Steps the nested optimizer, then updates the average (parallel, SIMD). Allocates nothing.
    public func step(_ store: ParameterStore, pool: WorkerPool) {
        guard let average else { preconditionFailure("Ema.step before allocate(for:)") }
        nested.step(store, pool: pool)
        let t = nested.stepCount
        let debiasOld = Float(1 - pow(Double(decay), Double(t - 1)))
        let debiasNew = Float(1 / (1 - pow(Double(decay), Double(t))))
        let weights = nested.inferenceValues(store)
        let ema = average.pointer
        let count = average.count
        let d = SIMD8<Float>(repeating: decay), old = SIMD8<Float>(repeating: debiasOld)
        let new = SIMD8<Float>(repeating: debiasNew), oneMinus = SIMD8<Float>(repeating: 1 - decay)
        let workers = min(pool.threads, max(1, count / 65536))
        pool.parallelFor(workers) { w in
            let a = WorkerPool.blockStart(w, of: workers, count: count, granularity: 8)
            let b = WorkerPool.blockStart(w + 1, of: workers, count: count, granularity: 8)
            var i = a
            while i &+ 8 <= b {
                let e = UnsafeRawPointer(ema + i).loadUnaligned(as: SIMD8<Float>.self)
                let x = UnsafeRawPointer(weights + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(ema + i).storeBytes(of: (e * d * old + x * oneMinus) * new, as: SIMD8<Float>.self)
                i &+= 8
            }
            if i < b {
                var e = SIMD8<Float>(), x = SIMD8<Float>()
                for l in 0..<(b &- i) { e[l] = ema[i &+ l]; x[l] = weights[i &+ l] }
                let r = (e * d * old + x * oneMinus) * new
                for l in 0..<(b &- i) { ema[i &+ l] = r[l] }
            }
        }
    }

    /// The averaged weights once a step was taken; the store's (or nested) values before that.
    public func inferenceValues(_ store: ParameterStore) -> UnsafePointer<Float> {
        if let average, stepCount > 0 { return UnsafePointer(average.pointer) }
        return nested.inferenceValues(store)
    }

    /// The nested optimizer's learning rate (setting it forwards when the nested one is adjustable).
    public var learningRate: Float {
        get { nested.currentLearningRate }
        set { (nested as? LearningRateAdjustable)?.learningRate = newValue }
    }

    /// The nested optimizer's step count.
    public var stepCount: Int { nested.stepCount }
    /// The nested optimizer's next learning rate.
    public var currentLearningRate: Float { nested.currentLearningRate }
    /// The average, then the nested optimizer's state.
    public func stateTensors() -> [(name: String, tensor: OptimizerStateTensor)] {
        guard let average else { return nested.stateTensors() }
        return [(stateName, .float(average))] + nested.stateTensors()
    }
    /// The nested optimizer's scalars (the average's debiasing follows the nested step count).
    public func stateScalars() -> [(name: String, value: Double)] { nested.stateScalars() }
    /// Restores the nested optimizer's scalars.
    public func restoreScalars(_ scalars: [String: Double]) { nested.restoreScalars(scalars) }
}
