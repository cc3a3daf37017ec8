import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// Each KAN decoder, built by the factory from JSON, fits a 1D function and a small analytic image to a fixed
/// threshold in a fixed number of steps (fixed seeds; no wall-clock limits).
struct KANFitTests {
    /// The network configs under test (small, so that debug builds run them quickly).
    static let networks: [(String, String)] = [
        ("KAN", #"{"otype": "KAN", "n_neurons": 16, "n_hidden_layers": 1, "grid_size": 5, "spline_order": 3}"#),
        ("GRKAN", #"{"otype": "GRKAN", "n_neurons": 16, "n_hidden_layers": 1, "groups": 4}"#),
        ("AFKAN", #"{"otype": "AFKAN", "n_neurons": 16, "n_hidden_layers": 1}"#),
        ("SKAN", #"{"otype": "SKAN", "n_neurons": 16, "n_hidden_layers": 1, "basis": "lss"}"#),
        ("SKAN mixed", #"{"otype": "SKAN", "n_neurons": 16, "n_hidden_layers": 1, "basis": ["lss", "lsin", "lswish"]}"#),
    ]

    func trainer(encoding: String, network: String, inputWidth: Int, outputWidth: Int, batch: Int, lr: Double) throws -> Trainer {
        try ModelFactory.makeTrainer(encoding: try JSONParser.parse(encoding), network: try JSONParser.parse(network),
                                     loss: try JSONParser.parse(#"{"otype": "L2"}"#),
                                     optimizer: try JSONParser.parse("{\"otype\": \"Adam\", \"learning_rate\": \(lr), \"beta2\": 0.99}"),
                                     inputWidth: inputWidth, outputWidth: outputWidth, batchCapacity: batch, seed: 7, file: "test.json")
    }

    func predict(_ trainer: Trainer, _ x: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * trainer.model.outputWidth)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            trainer.model.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: batch, context: nil, pool: WorkerPool(threads: 2))
        } }
        return y
    }

    /// sin(2πx) on [0, 1]: 600 Adam steps of 256 random points; mean squared error on 200 even points.
    @Test(arguments: networks)
    func fitsSine(_ name: String, _ network: String) throws {
        // KAN and GRKAN see x itself. AF-KAN's LayerNorm needs ≥ 3 inputs: a 2-octave Frequency encoding.
        // SKAN's edges f(x; k) have no shift, so on a bare x every node is a monotone curve through the origin;
        // it sees (sin πx, cos πx) and must learn sin 2πx = 2 sin πx cos πx, a product.
        let encoding: String
        switch name {
        case "AFKAN": encoding = #"{"otype": "Frequency", "n_frequencies": 2}"#
        case "KAN", "GRKAN": encoding = #"{"otype": "Identity"}"#
        default: encoding = #"{"otype": "Frequency", "n_frequencies": 1}"#
        }
        let batch = 256
        let t = try trainer(encoding: encoding, network: network, inputWidth: 1, outputWidth: 1, batch: batch, lr: 1e-2)
        var rng = RandomGenerator(seed: 11)
        var x = [Float](repeating: 0, count: batch), y = [Float](repeating: 0, count: batch)
        let pool = WorkerPool(threads: 2)
        for _ in 0..<600 {
            for i in 0..<batch { x[i] = rng.nextFloat(); y[i] = sin(2 * .pi * x[i]) }
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                _ = t.step(input: xp.baseAddress!, target: yp.baseAddress!, batch: batch, pool: pool) } }
        }
        let grid = (0..<200).map { Float($0) / 199 }
        let p = predict(t, grid, batch: 200)
        let mse = zip(grid, p).reduce(0.0) { $0 + Double(($1.1 - sin(2 * .pi * $1.0)) * ($1.1 - sin(2 * .pi * $1.0))) } / 200
        #expect(mse < KANFitTests.sineThreshold[name]!, "\(name): mse \(mse)")
    }

    /// Mean squared errors reached when written (release and debug agree bit for bit): KAN 3.7e-5, GRKAN 2.4e-5,
    /// AF-KAN 2.0e-5, SKAN 3.4e-4, SKAN mixed 5.8e-5 (the target's variance is 0.5). KAN and GRKAN at this lr
    /// are sensitive to rounding: over data seeds 11–15 they reached 1.5e-5 … 4.4e-4 and 3.4e-5 … 3.0e-4 (after
    /// the GEMM kernel change, `SmallGemm`, seed 11 gives KAN 4.4e-4, GRKAN 1.1e-4), hence their 1e-3.
    static let sineThreshold: [String: Double] = ["KAN": 1e-3, "GRKAN": 1e-3, "AFKAN": 2e-4, "SKAN": 2e-3, "SKAN mixed": 5e-4]

    /// A 32×32 analytic RGB image (smooth colour waves and a soft disc).
    static func image(_ u: Float, _ v: Float) -> SIMD3<Float> {
        let disc: Float = 1 / (1 + exp(40 * ((u - 0.6) * (u - 0.6) + (v - 0.4) * (v - 0.4) - 0.06)))
        return SIMD3(0.5 + 0.4 * sin(2 * .pi * u) * cos(.pi * v), 0.2 + 0.6 * v * v, 0.2 + 0.7 * disc)
    }

    /// The image through a small hash grid: 400 full-image Adam steps; PSNR over all pixels.
    @Test(arguments: networks)
    func fitsAnImage(_ name: String, _ network: String) throws {
        let side = 32, count = side * side
        var x = [Float](repeating: 0, count: 2 * count), y = [Float](repeating: 0, count: 3 * count)
        for j in 0..<side {
            for i in 0..<side {
                let p = j * side + i
                let u = (Float(i) + 0.5) / Float(side), v = (Float(j) + 0.5) / Float(side)
                let c = KANFitTests.image(u, v)
                x[2 * p] = u; x[2 * p + 1] = v
                y[3 * p] = c.x; y[3 * p + 1] = c.y; y[3 * p + 2] = c.z
            }
        }
        let encoding = #"{"otype": "HashGrid", "n_levels": 4, "n_features_per_level": 2, "log2_hashmap_size": 10, "base_resolution": 4, "per_level_scale": 2}"#
        let t = try trainer(encoding: encoding, network: network, inputWidth: 2, outputWidth: 3, batch: count, lr: 1e-2)
        let pool = WorkerPool(threads: 2)
        for _ in 0..<400 {
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                _ = t.step(input: xp.baseAddress!, target: yp.baseAddress!, batch: count, pool: pool) } }
        }
        let p = predict(t, x, batch: count)
        let mse = zip(p, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(3 * count)
        let psnr = -10 * log10(mse)
        #expect(psnr > KANFitTests.imageThreshold[name]!, "\(name): PSNR \(psnr) dB")
    }

    /// PSNRs reached when written: KAN 57.7, GRKAN 51.9, AF-KAN 42.8, SKAN 51.4, SKAN mixed 41.4 dB.
    static let imageThreshold: [String: Double] = ["KAN": 35, "GRKAN": 35, "AFKAN": 35, "SKAN": 35, "SKAN mixed": 35]
}
