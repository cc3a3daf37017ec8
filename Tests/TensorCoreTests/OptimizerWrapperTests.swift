import FieldIO
import Foundation
import Testing
import TensorCore

/// ExponentialDecay follows tcnn's piecewise schedule; Ema keeps tcnn's debiased average; both read their
/// keys with tcnn's defaults, reject bad values by key path, and resume bit-identically.
struct OptimizerWrapperTests {
    func config(_ text: String) throws -> ConfigObject {
        try ConfigObject(try JSONParser.parse(text, file: "scene.json"), file: "scene.json", path: "optimizer")
    }

    func store(_ n: Int = 5) -> ParameterStore {
        let s = ParameterStore(tensors: [ParameterTensor("w", shape: [n], kind: .matrix)])
        for i in 0..<n { s.values[i] = Float(i) * 0.1 - 0.2 }
        return s
    }

    @Test func decayScheduleMatchesTcnn() {
        var settings = Adam.Settings(); settings.learningRate = 0.8
        let adam = Adam(settings: settings)
        let decay = ExponentialDecay(nested: adam, decayBase: 0.5, decayStart: 3, decayInterval: 2, decayEnd: 7)
        let s = store()
        decay.allocate(for: s)
        // tcnn multiplies its factor by decay_base before the steps with index 3, 5, 7 (≤ decay_end).
        let expected: [Float] = [0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]
        for k in 0..<expected.count {
            #expect(decay.currentLearningRate == expected[k], "before step \(k)")
            for i in 0..<5 { s.gradients[i] = 1 }
            decay.step(s, pool: WorkerPool(threads: 1))
            #expect(adam.learningRate == expected[k], "nested rate used by step \(k)")
        }
    }

    @Test func decayDefaultsAndBadValues() throws {
        let c = try config(#"{"otype": "ExponentialDecay"}"#)
        c.ignore("otype")
        let d = try ExponentialDecay(config: c, nested: Adam())
        try c.finish()
        #expect(d.decayBase == 0.1 && d.decayStart == 10_000 && d.decayInterval == 10_000 && d.decayEnd == 10_000_000)
        #expect(d.factor(atStep: 9_999) == 1 && d.factor(atStep: 10_000) == 0.1)
        for (text, key) in [(#"{"decay_interval": 0}"#, "decay_interval"), (#"{"decay_base": 0}"#, "decay_base"),
                            (#"{"decay_start": -5}"#, "decay_start"), (#"{"decay_end": 1.5}"#, "decay_end")] {
            do {
                _ = try ExponentialDecay(config: try config(text), nested: Adam())
                Issue.record("accepted \(text)")
            } catch let error as FieldError {
                #expect(error.location == "optimizer.\(key)", "\(error)")
            }
        }
    }

    @Test func emaIsTheDebiasedAverage() {
        var settings = Adam.Settings(); settings.learningRate = 0.05
        let ema = Ema(nested: Adam(settings: settings), decay: 0.9)
        let s = store()
        ema.allocate(for: s)
        #expect(ema.inferenceValues(s) == UnsafePointer(s.values.pointer))
        var history: [[Double]] = []
        for k in 0..<6 {
            for i in 0..<5 { s.gradients[i] = Float(i + k) * 0.3 - 0.5 }
            ema.step(s, pool: WorkerPool(threads: 2))
            history.append(s.values.array.map(Double.init))
            let t = history.count
            let average = ema.inferenceValues(s)
            for i in 0..<5 {
                var num = 0.0
                for (j, w) in history.enumerated() { num += 0.1 * pow(0.9, Double(t - 1 - j)) * w[i] }
                let expected = num / (1 - pow(0.9, Double(t)))
                #expect(abs(Double(average[i]) - expected) < 1e-6, "step \(t) parameter \(i)")
                if t == 1 { #expect(abs(average[i] - s.values[i]) <= 2e-7 * max(1, abs(s.values[i]))) }
            }
        }
    }

    @Test func emaDefaultsAndBadValues() throws {
        let c = try config(#"{"otype": "Ema", "full_precision": true}"#)
        c.ignore("otype")
        let e = try Ema(config: c, nested: Adam())
        try c.finish()
        #expect(e.decay == 0.99 && e.fullPrecision)
        for text in [#"{"decay": 1}"#, #"{"decay": -0.1}"#, #"{"decay": "slow"}"#] {
            do {
                _ = try Ema(config: try config(text), nested: Adam())
                Issue.record("accepted \(text)")
            } catch let error as FieldError {
                #expect(error.location == "optimizer.decay", "\(error)")
            }
        }
    }

    @Test func wrappedStackResumesBitIdentically() {
        func make() -> Ema {
            var settings = Adam.Settings(); settings.learningRate = 0.01
            return Ema(nested: ExponentialDecay(nested: Adam(settings: settings), decayBase: 0.33, decayStart: 2, decayInterval: 2),
                       decay: 0.95)
        }
        func gradients(_ s: ParameterStore, _ k: Int) { for i in 0..<s.count { s.gradients[i] = sin(Float(i * 7 + k)) } }
        let pool = WorkerPool(threads: 2)
        let s = store(1003)
        let a = make()
        a.allocate(for: s)
        for k in 0..<3 { gradients(s, k); a.step(s, pool: pool) }
        let values = s.values.array
        let tensors = OptimizerState.copy(a.stateTensors())
        let scalars = a.stateScalars()
        #expect(a.stateTensors().map(\.name) == ["ema.weights", "adam.first_moments", "adam.second_moments", "adam.param_steps"])
        for k in 3..<6 { gradients(s, k); a.step(s, pool: pool) }
        let expectedValues = s.values.array
        let expectedAverage = Array(UnsafeBufferPointer(start: a.inferenceValues(s), count: s.count))

        let r = store(1003)
        for i in 0..<r.count { r.values[i] = values[i] }
        let b = make()
        b.allocate(for: r)
        OptimizerState.restore(tensors, into: b.stateTensors())
        b.restoreScalars(Dictionary(uniqueKeysWithValues: scalars.map { ($0.name, $0.value) }))
        #expect(b.currentLearningRate == a.currentLearningRate || b.stepCount == 3)
        for k in 3..<6 { gradients(r, k); b.step(r, pool: pool) }
        #expect(r.values.array == expectedValues)
        #expect(Array(UnsafeBufferPointer(start: b.inferenceValues(r), count: r.count)) == expectedAverage)
    }

    @Test func nestedEmaStateNamesAreUnique() {
        let inner = Ema(nested: Adam())
        let outer = Ema(nested: inner)
        outer.allocate(for: store())
        let names = outer.stateTensors().map(\.name)
        #expect(Set(names).count == names.count)
    }
}
