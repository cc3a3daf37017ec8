import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// Helpers for the representation tests (TriPlane, Composite, CAM): building encodings from JSON, their
/// factory errors, and fixed-seed, fixed-step fits of a procedural image and an analytic SDF.
enum RepresentationTestSupport {
    /// An encoding object parsed from `json` (file "scene.json", path "encoding").
    static func config(_ json: String, path: String = "encoding") throws -> ConfigObject {
        try ConfigObject(try JSONParser.parse(json, file: "scene.json"), file: "scene.json", path: path)
    }

    /// The encoding the factory builds from `json` for `inputWidth` inputs.
    static func encoding(_ json: String, inputWidth: Int) throws -> DifferentiableModule {
        try ModelFactory.makeEncoding(try config(json), inputWidth: inputWidth)
    }

    /// The factory's error for the encoding `json`, or nil when it builds.
    static func encodingError(_ json: String, inputWidth: Int) -> FieldError? {
        do {
            _ = try encoding(json, inputWidth: inputWidth)
            return nil
        } catch let e as FieldError {
            return e
        } catch {
            return FieldError(file: "?", location: "?", "\(error)")
        }
    }

    /// Expects each encoding `json` (for `dims` inputs) to fail with one line in scene.json at `location` that
    /// contains `says`.
    static func expectOneLineErrors(_ cases: [(json: String, dims: Int, location: String, says: String)]) {
        for c in cases {
            let e = encodingError(c.json, inputWidth: c.dims)
            #expect(e != nil, "\(c.json) should fail")
            guard let e else { continue }
            #expect(e.file == "scene.json" && e.location == c.location && e.message.contains(c.says), "\(c.json): \(e)")
            #expect(!e.description.contains("\n"), "one line: \(e)")
        }
    }

    /// `count` uniform values in [lo, hi).
    static func points(_ count: Int, seed: UInt64, lo: Float = 0.02, hi: Float = 0.98) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(lo, hi) }
    }

    /// Float finite-difference checks of parameters (ε 1e-2) and inputs (ε 1e-4: grids have kinks at cell boundaries,
    /// which a wider central difference straddles too often) with jittered parameters.
    static func gradientCheck(_ module: DifferentiableModule, batch: Int, jitter: Float = 0.3, seed: UInt64 = 21,
                              inputEpsilon: Float = 1e-4)
        -> (parameters: GradientCheck.Report, inputs: GradientCheck.Report) {
        let x = points(batch * module.inputWidth, seed: seed)
        let p = GradientCheck.check(module, input: x, batch: batch, seed: 3, epsilon: 1e-2, parameterJitter: jitter,
                                    maxParameters: 400, checkInputs: false)
        let i = GradientCheck.check(module, input: x, batch: batch, seed: 3, epsilon: inputEpsilon, parameterJitter: jitter,
                                    maxParameters: 1)
        return (p, i)
    }

    /// A trainer for `encoding → network` (L2 loss, Adam with `learningRate`, β₂ 0.99, ε 1e-15) with seed 7.
    static func trainer(encoding: String, network: String, inputWidth: Int, outputWidth: Int, batch: Int,
                        learningRate: Double, loss: String = "L2") throws -> Trainer {
        try ModelFactory.makeTrainer(
            encoding: try JSONParser.parse(encoding), network: try JSONParser.parse(network),
            loss: try JSONParser.parse("{\"otype\": \"\(loss)\"}"),
            optimizer: try JSONParser.parse("{\"otype\": \"Adam\", \"learning_rate\": \(learningRate), \"beta2\": 0.99, \"epsilon\": 1e-15, \"l2_reg\": 0}"),
            inputWidth: inputWidth, outputWidth: outputWidth, batchCapacity: max(batch, 1_024), seed: 7, file: "test.json")
    }

    /// Trains `trainer` for `steps` steps on batches drawn by `sample` (seed 11) with `threads` workers.
    static func train(_ trainer: Trainer, inputWidth: Int, outputWidth: Int, steps: Int, batch: Int, threads: Int = 2,
                      sample: (inout RandomGenerator, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        let pool = WorkerPool(threads: threads)
        let x = FloatBuffer(count: batch * inputWidth), y = FloatBuffer(count: batch * outputWidth)
        var rng = RandomGenerator(seed: 11)
        for _ in 0..<steps {
            for r in 0..<batch { sample(&rng, x.pointer + r * inputWidth, y.pointer + r * outputWidth) }
            _ = trainer.step(input: x.pointer, target: y.pointer, batch: batch, pool: pool)
        }
    }

    /// The trainer's predictions for `input` rows.
    static func infer(_ trainer: Trainer, _ input: [Float], inputWidth: Int, outputWidth: Int) -> [Float] {
        var out = [Float](repeating: 0, count: input.count / inputWidth * outputWidth)
        input.withUnsafeBufferPointer { e in out.withUnsafeMutableBufferPointer { p in
            trainer.infer(input: e.baseAddress!, output: p.baseAddress!, batch: input.count / inputWidth, pool: WorkerPool(threads: 2))
        } }
        return out
    }

    /// PSNR (dB) after fitting the 32×32 analytic image of `DecoderFitTests.pixel` for `steps` steps of 512 pixels.
    static func fitImage(encoding: String, network: String, steps: Int, learningRate: Double = 1e-2) throws -> Double {
        let side = 32
        let (uv, rgb) = DecoderFitTests.analyticImage(side: side)
        let t = try trainer(encoding: encoding, network: network, inputWidth: 2, outputWidth: 3, batch: 512, learningRate: learningRate)
        train(t, inputWidth: 2, outputWidth: 3, steps: steps, batch: 512) { rng, x, y in
            let i = rng.nextInt(below: side * side)
            x[0] = uv[2 * i]; x[1] = uv[2 * i + 1]
            y[0] = rgb[3 * i]; y[1] = rgb[3 * i + 1]; y[2] = rgb[3 * i + 2]
        }
        let prediction = infer(t, uv, inputWidth: 2, outputWidth: 3)
        var mse = 0.0
        for i in 0..<rgb.count { let d = Double(min(max(prediction[i], 0), 1) - rgb[i]); mse += d * d }
        return -10 * log10(max(mse / Double(rgb.count), 1e-12))
    }

    /// The analytic shape: the union of a sphere (centre (0.4, 0.5, 0.5), radius 0.22) and a box (centre
    /// (0.62, 0.45, 0.5), half-sizes 0.15, 0.2, 0.12), exact outside each part, in the unit cube.
    static func shapeDistance(_ p: SIMD3<Float>) -> Float {
        let c = p - SIMD3<Float>(0.4, 0.5, 0.5)
        let sphere = (c * c).sum().squareRoot() - 0.22
        let o = p - SIMD3<Float>(0.62, 0.45, 0.5)
        let q = SIMD3<Float>(abs(o.x) - 0.15, abs(o.y) - 0.2, abs(o.z) - 0.12)
        let outside = SIMD3<Float>(max(q.x, 0), max(q.y, 0), max(q.z, 0))
        let inside: Float = min(max(q.x, max(q.y, q.z)), 0)
        let box: Float = (outside * outside).sum().squareRoot() + inside
        return min(sphere, box)
    }

    /// IoU of {sdf < 0} on a 32³ grid after fitting `shapeDistance` for `steps` steps of 2048 points (half
    /// uniform in the cube, half within ±0.03 of the surface along random offsets), L1 loss.
    static func fitSDF(encoding: String, network: String, steps: Int, learningRate: Double = 1e-2, threads: Int = 2) throws
        -> (iou: Double, trainer: Trainer) {
        let t = try trainer(encoding: encoding, network: network, inputWidth: 3, outputWidth: 1, batch: 2_048,
                            learningRate: learningRate, loss: "L1")
        train(t, inputWidth: 3, outputWidth: 1, steps: steps, batch: 2_048, threads: threads) { rng, x, y in
            var p = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            if rng.nextFloat() < 0.5 {
                // Pull towards the surface: step along the gradient direction estimated by differences.
                let d = shapeDistance(p), h: Float = 1e-3
                let g = SIMD3<Float>(shapeDistance(p + SIMD3(h, 0, 0)) - d, shapeDistance(p + SIMD3(0, h, 0)) - d,
                                     shapeDistance(p + SIMD3(0, 0, h)) - d) / h
                let n = (g * g).sum().squareRoot()
                if n > 1e-3 { p -= g / n * (d - rng.nextFloat(-0.03, 0.03)) }
                p = SIMD3(min(max(p.x, 0), 1), min(max(p.y, 0), 1), min(max(p.z, 0), 1))
            }
            x[0] = p.x; x[1] = p.y; x[2] = p.z
            y[0] = shapeDistance(p)
        }
        let side = 32
        var grid: [Float] = []
        for k in 0..<side { for j in 0..<side { for i in 0..<side {
            grid += [(Float(i) + 0.5) / Float(side), (Float(j) + 0.5) / Float(side), (Float(k) + 0.5) / Float(side)]
        } } }
        let prediction = infer(t, grid, inputWidth: 3, outputWidth: 1)
        var both = 0, either = 0
        for n in 0..<(side * side * side) {
            let truth = shapeDistance(SIMD3(grid[3 * n], grid[3 * n + 1], grid[3 * n + 2])) < 0, predicted = prediction[n] < 0
            if truth && predicted { both += 1 }
            if truth || predicted { either += 1 }
        }
        return (Double(both) / Double(max(either, 1)), t)
    }
}
