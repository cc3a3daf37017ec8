import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The RBF encoding alone and as the hybrid with a hash grid, kernels initialised from the target by weighted
/// k-means, trained by the `Trainer` with a fixed seed and step count, reaches a stated PSNR on a procedural
/// image and a stated IoU and error on an analytic SDF (a sphere).
struct RBFFitTests {
    /// Adam at `learningRate` with NeuRBF's β and ε.
    static func adam(_ learningRate: Double) -> String {
        "{\"otype\": \"Adam\", \"learning_rate\": \(learningRate), \"beta1\": 0.9, \"beta2\": 0.99, \"epsilon\": 1e-15, \"l2_reg\": 0}"
    }

    /// Builds a trainer, initialises its RBF kernels from (`points`, `weights`), and trains `steps` steps.
    static func train(encoding: String, network: String, loss: String, learningRate: Double, inputWidth: Int, outputWidth: Int,
                      steps: Int, batch: Int, points: [Float], weights: [Float], dataInit: Bool = true,
                      sample: (inout RandomGenerator, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) throws -> Trainer {
        let trainer = try ModelFactory.makeTrainer(
            encoding: try JSONParser.parse(encoding), network: try JSONParser.parse(network), loss: try JSONParser.parse(loss),
            optimizer: try JSONParser.parse(adam(learningRate)), inputWidth: inputWidth, outputWidth: outputWidth,
            batchCapacity: batch, seed: 7, file: "test.json")
        let pool = WorkerPool(threads: 2)
        var initRNG = RandomGenerator(seed: 5)
        let modules = trainer.model.sampleInitializables
        #expect(modules.count == 1)
        for m in modules where dataInit {
            try points.withUnsafeBufferPointer { p in try weights.withUnsafeBufferPointer { w in
                try m.initialize(points: p.baseAddress!, weights: w.baseAddress!, count: weights.count, rng: &initRNG, pool: pool)
            } }
        }
        let x = FloatBuffer(count: batch * inputWidth), y = FloatBuffer(count: batch * outputWidth)
        var rng = RandomGenerator(seed: 11)
        for _ in 0..<steps {
            for r in 0..<batch { sample(&rng, x.pointer + r * inputWidth, y.pointer + r * outputWidth) }
            trainer.step(input: x.pointer, target: y.pointer, batch: batch, pool: pool)
        }
        return trainer
    }

    /// (name, encoding, minimum PSNR): thresholds 1–1.5 dB under what each reached when set (34.6, 35.1, 32.8, 34.3 dB;
    /// equidistant pixel centres make the k-means and kNN tie-breaking matter by about a dB).
    static let imageCases: [(String, String, Double)] = [
        ("RBF", #"{"otype": "RBF", "n_kernels": 400, "n_channels": 16, "frequencies": [0.125, 64]}"#, 33),
        ("RBF+HashGrid", #"{"otype": "RBF", "n_kernels": 300, "n_channels": 16, "frequencies": [0.125, 64], "grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 12, "base_resolution": 8, "per_level_scale": 4}}"#, 34),
        ("RBF-gaussian", #"{"otype": "RBF", "n_kernels": 400, "kernel": "Gaussian", "n_channels": 16, "frequencies": [0.125, 64]}"#, 31.5),
        ("RBF-trainable", #"{"otype": "RBF", "n_kernels": 400, "n_channels": 16, "frequencies": [0.125, 64], "trainable_kernels": true, "centre_lr_scale": 0.01, "shape_lr_scale": 1}"#, 33),
    ]

    @Test(arguments: RBFFitTests.imageCases.map(\.0))
    func fitsAnAnalyticImage(_ name: String) throws {
        let (_, encoding, threshold) = RBFFitTests.imageCases.first { $0.0 == name }!
        let side = 48
        let (uv, rgb) = DecoderFitTests.analyticImage(side: side)
        // Weights: the Sobel magnitude (as the image task computes it).
        let image = ImageTaskStandIn(side: side, rgb: rgb)
        let network = #"{"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2, "use_biases": true, "first_activation": "SineResidual", "sine_frequencies": [10, 100]}"#
        let trainer = try RBFFitTests.train(encoding: encoding, network: network, loss: #"{"otype": "L2"}"#, learningRate: 1e-2,
                                            inputWidth: 2, outputWidth: 3, steps: 300, batch: 1_024, points: uv,
                                            weights: image.sobel()) { rng, x, y in
            let i = rng.nextInt(below: side * side)
            x[0] = uv[2 * i]; x[1] = uv[2 * i + 1]
            y[0] = rgb[3 * i]; y[1] = rgb[3 * i + 1]; y[2] = rgb[3 * i + 2]
        }
        var prediction = [Float](repeating: 0, count: rgb.count)
        uv.withUnsafeBufferPointer { e in prediction.withUnsafeMutableBufferPointer { p in
            trainer.infer(input: e.baseAddress!, output: p.baseAddress!, batch: side * side, pool: WorkerPool(threads: 2))
        } }
        var mse = 0.0
        for i in 0..<rgb.count { let d = Double(min(max(prediction[i], 0), 1) - rgb[i]); mse += d * d }
        let psnr = -10 * log10(max(mse / Double(rgb.count), 1e-12))
        print("RBF image fit \(name): \(psnr) dB")
        #expect(psnr >= threshold, "\(name): \(psnr) dB")
    }

    /// (name, encoding, data init, minimum IoU, maximum mean |error|): with every kernel drawn to the surface
    /// (weights 1/|sdf|), the normalised RBF alone cannot tell inside from outside far from the surface (its
    /// features there are nearly the same), which is why NeuRBF pairs it with a grid; alone it is tested on the
    /// lattice. Thresholds sit under what the cases reached when set (lattice 0.949 / 0.0126, hybrid 0.967 / 0.0034).
    static let sdfCases: [(String, String, Bool, Double, Double)] = [
        ("RBF-lattice", #"{"otype": "RBF", "n_kernels": 729, "kernel": "Tent", "n_channels": 16, "frequencies": [1, 8]}"#, false, 0.93, 0.02),
        ("RBF+HashGrid", #"{"otype": "RBF", "n_kernels": 400, "kernel": "Tent", "n_channels": 16, "frequencies": [1, 8], "grid": {"otype": "HashGrid", "n_levels": 4, "n_features_per_level": 1, "log2_hashmap_size": 12, "base_resolution": 4}}"#, true, 0.95, 0.006),
    ]

    /// Signed distance to a sphere of radius 0.3 at the centre of the unit cube (negative inside).
    static func sphere(_ p: SIMD3<Float>) -> Float { ((p - 0.5) * (p - 0.5)).sum().squareRoot() - 0.3 }

    @Test(arguments: RBFFitTests.sdfCases.map(\.0))
    func fitsASphereSDF(_ name: String) throws {
        let (_, encoding, dataInit, minimumIoU, maximumError) = RBFFitTests.sdfCases.first { $0.0 == name }!
        // Init samples: half on/near the surface, half uniform; weights 1/(|sdf| + 1e-9) as the SDF task.
        var rng = RandomGenerator(seed: 2)
        var points: [Float] = [], weights: [Float] = []
        for i in 0..<8_192 {
            var p = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            if i % 2 == 0 {
                let dir = p - 0.5
                p = 0.5 + dir / max((dir * dir).sum().squareRoot(), 1e-6) * (0.3 + 0.01 * rng.nextGaussian())
            }
            points += [p.x, p.y, p.z]
            weights.append(1 / (abs(RBFFitTests.sphere(p)) + 1e-9))
        }
        let network = #"{"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2, "use_biases": true, "first_activation": "SineResidual", "sine_frequencies": [3, 30]}"#
        let trainer = try RBFFitTests.train(encoding: encoding, network: network, loss: #"{"otype": "L2"}"#, learningRate: 1e-2,
                                            inputWidth: 3, outputWidth: 1, steps: 400, batch: 2_048, points: points,
                                            weights: weights, dataInit: dataInit) { rng, x, y in
            var p = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            if rng.nextFloat() < 0.5 {
                let dir = p - 0.5
                p = 0.5 + dir / max((dir * dir).sum().squareRoot(), 1e-6) * (0.3 + 0.02 * rng.nextGaussian())
            }
            x[0] = p.x; x[1] = p.y; x[2] = p.z
            y[0] = RBFFitTests.sphere(p)
        }
        // IoU of the inside and mean |error| on uniform points.
        var eval = RandomGenerator(seed: 99)
        let n = 20_000
        let xs = (0..<(3 * n)).map { _ in eval.nextFloat() }
        var pred = [Float](repeating: 0, count: n)
        xs.withUnsafeBufferPointer { e in pred.withUnsafeMutableBufferPointer { p in
            trainer.infer(input: e.baseAddress!, output: p.baseAddress!, batch: n, pool: WorkerPool(threads: 2))
        } }
        var inter = 0, union = 0, error = 0.0
        for i in 0..<n {
            let truth = RBFFitTests.sphere(SIMD3(xs[3 * i], xs[3 * i + 1], xs[3 * i + 2]))
            let a = pred[i] < 0, b = truth < 0
            if a && b { inter += 1 }
            if a || b { union += 1 }
            error += Double(abs(pred[i] - truth))
        }
        let iou = Double(inter) / Double(max(union, 1))
        print("RBF sphere fit \(name): IoU \(iou), mean |error| \(error / Double(n))")
        #expect(iou >= minimumIoU, "\(name): IoU \(iou)")
        #expect(error / Double(n) < maximumError, "\(name): error \(error / Double(n))")
    }
}

/// The Sobel magnitude of a small RGB image (the same operator as `ImageTask.sobelMagnitude`, which lives in Fields).
struct ImageTaskStandIn {
    var side: Int
    var rgb: [Float]
    func sobel() -> [Float] {
        func at(_ x: Int, _ y: Int, _ k: Int) -> Float { rgb[(min(max(y, 0), side - 1) * side + min(max(x, 0), side - 1)) * 3 + k] }
        var out = [Float](repeating: 0, count: side * side)
        for y in 0..<side { for x in 0..<side {
            var s: Float = 0
            for k in 0..<3 {
                let gx = (at(x + 1, y - 1, k) + 2 * at(x + 1, y, k) + at(x + 1, y + 1, k) - at(x - 1, y - 1, k) - 2 * at(x - 1, y, k) - at(x - 1, y + 1, k)) / 8
                let gy = (at(x - 1, y + 1, k) + 2 * at(x, y + 1, k) + at(x + 1, y + 1, k) - at(x - 1, y - 1, k) - 2 * at(x, y - 1, k) - at(x + 1, y - 1, k)) / 8
                s += gx * gx + gy * gy
            }
            out[y * side + x] = s.squareRoot()
        } }
        return out
    }
}
