import Foundation
import TensorCore

/// A sparsely gated mixture of hash experts (Switch-NeRF++'s heterogeneous mixture of hash experts; otype
/// `HashExperts`): a gate — a small hash grid and a tiny MLP giving E logits, softmax — sends each sample to
/// one expert (top-1, `ExpertRouting`: in training a capacity of ⌈capacityFactor · batch / E⌉ samples per
/// expert, overflow dropped by gate probability, dropped samples get zero features; inference keeps every
/// sample); each expert is a hash grid (the experts' grids cover different resolution ranges) with its own
/// small decoder to the common `outputWidth`.
/// Output row = p_e* · expert_e*(x).
///
/// Training also minimises Switch-Transformer's load-balancing loss `balanceWeight · l_aux`,
/// l_aux = E · Σ_e mean_i(p_ie) · frac(e) (frac: the share of samples whose argmax is e, held fixed). It depends
/// only on the gate, so `backward` adds its gradient itself (no change to the training loop). Gradients reach
/// the gate through p_e* and l_aux; the routing index is not differentiated. When the caller asks for dL/dinput
/// (normals, eikonal terms) the balance term is left out, so the input gradient is the field's own; the load
/// statistics (`load`) count the backward passes without an input gradient, i.e. the training steps.
///
/// Parameters: `gate.*` (its grid, then its network), then `expert0.*`, `expert1.*`, … Deterministic for any
/// thread count; a training step allocates nothing (all scratch lives in the context).
public final class HashExpertsEncoding: CompositeModule {
    /// The gate: hash grid → MLP → E logits.
    public let gate: EncodedNetwork
    /// The experts: hash grid → MLP → `outputWidth` features each.
    public let experts: [EncodedNetwork]
    /// Each expert's capacity is ⌈capacityFactor · batch / E⌉ samples.
    public let capacityFactor: Double
    /// The weight of the load-balancing loss l_aux.
    public let balanceWeight: Float
    /// The gate's learning-rate multiplier (its tensors' `learningRateScale` times this).
    public let gateLearningRateScale: Float

    /// A mixture of `experts` (same input and output widths) routed by `gate` (one output per expert), the gate
    /// learning at `gateLearningRateScale` times the optimiser's rate.
    public init(gate: EncodedNetwork, experts: [EncodedNetwork], capacityFactor: Double, balanceWeight: Float,
                gateLearningRateScale: Float = 1) {
        precondition(experts.count >= 1 && gate.outputWidth == experts.count, "HashExpertsEncoding: one gate output per expert")
        precondition(experts.allSatisfy { $0.inputWidth == gate.inputWidth && $0.outputWidth == experts[0].outputWidth },
                     "HashExpertsEncoding: experts must share input and output widths with the gate")
        precondition(capacityFactor > 0 && balanceWeight >= 0 && gateLearningRateScale >= 0,
                     "HashExpertsEncoding: invalid capacity factor, balance weight or gate learning-rate scale")
        self.gateLearningRateScale = gateLearningRateScale
        self.gate = gate
        self.experts = experts
        self.capacityFactor = capacityFactor
        self.balanceWeight = balanceWeight
        statistics = .allocate(capacity: 3 * experts.count + 3)
        statistics.initialize(repeating: 0, count: 3 * experts.count + 3)
    }

    deinit { statistics.deallocate() }

    /// Number of experts E.
    public var expertCount: Int { experts.count }
    public var inputWidth: Int { gate.inputWidth }
    public var outputWidth: Int { experts[0].outputWidth }
    public var children: [DifferentiableModule] { [gate as DifferentiableModule] + experts }

    public var parameterTensors: [ParameterTensor] {
        gate.parameterTensors.map { tensor in
            var t = tensor.prefixed("gate.")
            t.learningRateScale *= gateLearningRateScale
            return t
        }
            + experts.enumerated().flatMap { e, expert in expert.parameterTensors.map { $0.prefixed("expert\(e).") } }
    }

    public func bind(_ binding: ParameterBinding) {
        gateValues = binding.values
        gate.bind(binding)
        var offset = gate.parameterCount
        for expert in experts {
            expert.bind(binding.advanced(by: offset))
            offset += expert.parameterCount
        }
    }

    /// The bound parameter values (the gate's grid comes first).
    private var gateValues: UnsafeMutablePointer<Float>?

    /// The children as they initialise themselves, except the gate's grid: level l starts at U(±0.5·2^−l) instead
    /// of tcnn's ±1e-4, so the first partition is a smooth random field over space (coherent regions per expert)
    /// rather than salt-and-pepper noise that flips as soon as the gate moves.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        var g = rng.fork(1)
        gate.initializeParameters(&g)
        if let grid = gate.encoding as? GridEncoding, let values = gateValues {
            var r = rng.fork(99)
            var offset = 0
            for (l, tensor) in grid.parameterTensors.enumerated() {
                let amplitude = 0.5 * Float(pow(2, -Double(l)))
                for i in 0..<tensor.count { values[offset + i] = r.nextFloat(-amplitude, amplitude) }
                offset += tensor.count
            }
        }
        for (e, expert) in experts.enumerated() {
            var r = rng.fork(UInt64(2 + e))
            expert.initializeParameters(&r)
        }
    }

    /// The most samples one expert takes from a batch of `batch`.
    public func expertCapacity(batch: Int) -> Int {
        ExpertRouting.capacity(batch: batch, experts: expertCount, factor: capacityFactor)
    }

    // MARK: Context

    /// The gate's logits and probabilities, the routing, each expert's gathered batch, features and their
    /// gradients, and the children's contexts (nil for inference, where each expert can take the whole batch).
    final class Context: ModuleContext {
        let logits, probabilities, logitGradient, gateInputGradient: FloatBuffer
        let routing: ExpertRouting
        /// Training contexts route with the capacity; the inference scratch keeps every sample.
        let isTraining: Bool
        let gathered, features, featureGradient, expertInputGradient: [FloatBuffer]
        let gateContext: ModuleContext?
        let expertContexts: [ModuleContext?]
        /// The experts' buffers by expert index, for the row loops (built once, so a step allocates no arrays).
        let featureTable, featureGradientTable, expertInputGradientTable: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        /// The last forward's balance loss l_aux (without its weight).
        var balanceLoss: Float = 0

        init(capacity: Int, mixture m: HashExpertsEncoding, training: Bool) {
            let e = m.expertCount, d = m.inputWidth, w = m.outputWidth, t = training ? capacity : 0
            let c = training ? m.expertCapacity(batch: capacity) : capacity
            isTraining = training
            logits = FloatBuffer(count: capacity * e)
            probabilities = FloatBuffer(count: capacity * e)
            logitGradient = FloatBuffer(count: t * e)
            gateInputGradient = FloatBuffer(count: t * d)
            routing = ExpertRouting(batchCapacity: capacity, experts: e)
            gathered = (0..<e).map { _ in FloatBuffer(count: c * d) }
            features = (0..<e).map { _ in FloatBuffer(count: c * w) }
            featureGradient = (0..<e).map { _ in FloatBuffer(count: training ? c * w : 0) }
            expertInputGradient = (0..<e).map { _ in FloatBuffer(count: training ? c * d : 0) }
            gateContext = training ? m.gate.makeContext(capacity: capacity) : nil
            expertContexts = m.experts.map { training ? $0.makeContext(capacity: c) : nil }
            featureTable = .allocate(capacity: e)
            featureGradientTable = .allocate(capacity: e)
            expertInputGradientTable = .allocate(capacity: e)
            for k in 0..<e {
                (featureTable + k).initialize(to: features[k].pointer)
                (featureGradientTable + k).initialize(to: featureGradient[k].pointer)
                (expertInputGradientTable + k).initialize(to: expertInputGradient[k].pointer)
            }
            super.init(capacity: capacity)
        }

        deinit { featureTable.deallocate(); featureGradientTable.deallocate(); expertInputGradientTable.deallocate() }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, mixture: self, training: true) }

    /// Inference scratch, grown (outside training steps) when a larger batch arrives.
    private var inferenceScratch: Context?

    // MARK: Forward

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let ctx: Context
        if let c = context as? Context {
            precondition(batch <= c.capacity, "HashExpertsEncoding: batch larger than the context")
            ctx = c
        } else {
            if inferenceScratch == nil || inferenceScratch!.capacity < batch {
                inferenceScratch = Context(capacity: batch, mixture: self, training: false)
            }
            ctx = inferenceScratch!
        }
        guard batch > 0 else { return }
        let e = expertCount, d = inputWidth, w = outputWidth
        gate.forward(input: input, output: ctx.logits.pointer, batch: batch, context: ctx.gateContext, pool: pool)
        HashExpertsEncoding.softmax(ctx.logits.pointer, into: ctx.probabilities.pointer, rows: batch, columns: e, pool: pool)
        let routing = ctx.routing
        // Inference keeps every sample: render and occupancy chunks are spatially coherent (one ray's samples,
        // one region of cells), so a per-chunk capacity would drop most of a chunk that one expert owns.
        routing.route(probabilities: ctx.probabilities.pointer, batch: batch,
                      capacity: ctx.isTraining ? expertCapacity(batch: batch) : batch)
        ctx.balanceLoss = HashExpertsEncoding.balanceLoss(ctx.probabilities.pointer, routing: routing, batch: batch)
        for k in 0..<e where routing.kept[k] > 0 {
            let n = routing.kept[k], rows = routing.keptRows(k), x = ctx.gathered[k].pointer
            pool.parallelRanges(n, granularity: 512) { _, range in
                for j in range { (x + j &* d).update(from: input + Int(rows[j]) &* d, count: d) }
            }
            experts[k].forward(input: x, output: ctx.features[k].pointer, batch: n, context: ctx.expertContexts[k], pool: pool)
        }
        let f = ctx.featureTable
        pool.parallelRanges(batch, granularity: 512) { _, range in
            for i in range {
                let y = output + i &* w
                let k = Int(routing.expertOfRow[i])
                guard k >= 0 else { y.update(repeating: 0, count: w); continue }
                let p = routing.chosenProbability[i], src = f[k] + Int(routing.slotOfRow[i]) &* w
                for c in 0..<w { y[c] = p * src[c] }
            }
        }
    }

    /// Row-wise softmax of `rows × columns` logits (max-subtracted).
    static func softmax(_ logits: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>, rows: Int, columns e: Int,
                        pool: WorkerPool) {
        pool.parallelRanges(rows, granularity: 1_024) { _, range in
            for i in range {
                let z = logits + i &* e, q = p + i &* e
                var top = z[0]
                for k in 1..<e { top = max(top, z[k]) }
                var sum: Float = 0
                for k in 0..<e { let v = expf(z[k] - top); q[k] = v; sum += v }
                let inv = 1 / sum
                for k in 0..<e { q[k] *= inv }
            }
        }
    }

    /// l_aux = E · Σ_e mean_i(p_ie) · frac(e), frac(e) the share of rows whose argmax is e.
    static func balanceLoss(_ p: UnsafePointer<Float>, routing: ExpertRouting, batch: Int) -> Float {
        let e = routing.experts
        var total: Double = 0
        for k in 0..<e {
            var mean: Double = 0
            for i in 0..<batch { mean += Double(p[i &* e &+ k]) }
            total += mean / Double(batch) * Double(routing.assigned[k]) / Double(batch)
        }
        return Float(Double(e) * total)
    }

    // MARK: Backward

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context, let gateContext = ctx.gateContext else {
            preconditionFailure("HashExpertsEncoding: wrong context type")
        }
        guard batch > 0 else { return }
        let e = expertCount, d = inputWidth, w = outputWidth
        let routing = ctx.routing, p = ctx.probabilities.pointer, g = ctx.logitGradient.pointer
        // Combine backward: dL/dfeature = p_e* · dL/dy, dL/dp_e* = dL/dy · feature.
        let f = ctx.featureTable, df = ctx.featureGradientTable
        pool.parallelRanges(batch, granularity: 512) { _, range in
            for i in range {
                let gi = g + i &* e
                gi.update(repeating: 0, count: e)
                let k = Int(routing.expertOfRow[i])
                guard k >= 0 else { continue }
                let slot = Int(routing.slotOfRow[i]) &* w, dy = outputGradient + i &* w
                let src = f[k] + slot, dst = df[k] + slot, pk = routing.chosenProbability[i]
                var dp: Float = 0
                for c in 0..<w { dst[c] = pk * dy[c]; dp += dy[c] * src[c] }
                gi[k] = dp
            }
        }
        let training = inputGradient == nil
        if training && balanceWeight > 0 {
            // d(w · l_aux)/dp_ik = w · E · frac(k) / batch, with frac held fixed.
            let scale = balanceWeight * Float(e) / Float(batch) / Float(batch)
            let assigned = routing.assigned
            pool.parallelRanges(batch, granularity: 1_024) { _, range in
                for i in range { for k in 0..<e { g[i &* e &+ k] += scale * Float(assigned[k]) } }
            }
        }
        // Softmax backward in place: dz_ik = p_ik (dp_ik − Σ_j p_ij dp_ij).
        pool.parallelRanges(batch, granularity: 1_024) { _, range in
            for i in range {
                let gi = g + i &* e, pi = p + i &* e
                var dot: Float = 0
                for k in 0..<e { dot += pi[k] * gi[k] }
                for k in 0..<e { gi[k] = pi[k] * (gi[k] - dot) }
            }
        }
        let wantsInput = inputGradient != nil
        gate.backward(input: input, output: ctx.logits.pointer, outputGradient: g,
                      inputGradient: wantsInput ? ctx.gateInputGradient.pointer : nil, batch: batch, context: gateContext, pool: pool)
        for k in 0..<e where routing.kept[k] > 0 {
            guard let expertContext = ctx.expertContexts[k] else { preconditionFailure("HashExpertsEncoding: wrong context type") }
            experts[k].backward(input: ctx.gathered[k].pointer, output: ctx.features[k].pointer,
                                outputGradient: ctx.featureGradient[k].pointer,
                                inputGradient: wantsInput ? ctx.expertInputGradient[k].pointer : nil,
                                batch: routing.kept[k], context: expertContext, pool: pool)
        }
        if training { record(routing, batch: batch, balanceLoss: ctx.balanceLoss) }
        guard let dx = inputGradient else { return }
        let gateDx = ctx.gateInputGradient.pointer
        let ex = ctx.expertInputGradientTable
        pool.parallelRanges(batch, granularity: 1_024) { _, range in
            for i in range {
                let out = dx + i &* d, a = gateDx + i &* d
                let k = Int(routing.expertOfRow[i])
                if k < 0 { out.update(from: a, count: d); continue }
                let b = ex[k] + Int(routing.slotOfRow[i]) &* d
                for c in 0..<d { out[c] = a[c] + b[c] }
            }
        }
    }

    // MARK: Load

    /// Per expert the assigned counts, then the kept counts, then steps, samples and the summed balance loss.
    private let statistics: UnsafeMutablePointer<Double>

    private func record(_ routing: ExpertRouting, batch: Int, balanceLoss: Float) {
        let e = expertCount
        for k in 0..<e {
            statistics[k] += Double(routing.assigned[k])
            statistics[e + k] += Double(routing.kept[k])
        }
        statistics[2 * e] += 1
        statistics[2 * e + 1] += Double(batch)
        statistics[2 * e + 2] += Double(balanceLoss)
    }

    /// The gate's load over the training steps since the last `resetLoad` (or since it was built).
    public var load: ExpertLoad {
        let e = expertCount
        let samples = statistics[2 * e + 1], steps = statistics[2 * e]
        let norm = max(samples, 1)
        let assigned = (0..<e).map { statistics[$0] / norm }
        let processed = (0..<e).map { statistics[e + $0] / norm }
        return ExpertLoad(assigned: assigned, processed: processed, dropped: samples > 0 ? 1 - processed.reduce(0, +) : 0,
                          balanceLoss: statistics[2 * e + 2] / max(steps, 1), steps: Int(steps), samples: Int(samples))
    }

    /// Starts counting the load afresh.
    public func resetLoad() { statistics.update(repeating: 0, count: 3 * expertCount + 3) }

    /// The balance loss l_aux (without its weight) of the last forward through `context`.
    public func lastBalanceLoss(_ context: ModuleContext) -> Float { (context as? Context)?.balanceLoss ?? 0 }
}
