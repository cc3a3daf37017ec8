import Foundation
import ModelLibrary
import TensorCore
import Testing

/// PolyReLU and PolyNorm compute their definitions at every order, their input and coefficient gradients
/// match finite differences, and the PolyMLP built on them is deterministic.
struct PolyComTests {
    typealias S = DecoderTestSupport

    /// A one-hidden-layer PolyMLP whose first layer is the identity and whose output layer sums with
    /// weights `readout`: output = Σ_j readout[j]·f(x)_j, so the activation can be read off exactly.
    func probe(_ act: PolyCom, degree: Int, width: Int) -> (PolyMLP, ParameterStore) {
        let n = PolyMLP(inputWidth: width, outputWidth: width, width: width, hiddenLayers: 1, activation: act, degree: degree)
        let store = S.bound(n)
        for i in 0..<store.count { store.values[i] = 0 }
        for j in 0..<width { store.values[j * width + j] = 1; store.values[width * width + j * width + j] = 1 }
        return (n, store)
    }

    @Test(arguments: PolyCom.allCases, [1, 2, 3, 5])
    func forwardMatchesTheDefinition(_ act: PolyCom, _ degree: Int) {
        let width = 11
        let (n, store) = probe(act, degree: degree, width: width)
        var rng = RandomGenerator(seed: UInt64(degree))
        let a = (0...degree).map { _ in Double(rng.nextFloat(-1, 1)) }
        let co = store.segments.first { $0.name == "poly0" }!
        #expect(co.count == degree + 1)
        for k in 0...degree { store.values[co.offset + k] = Float(a[k]) }
        let batch = 7
        let x = S.randomInput(batch * width, seed: 4).map { $0 * 1.5 }
        let y = S.forward(n, x, batch: batch, context: n.makeContext(capacity: batch), threads: 1)
        for r in 0..<batch {
            let row = (0..<width).map { Double(x[r * width + $0]) }
            let expected = act.reference(row, a)
            for j in 0..<width {
                #expect(abs(Double(y[r * width + j]) - expected[j]) < 1e-5 * max(1, abs(expected[j])), "\(act)^\(degree) row \(r) col \(j)")
            }
        }
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    @Test(arguments: PolyCom.allCases, [1, 3, 4, 6])
    func gradientsIncludingEveryCoefficient(_ act: PolyCom, _ degree: Int) {
        // Narrow layers and a small batch: every parameter — each coefficient of each layer — is checked.
        let n = PolyMLP(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 2, activation: act, degree: degree,
                        outputActivation: .none, useBiases: true, chunkRows: 8)
        #expect(n.parameterCount < 400)
        let report = S.check(n, batch: 6, jitter: 0.2, epsilon: act == .polyReLU ? 2e-3 : 5e-3, maxParameters: 400)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(act)^\(degree): \(report)")
        #expect(report.checked == n.parameterCount + 6 * 3)
    }

    /// (PolyReLU's kink makes Float differences over 360 pre-activations unreliable; its many-block case is
    /// `gradientsMatchDoubleDifferences`.)
    @Test(arguments: [PolyCom.polyNorm])
    func coefficientGradientsAreSummedOverRowsAndBlocks(_ act: PolyCom) {
        // Many slots and blocks: the coefficient partials must add up across them.
        let n = PolyMLP(inputWidth: 4, outputWidth: 3, width: 8, hiddenLayers: 2, activation: act, outputActivation: .sigmoid,
                        chunkRows: 8)
        let x = S.randomInput(45 * 4, seed: 12)
        let report = GradientCheck.check(n, input: x, batch: 45, seed: 2, epsilon: 5e-3, parameterJitter: 0.1,
                                         maxParameters: 1_000, checkInputs: false)
        #expect(report.parameterError < 2e-2, "\(act): \(report)")
    }

    /// The PolyMLP's function in Double from its documented layout.
    func reference(_ n: PolyMLP, _ segments: [ParameterSegment], _ v: [Double], _ x: [Double], batch: Int) -> [Double] {
        S.referenceRows(x, batch: batch, inputWidth: n.inputWidth, layers: n.hiddenLayers + 1, segments: segments) { l, h, offset in
            let o = l == n.hiddenLayers ? n.outputWidth : n.width
            let w = offset("weight\(l)")
            let z = (0..<o).map { j in
                (0..<h.count).reduce(n.useBiases ? v[offset("bias\(l)") + j] : 0) { $0 + h[$1] * v[w + $1 * o + j] }
            }
            if l == n.hiddenLayers { return z.map { n.outputActivation.value($0) } }
            let co = offset("poly\(l)")
            return n.activation.reference(z, (0...n.degree).map { v[co + $0] })
        }
    }

    @Test(arguments: PolyCom.allCases, [1, 3, 6])
    func gradientsMatchDoubleDifferences(_ act: PolyCom, _ degree: Int) {
        // Kinks (PolyReLU at 0) make Float differences unreliable; Double differences with a tiny step are not.
        let n = PolyMLP(inputWidth: 4, outputWidth: 3, width: 8, hiddenLayers: 2, activation: act, degree: degree,
                        outputActivation: .sigmoid, useBiases: true, chunkRows: 8)
        let r = S.doubleCheck(n, batch: 45, jitter: 0.1) { v, x in
            reference(n, ParameterStore(tensors: n.parameterTensors).segments, v, x, batch: 45)
        }
        #expect(r.parameter < 2e-3 && r.input < 2e-3, "\(act)^\(degree): \(r)")
    }

    @Test func initialCoefficientsArePolyComs() {
        let third: Float = 1.0 / 3
        let expected: [Float] = [0, third, third, third]
        #expect(PolyCom.initialCoefficients(degree: 3) == expected)
        let n = PolyMLP(inputWidth: 2, outputWidth: 1, width: 4, hiddenLayers: 2)
        let store = S.bound(n)
        for name in ["poly0", "poly1"] {
            let seg = store.segments.first { $0.name == name }!
            #expect(seg.kind == .nonMatrix && seg.shape == [4])
            let stored: [Float] = (0..<4).map { store.values[seg.offset + $0] }
            #expect(stored == expected)
        }
        #expect(n.activation == .polyReLU && n.degree == 3)
    }

    @Test(arguments: PolyCom.allCases) func contract(_ act: PolyCom) {
        let n = PolyMLP(inputWidth: 16, outputWidth: 3, width: 32, hiddenLayers: 2, activation: act,
                        outputActivation: .sigmoid, useBiases: true, chunkRows: 64)
        #expect(S.contractFailure(n) == nil)
    }
}
