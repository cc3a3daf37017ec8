import Foundation
import FieldIO

/// tiny-cuda-nn's Adam (`"otype": "Adam"`), with its options and defaults, on the CPU.
///
/// Per parameter, one pass over memory (SIMD, parallel over the pool), following tcnn's `adam_step`:
/// 1. non-matrix parameters with a zero gradient are skipped entirely when `skip_zero_grad_non_matrix_params`
///    (tcnn always skips them; ours is the same by default) — their moments and step counters do not move;
/// 2. `g` is clamped to ±`gradient_clipping_magnitude` (when non-zero), then L2 is added:
///    `g += l2_reg·w` for matrix parameters, `g += non_matrix_l2_reg·w` for the others;
/// 3. `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`;
/// 4. `lr_t = lr · (non-matrix ? non_matrix_learning_rate_factor : 1) · scale · √(1−β2^t) / (1−β1^t)` with the
///    parameter's own step count `t` (non-matrix parameters count only the steps they took part in;
///    matrix parameters all share one counter, kept as a scalar) and its tensor's `learningRateScale`
///    (1 unless a module asked otherwise; applied once per stretch of tensors, so the per-element path is
///    unchanged; AdaBound's bounds and the decays see the scaled rate);
/// 5. `step = clamp(lr_t / (√v + ε), lower, upper)` (√ computed in SIMD to within 2 ulp) (AdaBound bounds when `adabound`, else 0…∞);
/// 6. `w = (1 − relative_decay·lr_t)·w − copysign(absolute_decay·lr_t, w) − step·m`, then clamped to
///    ±`clipping_magnitude` when non-zero.
///
/// State (for checkpoints): `adam.first_moments`, `adam.second_moments`, `adam.param_steps` (non-matrix
/// entries only; matrix entries stay 0) and the scalars `adam.step`, `adam.matrix_step`.
/// Each element's update depends only on its own values, so results are identical for any thread count.
public final class Adam: Optimizer, LearningRateAdjustable {
    /// Adam's hyper-parameters, with tiny-cuda-nn's defaults.
    public struct Settings: Sendable, Equatable {
        /// `learning_rate`.
        public var learningRate: Float = 1e-3
        /// `beta1`, in [0, 1).
        public var beta1: Float = 0.9
        /// `beta2`, in [0, 1).
        public var beta2: Float = 0.999
        /// `epsilon`, ≥ 0.
        public var epsilon: Float = 1e-8
        /// `l2_reg`: L2 regularisation of matrix parameters.
        public var l2Regularization: Float = 1e-8
        /// `non_matrix_l2_reg`: L2 regularisation of non-matrix parameters.
        public var nonMatrixL2Regularization: Float = 0
        /// `non_matrix_learning_rate_factor`.
        public var nonMatrixLearningRateFactor: Float = 1
        /// `relative_decay`: fraction of each weight lost per step (scaled by the step's learning rate).
        public var relativeDecay: Float = 0
        /// `absolute_decay`: amount of each weight lost per step (scaled by the step's learning rate).
        public var absoluteDecay: Float = 0
        /// `adabound`: clamp the per-parameter step size to AdaBound's bounds.
        public var adabound = false
        /// `clipping_magnitude`: clamp weights to ± this after the update (0 = off).
        public var clippingMagnitude: Float = 0
        /// `gradient_clipping_magnitude`: clamp each gradient to ± this before the update (0 = off).
        public var gradientClippingMagnitude: Float = 0
        /// `optimize_matrix_params`.
        public var optimizeMatrixParams = true
        /// `optimize_non_matrix_params`.
        public var optimizeNonMatrixParams = true
        /// `skip_zero_grad_non_matrix_params`.
        public var skipZeroGradNonMatrixParams = true

        /// tcnn's defaults.
        public init() {}
    }

    /// The hyper-parameters (the learning rate lives in `learningRate`).
    public let settings: Settings
    /// The learning rate the next step uses, before bias correction; wrappers such as `ExponentialDecay` set it.
    public var learningRate: Float
    /// Steps taken so far.
    public private(set) var stepCount = 0
    /// Steps the matrix parameters took part in (their shared per-parameter step counter).
    public private(set) var matrixStepCount = 0

    private var first: FloatBuffer?
    private var second: FloatBuffer?
    private var steps: UnsafeMutableBufferPointer<UInt32>?
    private var runs: [Run] = []
    /// `correction[t] = √(1−β2^t)/(1−β1^t)` in Float as tcnn computes it, for t < `correction.count`.
    private let correction: FloatBuffer
    /// Whether the correction is exactly 1 for every t past the table.
    private let correctionConverged: Bool

    /// A contiguous stretch of parameters of one kind and one learning-rate scale.
    private struct Run { var start: Int; var end: Int; var matrix: Bool; var scale: Float }

    /// An optimizer with `settings` (validated with preconditions; use `init(config:)` for user input).
    public init(settings: Settings = Settings()) {
        precondition(settings.learningRate > 0 && (0..<1).contains(settings.beta1) && (0..<1).contains(settings.beta2)
                     && settings.epsilon >= 0, "Adam: invalid settings")
        self.settings = settings
        learningRate = settings.learningRate
        (correction, correctionConverged) = Adam.correctionTable(beta1: settings.beta1, beta2: settings.beta2)
    }

    /// An optimizer from tcnn's keys (all optional); the error names the key path of a bad value.
    public convenience init(config: ConfigObject) throws(FieldError) {
        var s = Settings()
        s.learningRate = try Adam.positive(config, "learning_rate", s.learningRate)
        s.beta1 = try Adam.unitInterval(config, "beta1", s.beta1)
        s.beta2 = try Adam.unitInterval(config, "beta2", s.beta2)
        s.epsilon = try Adam.nonNegative(config, "epsilon", s.epsilon)
        s.l2Regularization = try Adam.nonNegative(config, "l2_reg", s.l2Regularization)
        s.nonMatrixL2Regularization = try Adam.nonNegative(config, "non_matrix_l2_reg", s.nonMatrixL2Regularization)
        s.nonMatrixLearningRateFactor = try Adam.nonNegative(config, "non_matrix_learning_rate_factor", s.nonMatrixLearningRateFactor)
        s.relativeDecay = try Adam.nonNegative(config, "relative_decay", s.relativeDecay)
        s.absoluteDecay = try Adam.nonNegative(config, "absolute_decay", s.absoluteDecay)
        s.adabound = try config.bool("adabound", default: s.adabound)
        s.clippingMagnitude = try Adam.nonNegative(config, "clipping_magnitude", s.clippingMagnitude)
        s.gradientClippingMagnitude = try Adam.nonNegative(config, "gradient_clipping_magnitude", s.gradientClippingMagnitude)
        s.optimizeMatrixParams = try config.bool("optimize_matrix_params", default: s.optimizeMatrixParams)
        s.optimizeNonMatrixParams = try config.bool("optimize_non_matrix_params", default: s.optimizeNonMatrixParams)
        s.skipZeroGradNonMatrixParams = try config.bool("skip_zero_grad_non_matrix_params", default: s.skipZeroGradNonMatrixParams)
        self.init(settings: s)
    }

    deinit { steps?.deallocate() }

    /// Allocates moments and step counters for `store` (zeros) and records which stretches are matrices.
    public func allocate(for store: ParameterStore) {
        first = FloatBuffer(count: store.count)
        second = FloatBuffer(count: store.count)
        steps?.deallocate()
        let counters = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(store.count, 1))
        counters.initialize(repeating: 0)
        steps = counters
        var r: [Run] = []
        for s in store.segments where s.count > 0 {
            let matrix = s.kind == .matrix
            if let last = r.last, last.end == s.offset, last.matrix == matrix, last.scale == s.learningRateScale {
                r[r.count - 1].end = s.offset + s.count
            } else {
                r.append(Run(start: s.offset, end: s.offset + s.count, matrix: matrix, scale: s.learningRateScale))
            }
        }
        runs = r
        stepCount = 0
        matrixStepCount = 0
    }

    /// The learning rate the next step uses (before bias correction).
    public var currentLearningRate: Float { learningRate }

    /// The store's own values (Adam keeps no averaged copy).
    public func inferenceValues(_ store: ParameterStore) -> UnsafePointer<Float> { UnsafePointer(store.values.pointer) }

    /// Moments and per-parameter step counters.
    public func stateTensors() -> [(name: String, tensor: OptimizerStateTensor)] {
        guard let first, let second, let steps else { return [] }
        return [("adam.first_moments", .float(first)), ("adam.second_moments", .float(second)),
                ("adam.param_steps", .uint32(steps))]
    }

    /// The step counts.
    public func stateScalars() -> [(name: String, value: Double)] {
        [("adam.step", Double(stepCount)), ("adam.matrix_step", Double(matrixStepCount))]
    }

    /// Restores the step counts saved by `stateScalars`.
    public func restoreScalars(_ scalars: [String: Double]) {
        if let s = scalars["adam.step"] { stepCount = Int(s) }
        if let s = scalars["adam.matrix_step"] { matrixStepCount = Int(s) }
    }

    /// One Adam step over every parameter, parallel over the pool. Allocates nothing.
    public func step(_ store: ParameterStore, pool: WorkerPool) {
        guard let first, let second, let steps else { preconditionFailure("Adam.step before allocate(for:)") }
        precondition(first.count == store.count, "Adam.step: store does not match allocate(for:)")
        stepCount += 1
        if settings.optimizeMatrixParams { matrixStepCount += 1 }
        var lower: Float = 0
        var upper = Float.greatestFiniteMagnitude
        if settings.adabound {
            let t = Float(stepCount)
            lower = 0.1 - 0.1 / ((1 - settings.beta2) * t + 1)
            upper = 0.1 + 0.1 / ((1 - settings.beta2) * t)
        }
        let kernel = AdamKernel(
            values: store.values.pointer, gradients: store.gradients.pointer, first: first.pointer,
            second: second.pointer, steps: steps.baseAddress!, correction: correction.pointer,
            correctionCount: correction.count, correctionConverged: correctionConverged,
            beta1: SIMD8(repeating: settings.beta1), beta2: SIMD8(repeating: settings.beta2),
            oneMinusBeta1: SIMD8(repeating: 1 - settings.beta1), oneMinusBeta2: SIMD8(repeating: 1 - settings.beta2),
            epsilon: SIMD8(repeating: settings.epsilon), lower: SIMD8(repeating: lower), upper: SIMD8(repeating: upper),
            relativeDecay: settings.relativeDecay, absoluteDecay: settings.absoluteDecay,
            decays: settings.relativeDecay != 0 || settings.absoluteDecay != 0,
            clip: settings.clippingMagnitude, gradientClip: settings.gradientClippingMagnitude,
            skipZero: settings.skipZeroGradNonMatrixParams, beta1Scalar: settings.beta1, beta2Scalar: settings.beta2)
        let matrixRate = learningRate * kernel.correction(matrixStepCount)
        let nonMatrixRate = learningRate * settings.nonMatrixLearningRateFactor
        let l2 = settings.l2Regularization, nonMatrixL2 = settings.nonMatrixL2Regularization
        let doMatrix = settings.optimizeMatrixParams, doNonMatrix = settings.optimizeNonMatrixParams
        let runs = self.runs
        let count = store.count
        let workers = min(pool.threads, max(1, count / 32768))
        pool.parallelFor(workers) { w in
            let a = WorkerPool.blockStart(w, of: workers, count: count, granularity: 64)
            let b = WorkerPool.blockStart(w + 1, of: workers, count: count, granularity: 64)
            for run in runs where run.end > a && run.start < b {
                let lo = max(run.start, a), hi = min(run.end, b)
                if run.matrix {
                    if doMatrix { kernel.matrix(lo, hi, rate: matrixRate * run.scale, l2: l2) }
                } else if doNonMatrix {
                    kernel.nonMatrix(lo, hi, rate: nonMatrixRate * run.scale, l2: nonMatrixL2)
                }
            }
        }
    }

    // MARK: - Helpers

    /// The bias-correction table, computed in Float as tcnn does, up to where it is exactly 1 (capped at 2^21).
    private static func correctionTable(beta1: Float, beta2: Float) -> (FloatBuffer, Bool) {
        let cap = 1 << 21
        var values: [Float] = [1]
        var converged = false
        var t = 1
        while t < cap {
            let p1 = powf(beta1, Float(t)), p2 = powf(beta2, Float(t))
            values.append(sqrtf(1 - p2) / (1 - p1))
            // Past 2^-26 both powers vanish against 1 in Float: the factor is exactly 1 from here on.
            if p1 < 0x1p-26 && p2 < 0x1p-26 { converged = true; break }
            t += 1
        }
        return (FloatBuffer(values), converged)
    }

    private static func positive(_ c: ConfigObject, _ key: String, _ d: Float) throws(FieldError) -> Float {
        let v = try c.double(key, default: Double(d))
        guard v > 0, v.isFinite else { throw c.error(key, "expected a number > 0, got \(v)") }
        return Float(v)
    }

    private static func nonNegative(_ c: ConfigObject, _ key: String, _ d: Float) throws(FieldError) -> Float {
        let v = try c.double(key, default: Double(d))
        guard v >= 0, v.isFinite else { throw c.error(key, "expected a number ≥ 0, got \(v)") }
        return Float(v)
    }

    private static func unitInterval(_ c: ConfigObject, _ key: String, _ d: Float) throws(FieldError) -> Float {
        let v = try c.double(key, default: Double(d))
        guard v >= 0, v < 1 else { throw c.error(key, "expected a number in [0, 1), got \(v)") }
        return Float(v)
    }
}

/// The Adam update on raw pointers, eight parameters at a time (tails padded through the same SIMD code so
/// an element's result never depends on where a block boundary falls).
private struct AdamKernel {
    let values: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    let first: UnsafeMutablePointer<Float>
    let second: UnsafeMutablePointer<Float>
    let steps: UnsafeMutablePointer<UInt32>
    let correction: UnsafeMutablePointer<Float>
    let correctionCount: Int
    let correctionConverged: Bool
    let beta1: SIMD8<Float>, beta2: SIMD8<Float>
    let oneMinusBeta1: SIMD8<Float>, oneMinusBeta2: SIMD8<Float>
    let epsilon: SIMD8<Float>, lower: SIMD8<Float>, upper: SIMD8<Float>
    let relativeDecay: Float, absoluteDecay: Float
    let decays: Bool
    let clip: Float, gradientClip: Float
    let skipZero: Bool
    let beta1Scalar: Float, beta2Scalar: Float

    /// √(1−β2^t)/(1−β1^t) for step t ≥ 1.
    @inline(__always)
    func correction(_ t: Int) -> Float {
        if t < correctionCount { return correction[t] }
        return correctionConverged ? 1 : slowCorrection(t)
    }

    @inline(never)
    func slowCorrection(_ t: Int) -> Float {
        sqrtf(1 - powf(beta2Scalar, Float(t))) / (1 - powf(beta1Scalar, Float(t)))
    }

    /// The shared arithmetic: (w, m, v) updated in place from gradient `g` with per-lane learning rate `rate`.
    /// (`@_transparent`: `@inline(__always)` alone left it out of line, a 2× slowdown.)
    @_transparent
    func update(_ gIn: SIMD8<Float>, _ w: inout SIMD8<Float>, _ m: inout SIMD8<Float>, _ v: inout SIMD8<Float>,
                rate: SIMD8<Float>, l2: Float) {
        var g = gIn
        if gradientClip != 0 {
            g = clamp(g, SIMD8(repeating: -gradientClip), SIMD8(repeating: gradientClip))
        }
        if l2 != 0 { g = g + l2 * w }
        m = beta1 * m + oneMinusBeta1 * g
        v = beta2 * v + oneMinusBeta2 * (g * g)
        let stepSize = clamp(rate / (VectorMath.squareRoot(v) + epsilon), lower, upper)
        if decays {
            let sign = unsafeBitCast(w, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x8000_0000)
            let magnitude = unsafeBitCast(absoluteDecay * rate, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF)
            w = (1 - relativeDecay * rate) * w - unsafeBitCast(magnitude | sign, to: SIMD8<Float>.self)
        }
        w = w - stepSize * m
        if clip != 0 { w = clamp(w, SIMD8(repeating: -clip), SIMD8(repeating: clip)) }
    }

    /// Matrix parameters in [lo, hi): every one steps, with the shared (scalar) bias correction in `rate`.
    @inline(__always)
    func matrix(_ lo: Int, _ hi: Int, rate: Float, l2: Float) {
        let r = SIMD8<Float>(repeating: rate)
        var i = lo
        while i &+ 8 <= hi { matrixBlock(i, 8, rate: r, l2: l2); i &+= 8 }
        if i < hi { matrixBlock(i, hi &- i, rate: r, l2: l2) }
    }

    @_transparent
    private func matrixBlock(_ i: Int, _ n: Int, rate: SIMD8<Float>, l2: Float) {
        var w = loadPartial(values, i, n), m = loadPartial(first, i, n), v = loadPartial(second, i, n)
        update(loadPartial(gradients, i, n), &w, &m, &v, rate: rate, l2: l2)
        storePartial(w, values, i, n); storePartial(m, first, i, n); storePartial(v, second, i, n)
    }

    /// Non-matrix parameters in [lo, hi): per-parameter step counters; zero gradients skipped when asked.
    @inline(__always)
    func nonMatrix(_ lo: Int, _ hi: Int, rate: Float, l2: Float) {
        var i = lo
        while i &+ 8 <= hi { nonMatrixBlock(i, 8, rate: rate, l2: l2); i &+= 8 }
        if i < hi { nonMatrixBlock(i, hi &- i, rate: rate, l2: l2) }
    }

    @_transparent
    private func nonMatrixBlock(_ i: Int, _ n: Int, rate: Float, l2: Float) {
        let g = loadPartial(gradients, i, n)
        // Lanes that step: non-zero gradients (or all, when not skipping), never the padding of a tail.
        var active = skipZero ? g .!= 0 : SIMDMask(repeating: true)
        if n < 8 { for l in n..<8 { active[l] = false } }
        if !anyBits(active) { return }
        let t = loadCounters(i, n)
        let tNew = t &+ 1
        let c = correctionVector(tNew)
        var w = loadPartial(values, i, n), m = loadPartial(first, i, n), v = loadPartial(second, i, n)
        if allBits(active) {
            update(g, &w, &m, &v, rate: rate * c, l2: l2)
            storeCounters(tNew, i, n)
        } else {
            var w2 = w, m2 = m, v2 = v
            update(g, &w2, &m2, &v2, rate: rate * c, l2: l2)
            w.replace(with: w2, where: active)
            m.replace(with: m2, where: active)
            v.replace(with: v2, where: active)
            // A true mask lane is all ones: `& 1` turns the mask into this step's increments.
            storeCounters(t &+ (unsafeBitCast(active, to: SIMD8<UInt32>.self) & SIMD8(repeating: 1)), i, n)
        }
        storePartial(w, values, i, n); storePartial(m, first, i, n); storePartial(v, second, i, n)
    }

    /// The bias corrections of eight step counts (one table read when they agree, as neighbours usually do).
    @inline(__always)
    private func correctionVector(_ t: SIMD8<UInt32>) -> SIMD8<Float> {
        let t0 = t[0]
        if !anyBits(t ^ SIMD8(repeating: t0)) { return SIMD8(repeating: correction(Int(t0))) }
        return mixedCorrections(t)
    }

    /// The per-lane lookup for blocks whose counts differ (kept out of line so the common path stays short).
    @inline(never)
    private func mixedCorrections(_ t: SIMD8<UInt32>) -> SIMD8<Float> {
        var c = SIMD8<Float>()
        for l in 0..<8 { c[l] = correction(Int(t[l])) }
        return c
    }

    @inline(__always)
    private func loadCounters(_ i: Int, _ n: Int) -> SIMD8<UInt32> {
        if n == 8 { return UnsafeRawPointer(steps + i).loadUnaligned(as: SIMD8<UInt32>.self) }
        var v = SIMD8<UInt32>()
        for l in 0..<n { v[l] = steps[i &+ l] }
        return v
    }

    @inline(__always)
    private func storeCounters(_ v: SIMD8<UInt32>, _ i: Int, _ n: Int) {
        if n == 8 { UnsafeMutableRawPointer(steps + i).storeBytes(of: v, as: SIMD8<UInt32>.self); return }
        for l in 0..<n { steps[i &+ l] = v[l] }
    }

    @inline(__always)
    private func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always)
    private func loadPartial(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) -> SIMD8<Float> {
        if n == 8 { return load(p, i) }
        var v = SIMD8<Float>()
        for l in 0..<n { v[l] = p[i &+ l] }
        return v
    }

    @inline(__always)
    private func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
        if n == 8 { store(v, p, i); return }
        for l in 0..<n { p[i &+ l] = v[l] }
    }
}

/// min(max(x, lower), upper) lane by lane (the standard library's `clamped` is not inlined here).
@inline(__always)
private func clamp(_ x: SIMD8<Float>, _ lower: SIMD8<Float>, _ upper: SIMD8<Float>) -> SIMD8<Float> {
    var r = x
    r.replace(with: lower, where: x .< lower)
    r.replace(with: upper, where: r .> upper)
    return r
}

/// Whether any bit of a 32-byte vector is set. (The standard library's `any`/`all`/`==` on eight lanes
/// compile to lane-by-lane loops here, several times slower than the whole Adam update.)
@inline(__always)
private func anyBits<V: SIMD>(_ v: V) -> Bool {
    let q = unsafeBitCast(v, to: (UInt64, UInt64, UInt64, UInt64).self)
    return (q.0 | q.1 | q.2 | q.3) != 0
}

/// Whether any lane of an eight-lane mask is true.
@inline(__always)
private func anyBits(_ m: SIMDMask<SIMD8<Int32>>) -> Bool { anyBits(unsafeBitCast(m, to: SIMD8<Int32>.self)) }

/// Whether every lane of an eight-lane mask is true.
@inline(__always)
private func allBits(_ m: SIMDMask<SIMD8<Int32>>) -> Bool {
    let q = unsafeBitCast(m, to: (UInt64, UInt64, UInt64, UInt64).self)
    return (q.0 & q.1 & q.2 & q.3) == UInt64.max
}
