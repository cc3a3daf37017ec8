import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The Gaussian RBF decoder computes its definition, back-propagates into centres, scales, read-out and
/// inputs, keeps the row-block contract, rejects bad keys, and fits an analytic image through a small grid.
struct GaussianRBFNetworkTests {
    typealias S = DecoderTestSupport

    /// The layer in Double, from its flat parameters `v` (layout: centres, scales, readout, bias).
    func reference(_ n: GaussianRBFNetwork, _ v: [Double], _ x: [Double], batch: Int) -> [Double] {
        let d = n.inputWidth, u = n.units, o = n.outputWidth
        let (c0, s0, v0, b0) = (0, u * d, 2 * u * d, 2 * u * d + u * o)
        var out: [Double] = []
        for r in 0..<batch {
            var y = [Double](repeating: 0, count: o)
            for j in 0..<u {
                var q = 0.0
                for k in 0..<d {
                    let t = v[s0 + j * d + k] * (x[r * d + k] - v[c0 + j * d + k])
                    q += t * t
                }
                let phi = Foundation.exp(-q)
                for m in 0..<o { y[m] += phi * v[v0 + j * o + m] }
            }
            for m in 0..<o { out.append(n.outputActivation.value(y[m] + (n.useBias ? v[b0 + m] : 0))) }
        }
        return out
    }

    @Test(arguments: [Activation.none, .sigmoid], [true, false])
    func forwardMatchesTheDefinition(_ act: Activation, _ bias: Bool) {
        let n = GaussianRBFNetwork(inputWidth: 5, outputWidth: 3, units: 11, outputActivation: act, useBias: bias, chunkRows: 8)
        let store = S.bound(n, jitter: 0.1)
        let batch = 29
        let x = S.randomInput(batch * 5, seed: 9)
        let expected = reference(n, store.values.array.map(Double.init), x.map(Double.init), batch: batch)
        let y = S.forward(n, x, batch: batch, context: n.makeContext(capacity: batch), threads: 2)
        for i in 0..<expected.count { #expect(abs(Double(y[i]) - expected[i]) < 2e-5, "output \(i): \(y[i]) vs \(expected[i])") }
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }

    @Test(arguments: [Activation.none, .sigmoid])
    func gradientsMatchDoubleDifferences(_ act: Activation) {
        let n = GaussianRBFNetwork(inputWidth: 4, outputWidth: 3, units: 9, outputActivation: act, chunkRows: 8)
        let r = S.doubleCheck(n, batch: 19, jitter: 0.2) { v, x in reference(n, v, x, batch: 19) }
        #expect(r.parameter < 2e-3 && r.input < 2e-3, "\(act): \(r)")
    }

    @Test func floatGradientCheck() {
        let n = GaussianRBFNetwork(inputWidth: 3, outputWidth: 2, units: 10, chunkRows: 8)
        let report = S.check(n, batch: 21, jitter: 0.1, epsilon: 3e-3)
        #expect(report.parameterError < 3e-2 && report.inputError < 3e-2, "\(report)")
    }

    @Test func contract() {
        let n = GaussianRBFNetwork(inputWidth: 16, outputWidth: 3, units: 24, outputActivation: .sigmoid, chunkRows: 64)
        #expect(S.contractFailure(n) == nil)
        #expect(n.parameterCount == 2 * 24 * 16 + 24 * 3 + 3)
    }

    @Test func factoryKeysAndBadInput() throws {
        let n = try ModelFactory.makeNetwork(try S.config(#"{"otype": "gaussianrbf", "n_units": 12, "use_bias": false}"#),
                                             inputWidth: 8, outputWidth: 3)
        #expect(n.parameterCount == 2 * 12 * 8 + 12 * 3)
        #expect(S.factoryError(#"{"otype": "GaussianRBF", "n_units": 0}"#)?.description.contains("n_units") == true)
        #expect(S.factoryError(#"{"otype": "GaussianRBF", "n_units": -3}"#)?.description.contains("n_units") == true)
        #expect(S.factoryError(#"{"otype": "GaussianRBF", "n_neurons": 8}"#)?.description.contains("n_neurons") == true)
    }

    /// Low-resolution dense-grid features (GNF's setting) decoded by 32 Gaussian kernels fit the analytic image.
    @Test func fitsAnAnalyticImageThroughADenseGrid() throws {
        let side = 32
        let (uv, rgb) = DecoderFitTests.analyticImage(side: side)
        let psnr = try DecoderFitTests().fit(
            encoding: #"{"otype": "DenseGrid", "n_levels": 3, "n_features_per_level": 4, "base_resolution": 8, "per_level_scale": 2}"#,
            network: #"{"otype": "GaussianRBF", "n_units": 32, "output_activation": "Sigmoid"}"#,
            inputWidth: 2, outputWidth: 3, steps: 300, batch: 512, learningRate: 1e-2,
            sample: { rng, x, y in
                let i = rng.nextInt(below: side * side)
                x[0] = uv[2 * i]; x[1] = uv[2 * i + 1]
                y[0] = rgb[3 * i]; y[1] = rgb[3 * i + 1]; y[2] = rgb[3 * i + 2]
            }, evaluation: uv, expected: rgb)
        print("Gaussian RBF image fit: \(psnr) dB")
        #expect(psnr >= 45, "\(psnr) dB")  // 49.5 dB when set
    }

    /// The same decoder on a 3D dense grid fits the signed distance of a sphere: the sign agrees with the
    /// truth almost everywhere on a 24³ lattice and the mean error is a small fraction of the radius.
    @Test func fitsAnAnalyticSDFThroughADenseGrid() throws {
        let trainer = try ModelFactory.makeTrainer(
            encoding: try JSONParser.parse(#"{"otype": "DenseGrid", "n_levels": 2, "n_features_per_level": 4, "base_resolution": 8, "per_level_scale": 2}"#),
            network: try JSONParser.parse(#"{"otype": "GaussianRBF", "n_units": 32}"#),
            loss: try JSONParser.parse(#"{"otype": "L1"}"#),
            optimizer: try JSONParser.parse(#"{"otype": "Adam", "learning_rate": 1e-2, "beta2": 0.99, "epsilon": 1e-15}"#),
            inputWidth: 3, outputWidth: 1, batchCapacity: 1_024, seed: 7, file: "test.json")
        func sdf(_ p: SIMD3<Float>) -> Float { ((p - 0.5) * (p - 0.5)).sum().squareRoot() - 0.3 }
        let pool = WorkerPool(threads: 2)
        let batch = 1_024
        let x = FloatBuffer(count: batch * 3), y = FloatBuffer(count: batch)
        var rng = RandomGenerator(seed: 11)
        for _ in 0..<300 {
            for r in 0..<batch {
                let p = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
                x[3 * r] = p.x; x[3 * r + 1] = p.y; x[3 * r + 2] = p.z
                y[r] = sdf(p)
            }
            trainer.step(input: x.pointer, target: y.pointer, batch: batch, pool: pool)
        }
        let side = 24
        var points: [Float] = [], truth: [Float] = []
        for k in 0..<side { for j in 0..<side { for i in 0..<side {
            let p = (SIMD3<Float>(Float(i), Float(j), Float(k)) + 0.5) / Float(side)
            points += [p.x, p.y, p.z]
            truth.append(sdf(p))
        } } }
        var prediction = [Float](repeating: 0, count: truth.count)
        points.withUnsafeBufferPointer { e in prediction.withUnsafeMutableBufferPointer { p in
            trainer.infer(input: e.baseAddress!, output: p.baseAddress!, batch: truth.count, pool: pool)
        } }
        var agree = 0, error: Float = 0
        for i in 0..<truth.count {
            if (prediction[i] < 0) == (truth[i] < 0) { agree += 1 }
            error += abs(prediction[i] - truth[i])
        }
        let accuracy = Double(agree) / Double(truth.count), meanError = error / Float(truth.count)
        print("Gaussian RBF SDF fit: sign accuracy \(accuracy), mean |error| \(meanError)")
        #expect(accuracy >= 0.97 && meanError < 0.025, "accuracy \(accuracy), mean error \(meanError)")
    }
}
