import FieldIO
import Foundation
import Testing
import TensorCore

/// Adam follows tiny-cuda-nn's update exactly (hand-computed steps, L2 on matrices only, zero-gradient
/// skipping with per-parameter step counters), validates its config, is thread-count independent and
/// resumes bit-identically from saved state.
struct AdamTests {
    /// A store with a 3-element matrix tensor and a 4-element non-matrix tensor.
    func smallStore() -> ParameterStore {
        let store = ParameterStore(tensors: [ParameterTensor("w", shape: [3], kind: .matrix),
                                             ParameterTensor("t", shape: [4], kind: .nonMatrix)])
        let v: [Float] = [0.5, -0.25, 1, 0.3, -0.7, 0.2, 0.9]
        for i in 0..<7 { store.values[i] = v[i] }
        return store
    }

    func config(_ text: String) throws -> ConfigObject {
        try ConfigObject(try JSONParser.parse(text, file: "scene.json"), file: "scene.json", path: "optimizer")
    }

    @Test func firstStepMovesEachWeightByTheLearningRate() {
        // With bias correction, step 1 is lr·m̂/√v̂ = lr·sign(g) (ε and L2 aside).
        var s = Adam.Settings()
        s.learningRate = 0.1; s.beta2 = 0.99; s.epsilon = 0; s.l2Regularization = 0
        let adam = Adam(settings: s)
        let store = smallStore()
        let before = store.values.array
        let g: [Float] = [2, -0.5, 0.001, 3, 0, -4, 1e-3]
        for i in 0..<7 { store.gradients[i] = g[i] }
        adam.allocate(for: store)
        adam.step(store, pool: WorkerPool(threads: 1))
        for i in 0..<7 {
            let expected = g[i] == 0 ? before[i] : before[i] - 0.1 * (g[i] > 0 ? 1 : -1)
            #expect(abs(store.values[i] - expected) < 1e-6, "parameter \(i)")
        }
    }

    /// tcnn's update for one parameter, in Double.
    struct Reference {
        var m = 0.0, v = 0.0, t = 0
        mutating func step(w: Double, g gIn: Double, matrix: Bool, s: Adam.Settings, lr: Double, globalStep: Int) -> Double {
            if !matrix && (!s.optimizeNonMatrixParams || (s.skipZeroGradNonMatrixParams && gIn == 0)) { return w }
            if matrix && !s.optimizeMatrixParams { return w }
            var g = gIn
            if s.gradientClippingMagnitude != 0 { g = min(max(g, -Double(s.gradientClippingMagnitude)), Double(s.gradientClippingMagnitude)) }
            g += Double(matrix ? s.l2Regularization : s.nonMatrixL2Regularization) * w
            let b1 = Double(s.beta1), b2 = Double(s.beta2)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            t += 1
            var rate = lr * (matrix ? 1 : Double(s.nonMatrixLearningRateFactor))
            rate *= (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            var lower = 0.0, upper = Double.greatestFiniteMagnitude
            if s.adabound {
                lower = 0.1 - 0.1 / ((1 - b2) * Double(globalStep) + 1)
                upper = 0.1 + 0.1 / ((1 - b2) * Double(globalStep))
            }
            let step = min(max(rate / (v.squareRoot() + Double(s.epsilon)), lower), upper)
            var out = (1 - Double(s.relativeDecay) * rate) * w - (w < 0 ? -1 : 1) * Double(s.absoluteDecay) * rate - step * m
            if s.clippingMagnitude != 0 { out = min(max(out, -Double(s.clippingMagnitude)), Double(s.clippingMagnitude)) }
            return out
        }
    }

    static func variants() -> [Adam.Settings] {
        var list: [Adam.Settings] = []
        var s = Adam.Settings(); s.learningRate = 0.05; s.beta2 = 0.99; s.l2Regularization = 0.1; list.append(s)
        s = Adam.Settings(); s.nonMatrixLearningRateFactor = 3; s.nonMatrixL2Regularization = 0.2; list.append(s)
        s = Adam.Settings(); s.relativeDecay = 0.5; s.absoluteDecay = 0.25; s.learningRate = 0.01; list.append(s)
        s = Adam.Settings(); s.clippingMagnitude = 0.6; s.gradientClippingMagnitude = 0.5; s.learningRate = 0.2; list.append(s)
        s = Adam.Settings(); s.adabound = true; s.learningRate = 0.3; list.append(s)
        s = Adam.Settings(); s.skipZeroGradNonMatrixParams = false; list.append(s)
        s = Adam.Settings(); s.optimizeMatrixParams = false; list.append(s)
        s = Adam.Settings(); s.optimizeNonMatrixParams = false; s.epsilon = 1e-15; list.append(s)
        return list
    }

    @Test(arguments: 0..<8) func stepsMatchTcnnFormula(_ variant: Int) {
        let s = AdamTests.variants()[variant]
        let adam = Adam(settings: s)
        let store = smallStore()
        adam.allocate(for: store)
        var refs = [Reference](repeating: Reference(), count: 7)
        var w = store.values.array.map(Double.init)
        // Per step gradients; zeros exercise skipping (parameter 4 gets its first gradient at step 3).
        let grads: [[Float]] = [[0.5, -1, 0.25, 2, 0, -0.5, 0], [1, 0, -0.75, -1, 0, 0.25, 0], [-0.3, 0.8, 0.1, 0.5, 1.5, 0, 0]]
        for (k, g) in grads.enumerated() {
            for i in 0..<7 { store.gradients[i] = g[i] }
            adam.step(store, pool: WorkerPool(threads: 1))
            for i in 0..<7 {
                w[i] = refs[i].step(w: w[i], g: Double(g[i]), matrix: i < 3, s: s, lr: Double(s.learningRate), globalStep: k + 1)
                #expect(abs(Double(store.values[i]) - w[i]) <= 2e-6 * max(1, abs(w[i])), "variant \(variant) step \(k + 1) parameter \(i)")
            }
        }
        #expect(adam.stepCount == 3)
        // Per-parameter counters of non-matrix entries count only the steps they took part in.
        guard case .uint32(let counters) = adam.stateTensors().first(where: { $0.name == "adam.param_steps" })!.tensor else {
            Issue.record("no counters"); return
        }
        for i in 3..<7 { #expect(Int(counters[i]) == refs[i].t, "counter \(i)") }
    }

    @Test func zeroGradientNonMatrixParametersStayPut() {
        let adam = Adam()
        let store = smallStore()
        adam.allocate(for: store)
        store.gradients[3] = 1
        store.gradients[0] = 1
        let before = store.values.array
        adam.step(store, pool: WorkerPool(threads: 1))
        for i in 4..<7 { #expect(store.values[i] == before[i]) }
        // Matrix entries with zero gradient still move under L2 (tcnn applies l2_reg before the update).
        #expect(store.values[1] != before[1])
        #expect(store.values[3] != before[3])
    }

    @Test func defaultsAreTcnns() throws {
        let c = try config(#"{"otype": "Adam"}"#)
        c.ignore("otype")
        let adam = try Adam(config: c)
        try c.finish()
        #expect(adam.settings == Adam.Settings())
        let s = Adam.Settings()
        #expect(s.learningRate == 1e-3 && s.beta1 == 0.9 && s.beta2 == 0.999 && s.epsilon == 1e-8 && s.l2Regularization == 1e-8)
        #expect(s.nonMatrixLearningRateFactor == 1 && s.relativeDecay == 0 && s.absoluteDecay == 0 && !s.adabound)
        #expect(s.clippingMagnitude == 0 && s.gradientClippingMagnitude == 0 && s.optimizeMatrixParams && s.optimizeNonMatrixParams)
        #expect(s.skipZeroGradNonMatrixParams)
        #expect(adam.currentLearningRate == 1e-3)
    }

    @Test func readsEveryKey() throws {
        let c = try config(#"{"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-15, "l2_reg": 1e-6, "non_matrix_l2_reg": 0.5, "non_matrix_learning_rate_factor": 2, "relative_decay": 0.1, "absolute_decay": 0.2, "adabound": true, "clipping_magnitude": 3, "gradient_clipping_magnitude": 4, "optimize_matrix_params": false, "optimize_non_matrix_params": false, "skip_zero_grad_non_matrix_params": false}"#)
        let s = try Adam(config: c).settings
        try c.finish()
        #expect(s.learningRate == 0.01 && s.beta1 == 0.8 && s.beta2 == 0.99 && s.epsilon == 1e-15 && s.l2Regularization == 1e-6)
        #expect(s.nonMatrixL2Regularization == 0.5 && s.nonMatrixLearningRateFactor == 2 && s.relativeDecay == 0.1)
        #expect(s.absoluteDecay == 0.2 && s.adabound && s.clippingMagnitude == 3 && s.gradientClippingMagnitude == 4)
        #expect(!s.optimizeMatrixParams && !s.optimizeNonMatrixParams && !s.skipZeroGradNonMatrixParams)
    }

    @Test(arguments: [
        (#"{"learning_rate": 0}"#, "learning_rate"), (#"{"learning_rate": -1}"#, "learning_rate"),
        (#"{"learning_rate": "fast"}"#, "learning_rate"), (#"{"beta1": 1}"#, "beta1"), (#"{"beta2": -0.1}"#, "beta2"),
        (#"{"epsilon": -1e-8}"#, "epsilon"), (#"{"l2_reg": -1}"#, "l2_reg"), (#"{"adabound": 1}"#, "adabound"),
        (#"{"relative_decay": -0.5}"#, "relative_decay"), (#"{"gradient_clipping_magnitude": -2}"#, "gradient_clipping_magnitude"),
    ])
    func badValuesNameTheKey(_ text: String, _ key: String) throws {
        do {
            _ = try Adam(config: try config(text))
            Issue.record("accepted \(text)")
        } catch let error as FieldError {
            #expect(error.location == "optimizer.\(key)", "\(error)")
            #expect(error.file == "scene.json")
        }
    }

    /// A mixed store large enough to split across workers, with some zero gradients.
    func bigStore(seed: UInt64) -> ParameterStore {
        let store = ParameterStore(tensors: [ParameterTensor("a", shape: [40_003], kind: .matrix),
                                             ParameterTensor("b", shape: [70_001], kind: .nonMatrix),
                                             ParameterTensor("c", shape: [33], kind: .matrix),
                                             ParameterTensor("d", shape: [50_000], kind: .nonMatrix)])
        var rng = RandomGenerator(seed: seed)
        for i in 0..<store.count { store.values[i] = rng.nextFloat(-1, 1) }
        return store
    }

    func fillGradients(_ store: ParameterStore, step: Int) {
        var rng = RandomGenerator(seed: UInt64(1000 + step))
        for i in 0..<store.count { store.gradients[i] = rng.nextFloat() < 0.3 ? 0 : rng.nextFloat(-1, 1) }
    }

    @Test func resultsDoNotDependOnThreadCount() {
        var finals: [[Float]] = []
        for threads in [1, 2, 3] {
            let store = bigStore(seed: 3)
            var s = Adam.Settings(); s.relativeDecay = 0.01; s.adabound = true
            let adam = Adam(settings: s)
            adam.allocate(for: store)
            for k in 0..<4 { fillGradients(store, step: k); adam.step(store, pool: WorkerPool(threads: threads)) }
            finals.append(store.values.array)
        }
        #expect(finals[0] == finals[1])
        #expect(finals[0] == finals[2])
    }

    @Test func resumesBitIdenticallyFromSavedState() {
        let pool = WorkerPool(threads: 2)
        let store = bigStore(seed: 4)
        let adam = Adam()
        adam.allocate(for: store)
        for k in 0..<3 { fillGradients(store, step: k); adam.step(store, pool: pool) }
        let savedValues = store.values.array
        let savedTensors = OptimizerState.copy(adam.stateTensors())
        let savedScalars = adam.stateScalars()
        for k in 3..<5 { fillGradients(store, step: k); adam.step(store, pool: pool) }
        let continued = store.values.array

        let resumedStore = bigStore(seed: 4)
        for i in 0..<resumedStore.count { resumedStore.values[i] = savedValues[i] }
        let resumed = Adam()
        resumed.allocate(for: resumedStore)
        OptimizerState.restore(savedTensors, into: resumed.stateTensors())
        resumed.restoreScalars(Dictionary(uniqueKeysWithValues: savedScalars.map { ($0.name, $0.value) }))
        #expect(resumed.stepCount == 3)
        for k in 3..<5 { fillGradients(resumedStore, step: k); resumed.step(resumedStore, pool: pool) }
        #expect(resumedStore.values.array == continued)
    }
}

/// Copies optimizer state out and back in, as a checkpoint does.
enum OptimizerState {
    /// A saved tensor.
    enum Saved { case float([Float]), uint32([UInt32]) }

    static func copy(_ tensors: [(name: String, tensor: OptimizerStateTensor)]) -> [String: Saved] {
        var out: [String: Saved] = [:]
        for (name, t) in tensors {
            switch t {
            case .float(let b): out[name] = .float(b.array)
            case .uint32(let p): out[name] = .uint32(Array(p))
            }
        }
        return out
    }

    static func restore(_ saved: [String: Saved], into tensors: [(name: String, tensor: OptimizerStateTensor)]) {
        #expect(saved.count == tensors.count)
        for (name, t) in tensors {
            switch (t, saved[name]) {
            case (.float(let b), .float(let v)?): for i in 0..<v.count { b[i] = v[i] }
            case (.uint32(let p), .uint32(let v)?): for i in 0..<v.count { p[i] = v[i] }
            default: Issue.record("state \(name) missing or of another type")
            }
        }
    }
}
