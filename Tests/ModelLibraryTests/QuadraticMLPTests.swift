import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// Quadratic neurons compute their definition, start as the plain MLP under ReLinear init, back-propagate
/// correctly (the zero-initialised quadratic parts exercised by jitter), and their g and b groups step at the
/// scaled learning rate under Adam and its wrappers.
struct QuadraticMLPTests {
    typealias S = DecoderTestSupport

    func reference(_ n: QuadraticMLP, _ store: ParameterStore, _ x: [Float], batch: Int) -> [Double] {
        reference(n, store.segments, store.values.array.map(Double.init), x.map(Double.init), batch: batch)
    }

    func reference(_ n: QuadraticMLP, _ segments: [ParameterSegment], _ v: [Double], _ x: [Double], batch: Int) -> [Double] {
        S.referenceRows(x, batch: batch, inputWidth: n.inputWidth, layers: n.hiddenLayers + 1, segments: segments) { l, h, offset in
            let o = l == n.hiddenLayers ? n.outputWidth : n.width
            let act = l == n.hiddenLayers ? n.outputActivation : n.activation
            let wr = offset("layer\(l).weight_r"), wg = offset("layer\(l).weight_g"), wb = offset("layer\(l).weight_b")
            let br = offset("layer\(l).bias_r"), bg = offset("layer\(l).bias_g"), bc = offset("layer\(l).bias_c")
            return (0..<o).map { j in
                var rr = v[br + j], gg = v[bg + j], qq = v[bc + j]
                for i in 0..<h.count {
                    rr += h[i] * v[wr + i * o + j]
                    gg += h[i] * v[wg + i * o + j]
                    qq += h[i] * h[i] * v[wb + i * o + j]
                }
                return act.value(rr * gg + qq)
            }
        }
    }

    @Test(arguments: [0, 1, 2])
    func forwardMatchesTheDefinition(_ depth: Int) {
        let n = QuadraticMLP(inputWidth: 5, outputWidth: 3, width: 11, hiddenLayers: depth, activation: .tanh,
                             outputActivation: .sigmoid, chunkRows: 8)
        let store = S.bound(n, jitter: 0.2)
        let batch = 33
        let x = S.randomInput(batch * 5, seed: 9)
        let expected = reference(n, store, x, batch: batch)
        let y = S.forward(n, x, batch: batch, context: n.makeContext(capacity: batch), threads: 2)
        for i in 0..<expected.count { #expect(abs(Double(y[i]) - expected[i]) < 2e-5, "output \(i): \(y[i]) vs \(expected[i])") }
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    @Test func reLinearInitStartsAsThePlainMLP() {
        let q = QuadraticMLP(inputWidth: 6, outputWidth: 2, width: 16, hiddenLayers: 2, activation: .relu)
        let qs = S.bound(q)
        for seg in qs.segments {
            let v = (seg.offset..<(seg.offset + seg.count)).map { qs.values[$0] }
            if seg.name.hasSuffix("weight_g") || seg.name.hasSuffix("weight_b") || seg.name.hasSuffix("bias_c")
                || seg.name.hasSuffix("bias_r") { #expect(v.allSatisfy { $0 == 0 }, "\(seg.name)") }
            if seg.name.hasSuffix("bias_g") { #expect(v.allSatisfy { $0 == 1 }, "\(seg.name)") }
            if seg.name.hasSuffix("weight_r") {
                // Kaiming-normal: mean square ≈ 2/fan-in.
                let ms = v.map { Double($0 * $0) }.reduce(0, +) / Double(v.count)
                let expected = 2 / Double(seg.shape[0])
                #expect(abs(ms - expected) < 0.35 * expected, "\(seg.name): \(ms) vs \(expected)")
            }
        }
        let mlp = MLP(inputWidth: 6, outputWidth: 2, width: 16, hiddenLayers: 2, activation: .relu)
        let ms = S.bound(mlp)
        for l in 0...2 {
            let src = qs.segments.first { $0.name == "layer\(l).weight_r" }!
            let dst = ms.segments.first { $0.name == "weight\(l)" }!
            for i in 0..<src.count { ms.values[dst.offset + i] = qs.values[src.offset + i] }
        }
        let x = S.randomInput(50 * 6, seed: 3)
        let a = S.forward(q, x, batch: 50, context: nil, threads: 1)
        let b = S.forward(mlp, x, batch: 50, context: nil, threads: 1)
        for i in 0..<a.count { #expect(abs(a[i] - b[i]) < 1e-5, "\(i): \(a[i]) vs \(b[i])") }
        withExtendedLifetime((qs, ms)) {}  // the network holds raw pointers into the store
    }

    @Test(arguments: [Activation.relu, .silu, .tanh, .sigmoid])
    func gradientsWithQuadraticPartsJittered(_ act: Activation) {
        let n = QuadraticMLP(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 2, activation: act,
                             outputActivation: .none, chunkRows: 8)
        #expect(n.parameterCount < 400)
        let report = S.check(n, batch: 6, jitter: 0.3, epsilon: act == .relu ? 2e-3 : 1e-2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(act): \(report)")
    }

    @Test(arguments: [0, 1, 3])
    func gradientsAcrossDepthsAndBlocks(_ depth: Int) {
        let n = QuadraticMLP(inputWidth: 4, outputWidth: 3, width: 7, hiddenLayers: depth, activation: .softplus,
                             outputActivation: .sigmoid, chunkRows: 8)
        let report = S.check(n, batch: 37, jitter: 0.2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "depth \(depth): \(report)")
    }

    @Test(arguments: [Activation.relu, .leakyReLU, .silu])
    func gradientsMatchDoubleDifferences(_ act: Activation) {
        let n = QuadraticMLP(inputWidth: 3, outputWidth: 2, width: 6, hiddenLayers: 2, activation: act,
                             outputActivation: .sigmoid, chunkRows: 8)
        let r = S.doubleCheck(n, batch: 13, jitter: 0.2) { v, x in
            reference(n, ParameterStore(tensors: n.parameterTensors).segments, v, x, batch: 13)
        }
        #expect(r.parameter < 2e-3 && r.input < 2e-3, "\(act): \(r)")
    }

    @Test func contract() {
        let n = QuadraticMLP(inputWidth: 16, outputWidth: 3, width: 24, hiddenLayers: 2, activation: .silu,
                             outputActivation: .sigmoid, chunkRows: 64)
        #expect(S.contractFailure(n) == nil)
    }

    @Test func quadraticGroupsCarryTheScale() {
        let n = QuadraticMLP(inputWidth: 4, outputWidth: 2, width: 8, hiddenLayers: 1, quadraticLearningRateScale: 0.25)
        for t in n.parameterTensors {
            let quadratic = t.name.hasSuffix("_g") || t.name.hasSuffix("_b") || t.name.hasSuffix("_c")
            #expect(t.learningRateScale == (quadratic ? 0.25 : 1), "\(t.name)")
        }
        // The scale survives composition with an encoding.
        let model = EncodedNetwork(encoding: IdentityEncoding(inputWidth: 4), network: n)
        let store = ParameterStore(tensors: model.parameterTensors)
        #expect(store.segments.first { $0.name == "network.layer0.weight_g" }?.learningRateScale == 0.25)
        #expect(store.segments.first { $0.name == "network.layer0.weight_r" }?.learningRateScale == 1)
    }

    /// One first Adam step (lr·sign(g) with ε = 0 and no L2) moves scaled tensors by scale·lr, through wrappers.
    @Test(arguments: [
        #"{"otype": "Adam", "learning_rate": 0.1, "epsilon": 0, "l2_reg": 0}"#,
        #"{"otype": "ExponentialDecay", "decay_start": 5, "nested": {"otype": "Adam", "learning_rate": 0.1, "epsilon": 0, "l2_reg": 0}}"#,
        #"{"otype": "Ema", "decay": 0.9, "nested": {"otype": "Adam", "learning_rate": 0.1, "epsilon": 0, "l2_reg": 0}}"#,
    ])
    func adamHonoursTheScale(_ optimizerJSON: String) throws {
        let n = QuadraticMLP(inputWidth: 3, outputWidth: 2, width: 4, hiddenLayers: 1, quadraticLearningRateScale: 0.01)
        let store = S.bound(n, jitter: 0.1)
        var rng = RandomGenerator(seed: 3)
        for i in 0..<store.count { store.gradients[i] = rng.nextFloat(0.5, 1) * (i % 2 == 0 ? 1 : -1) }
        let before = store.values.array
        let optimizer = try ModelFactory.makeOptimizer(
            try ConfigObject(try JSONParser.parse(optimizerJSON, file: "s.json"), file: "s.json", path: "optimizer"))
        optimizer.allocate(for: store)
        optimizer.step(store, pool: WorkerPool(threads: 2))
        for seg in store.segments {
            for i in seg.offset..<(seg.offset + seg.count) {
                let moved = abs(store.values[i] - before[i])
                let expected = 0.1 * seg.learningRateScale
                #expect(abs(moved - expected) < 1e-4 * max(expected, 1e-3) + 1e-7, "\(seg.name)[\(i - seg.offset)]: \(moved) vs \(expected)")
            }
        }
    }
}
