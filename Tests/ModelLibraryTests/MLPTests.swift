import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The MLP computes tcnn's FullyFusedMLP function, back-propagates correctly (finite differences) for every
/// activation, depth and bias setting, reads its config like tcnn, and is deterministic.
struct MLPTests {
    typealias S = DecoderTestSupport

    /// The network's function in Double, from the parameter layout the MLP documents.
    func reference(_ mlp: MLP, _ store: ParameterStore, _ x: [Float], batch: Int) -> [Double] {
        var current = x.map(Double.init)
        var inWidth = mlp.inputWidth
        let matrices = store.segments.filter { $0.kind == .matrix }
        let biases = store.segments.filter { $0.kind == .nonMatrix }
        for (l, w) in matrices.enumerated() {
            let outWidth = w.shape[1]
            let act = l == matrices.count - 1 ? mlp.outputActivation : mlp.activation
            var next = [Double](repeating: 0, count: batch * outWidth)
            for r in 0..<batch {
                for o in 0..<outWidth {
                    var s = biases.isEmpty ? 0 : Double(store.values[biases[l].offset + o])
                    for i in 0..<inWidth { s += current[r * inWidth + i] * Double(store.values[w.offset + i * outWidth + o]) }
                    next[r * outWidth + o] = act.value(s)
                }
            }
            current = next
            inWidth = outWidth
        }
        return current
    }

    @Test(arguments: [(0, false), (1, true), (2, false), (3, true)])
    func forwardMatchesTheDefinition(_ depth: Int, _ biases: Bool) {
        let mlp = MLP(inputWidth: 5, outputWidth: 3, width: 12, hiddenLayers: depth, activation: .tanh,
                      outputActivation: .sigmoid, useBiases: biases, chunkRows: 8)
        let store = S.bound(mlp, jitter: 0.1)
        let batch = 45
        let x = S.randomInput(batch * 5, seed: 9)
        let expected = reference(mlp, store, x, batch: batch)
        let training = S.forward(mlp, x, batch: batch, context: mlp.makeContext(capacity: 64), threads: 2)
        let inference = S.forward(mlp, x, batch: batch, context: nil, threads: 2)
        for i in 0..<expected.count { #expect(abs(Double(training[i]) - expected[i]) < 1e-5, "output \(i)") }
        #expect(training == inference)
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    func check(_ mlp: MLP, batch: Int, jitter: Float, epsilon: Float = 1e-2) -> GradientCheck.Report {
        let x = S.randomInput(batch * mlp.inputWidth, seed: 21)
        return GradientCheck.check(mlp, input: x, batch: batch, seed: 3, epsilon: epsilon, parameterJitter: jitter,
                                   maxParameters: 400)
    }

    @Test(arguments: Activation.allCases) func gradientsForEachHiddenActivation(_ act: Activation) {
        let mlp = MLP(inputWidth: 3, outputWidth: 2, width: 8, hiddenLayers: 2, activation: act, outputActivation: .none)
        // ReLU-like kinks make some central differences straddle a corner: use a smaller step there.
        // Kinks (ReLU-like) and SIREN's steep first layer (weights up to 30/fan-in) need a smaller step.
        let small = act == .relu || act == .leakyReLU || act == .sine
        let report = check(mlp, batch: 6, jitter: 0, epsilon: small ? 2e-3 : 1e-2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(act): \(report)")
    }

    @Test(arguments: Activation.allCases) func gradientsForEachOutputActivation(_ act: Activation) {
        let mlp = MLP(inputWidth: 3, outputWidth: 4, width: 8, hiddenLayers: 1, activation: .tanh, outputActivation: act,
                      useBiases: true)
        let kinked = act == .relu || act == .leakyReLU
        let report = check(mlp, batch: 6, jitter: 0.1, epsilon: kinked ? 2e-3 : 1e-2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(act): \(report)")
    }

    @Test(arguments: [(0, false), (0, true), (1, false), (1, true), (3, false), (3, true)])
    func gradientsForEachDepthWithAndWithoutBiases(_ depth: Int, _ biases: Bool) {
        let mlp = MLP(inputWidth: 4, outputWidth: 3, width: 7, hiddenLayers: depth, activation: .silu,
                      outputActivation: .sine, useBiases: biases)
        let report = check(mlp, batch: 5, jitter: biases ? 0.1 : 0)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "depth \(depth) biases \(biases): \(report)")
    }

    @Test func gradientsAcrossManyBlocksAndSlots() {
        // 8-row blocks and 37 rows: several slots, several blocks per slot and a short last block.
        let mlp = MLP(inputWidth: 3, outputWidth: 2, width: 9, hiddenLayers: 2, activation: .softplus,
                      outputActivation: .tanh, useBiases: true, chunkRows: 8)
        let report = check(mlp, batch: 37, jitter: 0.1)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(report)")
    }

    @Test func deterministicAcrossRunsAndThreadCounts() {
        let mlp = MLP(inputWidth: 16, outputWidth: 3, width: 32, hiddenLayers: 2, activation: .relu,
                      outputActivation: .sigmoid, useBiases: true, chunkRows: 64)
        let store = S.bound(mlp, jitter: 0.05)
        let batch = 3001
        let x = S.randomInput(batch * 16, seed: 4)
        let a = S.trainingPass(mlp, store, x, batch: batch, threads: 2)
        let b = S.trainingPass(mlp, store, x, batch: batch, threads: 2)
        let c = S.trainingPass(mlp, store, x, batch: batch, threads: 1)
        #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
        #expect(a.0 == c.0 && a.1 == c.1 && a.2 == c.2)
    }

    @Test func parameterGradientsAccumulateAndInputGradientsOverwrite() {
        let mlp = MLP(inputWidth: 4, outputWidth: 2, width: 8, hiddenLayers: 1, useBiases: true)
        let store = S.bound(mlp, jitter: 0.1)
        let x = S.randomInput(40, seed: 8)
        let once = S.trainingPass(mlp, store, x, batch: 10, threads: 2, passes: 1)
        let twice = S.trainingPass(mlp, store, x, batch: 10, threads: 2, passes: 2)
        for i in 0..<once.1.count { #expect(abs(twice.1[i] - 2 * once.1[i]) <= 1e-6 * max(1, abs(once.1[i]))) }
        #expect(once.2 == twice.2)
    }

    @Test func configDefaultsAreTcnns() throws {
        let c = try ConfigObject(try JSONParser.parse(#"{"otype": "FullyFusedMLP"}"#, file: "s.json"), file: "s.json", path: "network")
        c.ignore("otype")
        let mlp = try MLP(config: c, inputWidth: 32, outputWidth: 3)
        try c.finish()
        #expect(mlp.width == 128 && mlp.hiddenLayers == 5 && mlp.activation == .relu && mlp.outputActivation == .none)
        #expect(!mlp.useBiases)
        #expect(mlp.parameterTensors.map(\.name) == (0...5).map { "weight\($0)" })
        #expect(mlp.parameterTensors.first!.shape == [32, 128] && mlp.parameterTensors.last!.shape == [128, 3])
        #expect(mlp.parameterCount == 32 * 128 + 4 * 128 * 128 + 128 * 3)
        #expect(MLP.otypes == ["FullyFusedMLP", "MegakernelMLP", "CutlassMLP", "MLP"])
    }

    @Test func configReadsEveryKey() throws {
        let text = #"{"n_neurons": 24, "n_hidden_layers": 0, "activation": "sine", "output_activation": "SIGMOID", "use_biases": true}"#
        let c = try ConfigObject(try JSONParser.parse(text, file: "s.json"), file: "s.json", path: "network")
        let mlp = try MLP(config: c, inputWidth: 2, outputWidth: 5)
        try c.finish()
        #expect(mlp.width == 24 && mlp.hiddenLayers == 0 && mlp.activation == .sine && mlp.outputActivation == .sigmoid)
        #expect(mlp.parameterTensors.map(\.name) == ["weight0", "bias0"])
        #expect(mlp.parameterTensors[1].kind == .nonMatrix && mlp.parameterCount == 2 * 5 + 5)
    }

    @Test(arguments: [
        (#"{"n_neurons": 0}"#, "n_neurons"), (#"{"n_neurons": 12.5}"#, "n_neurons"), (#"{"n_hidden_layers": -1}"#, "n_hidden_layers"),
        (#"{"activation": "Swish"}"#, "activation"), (#"{"output_activation": 3}"#, "output_activation"),
        (#"{"use_biases": "yes"}"#, "use_biases"), (#"{"feedback_alignment": true}"#, "feedback_alignment"),
    ])
    func badValuesNameTheKey(_ text: String, _ key: String) throws {
        let c = try ConfigObject(try JSONParser.parse(text, file: "s.json"), file: "s.json", path: "network")
        do {
            _ = try MLP(config: c, inputWidth: 3, outputWidth: 1)
            Issue.record("accepted \(text)")
        } catch let error as FieldError {
            #expect(error.location == "network.\(key)" && error.file == "s.json", "\(error)")
        }
    }

    @Test func initialisationFollowsTcnn() {
        let xavier = MLP(inputWidth: 10, outputWidth: 6, width: 30, hiddenLayers: 1)
        let s1 = S.bound(xavier)
        for seg in s1.segments {
            let limit = Float((6.0 / Double(seg.shape[0] + seg.shape[1])).squareRoot())
            let v = (seg.offset..<(seg.offset + seg.count)).map { s1.values[$0] }
            #expect(v.allSatisfy { abs($0) <= limit } && v.contains { abs($0) > 0.8 * limit }, "\(seg.name)")
        }
        let siren = MLP(inputWidth: 10, outputWidth: 6, width: 30, hiddenLayers: 1, activation: .sine)
        let s2 = S.bound(siren)
        for (l, seg) in s2.segments.enumerated() {
            let limit: Float = l == 0 ? 30 / 10 : Float((6.0 / Double(seg.shape[0])).squareRoot())
            let v = (seg.offset..<(seg.offset + seg.count)).map { s2.values[$0] }
            #expect(v.allSatisfy { abs($0) <= limit } && v.contains { abs($0) > 0.8 * limit }, "\(seg.name)")
        }
        let biased = MLP(inputWidth: 3, outputWidth: 2, width: 4, hiddenLayers: 1, useBiases: true)
        let s3 = S.bound(biased)
        for seg in s3.segments where seg.kind == .nonMatrix {
            #expect((seg.offset..<(seg.offset + seg.count)).allSatisfy { s3.values[$0] == 0 })
        }
    }
}
