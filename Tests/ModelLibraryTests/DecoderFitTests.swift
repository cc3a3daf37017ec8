import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// Each decoder, built by the factory and trained by the `Trainer` with a fixed seed and step count, fits a
/// 1D function (through a Frequency encoding) and a small analytic image (through a hash grid) to a stated
/// PSNR. The plain MLP runs the same protocol as a yardstick.
struct DecoderFitTests {
    /// The decoders under test (small sizes so the suite stays fast in debug builds).
    static let decoders: [(name: String, json: String)] = [
        ("MLP", #"{"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2}"#),
        ("HourglassMLP", #"{"otype": "HourglassMLP", "n_neurons": 32, "n_bottleneck": 8, "n_blocks": 2}"#),
        ("GLU", #"{"otype": "GLU", "n_neurons": 24, "n_hidden_layers": 2}"#),
        ("PolyReLU", #"{"otype": "PolyMLP", "activation": "PolyReLU", "n_neurons": 32, "n_hidden_layers": 2}"#),
        ("PolyNorm", #"{"otype": "PolyMLP", "activation": "PolyNorm", "n_neurons": 32, "n_hidden_layers": 2}"#),
        ("QuadraticMLP", #"{"otype": "QuadraticMLP", "n_neurons": 20, "n_hidden_layers": 2}"#),
    ]

    /// Minimum PSNR (dB) after the fixed steps (1D function, image): about 3 dB under what each reached when the
    /// thresholds were set (debug build: MLP 58.3 / 45.3, Hourglass 44.2 / 44.6, GLU 61.3 / 43.7, PolyReLU 58.9 /
    /// 42.8, PolyNorm 51.7 / 24.0, Quadratic 49.8 / 46.6). The best constant scores 16.4 dB on the image.
    static let thresholds: [String: (curve: Double, image: Double)] = [
        "MLP": (55, 42), "HourglassMLP": (41, 41), "GLU": (58, 40), "PolyReLU": (55, 39), "PolyNorm": (48, 21),
        "QuadraticMLP": (46, 43),
    ]

    /// Trains `network` on (x, target) pairs drawn by `sample`; returns the PSNR over `evaluation`.
    func fit(encoding: String, network: String, inputWidth: Int, outputWidth: Int, steps: Int, batch: Int,
             learningRate: Double, sample: (inout RandomGenerator, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
             evaluation: [Float], expected: [Float]) throws -> Double {
        let trainer = try ModelFactory.makeTrainer(
            encoding: try JSONParser.parse(encoding), network: try JSONParser.parse(network),
            loss: try JSONParser.parse(#"{"otype": "L2"}"#),
            optimizer: try JSONParser.parse("{\"otype\": \"Adam\", \"learning_rate\": \(learningRate), \"beta2\": 0.99, \"epsilon\": 1e-15, \"l2_reg\": 0}"),
            inputWidth: inputWidth, outputWidth: outputWidth, batchCapacity: max(batch, 1_024), seed: 7, file: "test.json")
        let pool = WorkerPool(threads: 2)
        let x = FloatBuffer(count: batch * inputWidth), y = FloatBuffer(count: batch * outputWidth)
        var rng = RandomGenerator(seed: 11)
        for _ in 0..<steps {
            for r in 0..<batch { sample(&rng, x.pointer + r * inputWidth, y.pointer + r * outputWidth) }
            trainer.step(input: x.pointer, target: y.pointer, batch: batch, pool: pool)
        }
        var prediction = [Float](repeating: 0, count: expected.count)
        evaluation.withUnsafeBufferPointer { e in prediction.withUnsafeMutableBufferPointer { p in
            trainer.infer(input: e.baseAddress!, output: p.baseAddress!, batch: evaluation.count / inputWidth, pool: pool)
        } }
        var mse = 0.0
        for i in 0..<expected.count { let d = Double(min(max(prediction[i], 0), 1) - expected[i]); mse += d * d }
        mse /= Double(expected.count)
        return -10 * log10(max(mse, 1e-12))
    }

    /// f(x) = 0.5 + 0.35·sin(6πx)·cos(2πx) on [0, 1].
    static func curve(_ x: Float) -> Float { 0.5 + 0.35 * sin(6 * .pi * x) * cos(2 * .pi * x) }

    @Test(arguments: DecoderFitTests.decoders.map(\.name))
    func fitsA1DFunction(_ name: String) throws {
        let json = DecoderFitTests.decoders.first { $0.name == name }!.json
        let grid = (0..<256).map { (Float($0) + 0.5) / 256 }
        let psnr = try fit(encoding: #"{"otype": "Frequency", "n_frequencies": 4}"#, network: json, inputWidth: 1,
                           outputWidth: 1, steps: 400, batch: 256, learningRate: 1e-2,
                           sample: { rng, x, y in x[0] = rng.nextFloat(); y[0] = DecoderFitTests.curve(x[0]) },
                           evaluation: grid, expected: grid.map(DecoderFitTests.curve))
        print("decoder fit 1D \(name): \(psnr) dB")
        #expect(psnr >= DecoderFitTests.thresholds[name]!.curve, "\(name): \(psnr) dB")
    }

    /// A 32×32 analytic image: smooth colour ramps, rings and a hard-edged disk (as Fields' "rings", smaller).
    static func pixel(_ u: Float, _ v: Float) -> SIMD3<Float> {
        let r = ((u - 0.45) * (u - 0.45) + (v - 0.5) * (v - 0.5)).squareRoot()
        let ring = 0.5 + 0.5 * cos(r * 30)
        var c = SIMD3<Float>(0.25 + 0.5 * u, 0.3 + 0.4 * v, 0.6 - 0.3 * u * v) * (1 - 0.5 * ring)
            + 0.5 * ring * SIMD3<Float>(0.5 + 0.5 * sin(r * 9), 0.5 + 0.5 * sin(r * 9 + 2.1), 0.5 + 0.5 * sin(r * 9 + 4.2))
        if (u - 0.75) * (u - 0.75) + (v - 0.25) * (v - 0.25) < 0.015 { c = SIMD3(0.95, 0.3, 0.2) }
        return c
    }

    /// The pixel centres (uv, row-major) and colours (rgb) of the `side` × `side` analytic image of `pixel`.
    static func analyticImage(side: Int) -> (uv: [Float], rgb: [Float]) {
        var uv: [Float] = [], rgb: [Float] = []
        for y in 0..<side {
            for x in 0..<side {
                let u = (Float(x) + 0.5) / Float(side), v = (Float(y) + 0.5) / Float(side)
                let c = pixel(u, v)
                uv += [u, v]
                rgb += [c.x, c.y, c.z]
            }
        }
        return (uv, rgb)
    }

    @Test(arguments: DecoderFitTests.decoders.map(\.name))
    func fitsAnAnalyticImage(_ name: String) throws {
        let json = DecoderFitTests.decoders.first { $0.name == name }!.json
        let side = 32
        let (uv, rgb) = DecoderFitTests.analyticImage(side: side)
        let psnr = try fit(encoding: #"{"otype": "HashGrid", "n_levels": 6, "n_features_per_level": 2, "log2_hashmap_size": 10, "base_resolution": 4, "per_level_scale": 1.5}"#,
                           network: json, inputWidth: 2, outputWidth: 3, steps: 300, batch: 512, learningRate: 1e-2,
                           sample: { rng, x, y in
                               let i = rng.nextInt(below: side * side)
                               x[0] = uv[2 * i]; x[1] = uv[2 * i + 1]
                               y[0] = rgb[3 * i]; y[1] = rgb[3 * i + 1]; y[2] = rgb[3 * i + 2]
                           }, evaluation: uv, expected: rgb)
        print("decoder fit image \(name): \(psnr) dB")
        #expect(psnr >= DecoderFitTests.thresholds[name]!.image, "\(name): \(psnr) dB")
    }
}
