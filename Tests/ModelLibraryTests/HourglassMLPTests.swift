import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The Hourglass MLP computes its definition (fixed lift, residual wide–narrow–wide blocks), back-propagates
/// correctly for every norm, activation and bias setting, keeps its lift out of the parameters, and is
/// deterministic.
struct HourglassMLPTests {
    typealias S = DecoderTestSupport

    /// The network's function in Double from the documented layout.
    func reference(_ n: HourglassMLP, _ store: ParameterStore, _ x: [Float], batch: Int) -> [Double] {
        reference(n, store.segments, store.values.array.map(Double.init), x.map(Double.init), batch: batch)
    }

    func reference(_ n: HourglassMLP, _ segments: [ParameterSegment], _ v: [Double], _ x: [Double], batch: Int) -> [Double] {
        let dz = n.width, dh = n.bottleneck
        func segment(_ name: String) -> Int { segments.first { $0.name == name }!.offset }
        var out: [Double] = []
        for r in 0..<batch {
            var z = [Double](repeating: 0, count: dz)
            for j in 0..<dz { for i in 0..<n.inputWidth { z[j] += x[r * n.inputWidth + i] * Double(n.lift[i * dz + j]) } }
            for b in 0..<n.blocks {
                var nz = z
                if n.norm != .none {
                    let mean = n.norm == .layerNorm ? z.reduce(0, +) / Double(dz) : 0
                    let varr = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dz)
                    let eps = n.norm == .layerNorm ? 1e-5 : 1e-6
                    nz = z.map { ($0 - mean) / (varr + eps).squareRoot() }
                }
                let w1 = segment("block\(b).weight1"), w2 = segment("block\(b).weight2")
                var h = [Double](repeating: 0, count: dh)
                for k in 0..<dh {
                    var s = n.useBiases ? v[segment("block\(b).bias1") + k] : 0
                    for j in 0..<dz { s += nz[j] * v[w1 + j * dh + k] }
                    h[k] = n.activation.value(s)
                }
                for j in 0..<dz {
                    var s = n.useBiases ? v[segment("block\(b).bias2") + j] : 0
                    for k in 0..<dh { s += h[k] * v[w2 + k * dz + j] }
                    z[j] += s
                }
            }
            let wo = segment("output.weight")
            for o in 0..<n.outputWidth {
                var s = n.useBiases ? v[segment("output.bias") + o] : 0
                for j in 0..<dz { s += z[j] * v[wo + j * n.outputWidth + o] }
                out.append(n.outputActivation.value(s))
            }
        }
        return out
    }

    @Test(arguments: FeatureNorm.allCases, [false, true])
    func forwardMatchesTheDefinition(_ norm: FeatureNorm, _ biases: Bool) {
        let n = HourglassMLP(inputWidth: 5, outputWidth: 3, width: 12, bottleneck: 4, blocks: 2, activation: .tanh,
                             outputActivation: .sigmoid, norm: norm, useBiases: biases, chunkRows: 8)
        let store = S.bound(n, jitter: 0.1)
        let batch = 37
        let x = S.randomInput(batch * 5, seed: 9)
        let expected = reference(n, store, x, batch: batch)
        let y = S.forward(n, x, batch: batch, context: n.makeContext(capacity: batch), threads: 2)
        for i in 0..<expected.count { #expect(abs(Double(y[i]) - expected[i]) < 2e-5, "output \(i): \(y[i]) vs \(expected[i])") }
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    /// Float differences for the smooth activations (kinked ones: `kinkedGradientsMatchDoubleDifferences`).
    @Test(arguments: FeatureNorm.allCases, [Activation.silu, .tanh, .sine, .softplus])
    func gradientsForEachNormAndActivation(_ norm: FeatureNorm, _ act: Activation) {
        let n = HourglassMLP(inputWidth: 3, outputWidth: 2, width: 8, bottleneck: 3, blocks: 2, activation: act,
                             outputActivation: .none, norm: norm, chunkRows: 8)
        let report = S.check(n, batch: 6, jitter: 0, epsilon: 3e-3)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(norm) \(act): \(report)")
    }

    @Test(arguments: [Activation.sigmoid, .softplus, .exponential, .silu])
    func gradientsWithBiasesAndOutputActivations(_ out: Activation) {
        let n = HourglassMLP(inputWidth: 4, outputWidth: 3, width: 9, bottleneck: 5, blocks: 3, activation: .softplus,
                             outputActivation: out, norm: .rmsNorm, useBiases: true, chunkRows: 8)
        let report = S.check(n, batch: 21, jitter: 0.1, epsilon: 3e-3)
        #expect(report.parameterError < 3e-2 && report.inputError < 3e-2, "\(out): \(report)")
    }

    @Test(arguments: FeatureNorm.allCases, [Activation.relu, .leakyReLU])
    func kinkedGradientsMatchDoubleDifferences(_ norm: FeatureNorm, _ act: Activation) {
        let n = HourglassMLP(inputWidth: 3, outputWidth: 2, width: 8, bottleneck: 3, blocks: 2, activation: act,
                             outputActivation: .sigmoid, norm: norm, useBiases: true, chunkRows: 8)
        let r = S.doubleCheck(n, batch: 13, jitter: 0.1) { v, x in
            reference(n, ParameterStore(tensors: n.parameterTensors).segments, v, x, batch: 13)
        }
        #expect(r.parameter < 2e-3 && r.input < 2e-3, "\(norm) \(act): \(r)")
    }

    @Test func contract() {
        let n = HourglassMLP(inputWidth: 16, outputWidth: 3, width: 32, bottleneck: 8, blocks: 3, activation: .silu,
                             outputActivation: .sigmoid, norm: .layerNorm, useBiases: true, chunkRows: 64)
        #expect(S.contractFailure(n) == nil)
    }

    @Test func theLiftIsFixedAndNotAParameter() {
        let a = HourglassMLP(inputWidth: 6, outputWidth: 2, width: 16, bottleneck: 4, blocks: 2, liftSeed: 7)
        let b = HourglassMLP(inputWidth: 6, outputWidth: 2, width: 16, bottleneck: 4, blocks: 2, liftSeed: 7)
        let c = HourglassMLP(inputWidth: 6, outputWidth: 2, width: 16, bottleneck: 4, blocks: 2, liftSeed: 8)
        #expect(a.lift.array == b.lift.array && a.lift.array != c.lift.array)
        #expect(a.parameterCount == 2 * 2 * 16 * 4 + 16 * 2)
        #expect(a.parameterTensors.map(\.name) == ["block0.weight1", "block0.weight2", "block1.weight1", "block1.weight2",
                                                   "output.weight"])
        // Training moves parameters, never the lift.
        let store = S.bound(a, jitter: 0.05)
        let before = a.lift.array
        let x = S.randomInput(64 * 6, seed: 2)
        _ = S.trainingPass(a, store, x, batch: 64, threads: 1)
        #expect(a.lift.array == before)
        // Its entries are N(0, 1/in): mean square close to 1/6.
        let big = HourglassMLP(inputWidth: 6, outputWidth: 2, width: 2048, bottleneck: 4, blocks: 1)
        let ms = big.lift.array.map { Double($0 * $0) }.reduce(0, +) / Double(big.lift.count)
        #expect(abs(ms - 1.0 / 6) < 0.01, "mean square \(ms)")
    }
}
