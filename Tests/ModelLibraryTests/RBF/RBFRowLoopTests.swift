import Foundation
@testable import ModelLibrary
import TensorCore
import Testing

/// The RBF encoding's chunked row loops against the formula written out per point, over batches of many chunks
/// with a partial last chunk and a channel count that is not a multiple of eight.
struct RBFRowLoopTests {
    static let json = #"{"otype": "RBF", "n_kernels": 40, "n_neighbors": 3, "n_channels": 12, "frequencies": [0.25, 16]}"#

    /// The k nearest centres of `x` by brute force (ties by lower id), φ̃ and r = bias + Σ_j w_j sin(φ̃_j m).
    static func reference(_ module: RBFEncoding, _ v: [Float], _ x: SIMD2<Float>)
        -> (ids: [Int], phi: [Float], r: [Float]) {
        let centres = module.centresOffset, shapes = module.shapesOffset, k = module.neighbours, c = module.channels
        func offset(_ i: Int) -> SIMD2<Float> { x - SIMD2(v[centres + 2 * i], v[centres + 2 * i + 1]) }
        var byDistance: [(Float, Int)] = []
        for i in 0..<module.kernelCount { byDistance.append(((offset(i) * offset(i)).sum(), i)) }
        byDistance.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let order = byDistance.prefix(k).map(\.1)
        var phi: [Float] = []
        for i in order {
            let e = offset(i), s = shapes + 3 * i
            let q: Float = v[s] * e.x * e.x + 2 * v[s + 1] * e.x * e.y + v[s + 2] * e.y * e.y
            phi.append(1 / (1 + q))
        }
        let sum = phi.reduce(0, +)
        phi = phi.map { $0 / (sum + 1e-8) }
        var r: [Float] = []
        for ch in 0..<c {
            var value = v[module.biasOffset + ch]
            for (i, p) in zip(order, phi) {
                value += v[module.weightsOffset + i * c + ch] * Float(sin(Double(p * module.frequencies[ch])))
            }
            r.append(value)
        }
        return (order, phi, r)
    }

    @Test(arguments: [1, 2])
    func forwardAndWeightGradientsMatchTheFormula(threads: Int) throws {
        let module = try RBFEncodingTests.make(RBFRowLoopTests.json, inputWidth: 2)
        let store = DecoderTestSupport.bound(module, jitter: 0.01)
        var rng = RandomGenerator(seed: 12)
        for i in 0..<(module.kernelCount * module.channels + module.outputWidth) {
            store.values[module.weightsOffset + i] = rng.nextFloat(-1, 1)
        }
        let batch = 150   // 4 chunks and a half per backward half of 64 + 86 rows
        let x = RBFEncodingTests.inputs(2 * batch, seed: 4)
        let (y, gradients, _) = DecoderTestSupport.trainingPass(module, store, x, batch: batch, threads: threads)
        let inferred = DecoderTestSupport.forward(module, x, batch: batch, context: nil, threads: threads)
        var rng77 = RandomGenerator(seed: 77)   // the output gradient `trainingPass` uses
        let dy = (0..<(batch * module.outputWidth)).map { _ in rng77.nextFloat(-1, 1) }
        let v = store.values.array, c = module.channels
        var expectedWeights = [Double](repeating: 0, count: module.kernelCount * c)
        for row in 0..<batch {
            let ref = RBFRowLoopTests.reference(module, v, SIMD2(x[2 * row], x[2 * row + 1]))
            for ch in 0..<c {
                #expect(abs(y[row * c + ch] - ref.r[ch]) < 2e-5, "row \(row) channel \(ch)")
                #expect(inferred[row * c + ch].bitPattern == y[row * c + ch].bitPattern, "row \(row) channel \(ch)")
                for (i, p) in zip(ref.ids, ref.phi) {
                    expectedWeights[i * c + ch] += Double(dy[row * c + ch]) * sin(Double(p * module.frequencies[ch]))
                }
            }
        }
        for i in 0..<expectedWeights.count {
            #expect(abs(Double(gradients[module.weightsOffset + i]) - expectedWeights[i]) < 1e-4, "weight \(i)")
        }
    }
}
