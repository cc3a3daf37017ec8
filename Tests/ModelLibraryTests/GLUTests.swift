import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The GLU decoder computes Activator's gating unit, back-propagates correctly for every gate, norm and bias
/// setting, and is deterministic; its gate kernels match their definitions.
struct GLUTests {
    typealias S = DecoderTestSupport

    func reference(_ n: GLU, _ store: ParameterStore, _ x: [Float], batch: Int) -> [Double] {
        reference(n, store.segments, store.values.array.map(Double.init), x.map(Double.init), batch: batch)
    }

    func reference(_ n: GLU, _ segments: [ParameterSegment], _ v: [Double], _ x: [Double], batch: Int) -> [Double] {
        let w = n.width
        func offset(_ name: String) -> Int { segments.first { $0.name == name }!.offset }
        func norm(_ z: [Double]) -> [Double] {
            if n.norm == .none { return z }
            let mean = n.norm == .layerNorm ? z.reduce(0, +) / Double(z.count) : 0
            let varr = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count)
            let eps = n.norm == .layerNorm ? 1e-5 : 1e-6
            return z.map { ($0 - mean) / (varr + eps).squareRoot() }
        }
        var out: [Double] = []
        for r in 0..<batch {
            var h = (0..<n.inputWidth).map { x[r * n.inputWidth + $0] }
            for l in 0..<n.hiddenLayers {
                let wo = offset("layer\(l).weight")
                var a = [Double](repeating: 0, count: 2 * w)
                for j in 0..<(2 * w) {
                    var s = n.useBiases ? v[offset("layer\(l).bias") + j] : 0
                    for i in 0..<h.count { s += h[i] * v[wo + i * 2 * w + j] }
                    a[j] = s
                }
                let u = norm(a[0..<w].map { n.gate.value($0) }), g = norm(Array(a[w...]))
                h = (0..<w).map { u[$0] * g[$0] }
            }
            let wo = offset("output.weight")
            for o in 0..<n.outputWidth {
                var s = n.useBiases ? v[offset("output.bias") + o] : 0
                for j in 0..<w { s += h[j] * v[wo + j * n.outputWidth + o] }
                out.append(n.outputActivation.value(s))
            }
        }
        return out
    }

    @Test(arguments: FeatureNorm.allCases, [false, true])
    func forwardMatchesTheDefinition(_ norm: FeatureNorm, _ biases: Bool) {
        let n = GLU(inputWidth: 5, outputWidth: 3, width: 10, hiddenLayers: 2, gate: .gelu, norm: norm,
                    outputActivation: .sigmoid, useBiases: biases, chunkRows: 8)
        let store = S.bound(n, jitter: 0.1)
        let batch = 29
        let x = S.randomInput(batch * 5, seed: 9)
        let expected = reference(n, store, x, batch: batch)
        let y = S.forward(n, x, batch: batch, context: n.makeContext(capacity: batch), threads: 2)
        for i in 0..<expected.count { #expect(abs(Double(y[i]) - expected[i]) < 2e-5, "output \(i): \(y[i]) vs \(expected[i])") }
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    /// Float differences for the smooth gates (ReLU: `gradientsMatchDoubleDifferences`).
    @Test(arguments: [GateActivation.gelu, .silu, .sigmoid], FeatureNorm.allCases)
    func gradientsForEachGateAndNorm(_ gate: GateActivation, _ norm: FeatureNorm) {
        let n = GLU(inputWidth: 3, outputWidth: 2, width: 6, hiddenLayers: 2, gate: gate, norm: norm, chunkRows: 8)
        let report = S.check(n, batch: 5, jitter: 0, epsilon: 3e-3)
        #expect(report.parameterError < 3e-2 && report.inputError < 3e-2, "\(gate) \(norm): \(report)")
    }

    @Test(arguments: [1, 3])
    func gradientsWithBiasesAcrossBlocks(_ depth: Int) {
        let n = GLU(inputWidth: 4, outputWidth: 3, width: 9, hiddenLayers: depth, gate: .silu, norm: .layerNorm,
                    outputActivation: .tanh, useBiases: true, chunkRows: 8)
        let report = S.check(n, batch: 19, jitter: 0.1, epsilon: 3e-3)
        #expect(report.parameterError < 3e-2 && report.inputError < 3e-2, "depth \(depth): \(report)")
    }

    @Test(arguments: GateActivation.allCases, FeatureNorm.allCases)
    func gradientsMatchDoubleDifferences(_ gate: GateActivation, _ norm: FeatureNorm) {
        let n = GLU(inputWidth: 4, outputWidth: 3, width: 7, hiddenLayers: 3, gate: gate, norm: norm,
                    outputActivation: .sigmoid, useBiases: true, chunkRows: 8)
        let r = S.doubleCheck(n, batch: 13, jitter: 0.1) { v, x in
            reference(n, ParameterStore(tensors: n.parameterTensors).segments, v, x, batch: 13)
        }
        #expect(r.parameter < 2e-3 && r.input < 2e-3, "\(gate) \(norm): \(r)")
    }

    @Test func contract() {
        let n = GLU(inputWidth: 16, outputWidth: 3, width: 24, hiddenLayers: 2, gate: .gelu, norm: .layerNorm,
                    outputActivation: .sigmoid, useBiases: true, chunkRows: 64)
        #expect(S.contractFailure(n) == nil)
        #expect(n.parameterCount == 16 * 48 + 24 * 48 + 24 * 3 + 2 * 48 + 3)
    }

    @Test(arguments: GateActivation.allCases) func gateKernelsMatchTheirDefinitions(_ gate: GateActivation) {
        // Through a one-layer GLU without norm whose value half is 1: h = gate(a).
        let n = GLU(inputWidth: 1, outputWidth: 1, width: 1, hiddenLayers: 1, gate: gate, norm: .none, useBiases: true)
        let store = S.bound(n)
        for i in 0..<store.count { store.values[i] = 0 }
        // Layout: layer0.weight [gate, value], output.weight, layer0.bias [gate, value], output.bias.
        store.values[0] = 1       // gate weight
        store.values[2] = 1       // output weight
        store.values[4] = 1       // value bias
        let xs: [Float] = stride(from: -6, through: 6, by: 0.37).map { Float($0) }
        let y = S.forward(n, xs, batch: xs.count, context: nil, threads: 1)
        for (i, x) in xs.enumerated() {
            let r = gate.value(Double(x))
            #expect(abs(Double(y[i]) - r) < 2e-6 * max(1, abs(r)), "\(gate)(\(x)) = \(y[i]), expected \(r)")
        }
        #expect(GateActivation(name: "swish") == .silu && GateActivation(name: "Tanh") == nil)
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }
}
