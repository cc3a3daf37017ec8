import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// The decoders the `decoders` figures time, as network JSON for 32 inputs (a 16-level hash grid's features)
/// and 3 outputs. Add a line to time another decoder; `polynomial` marks those held to ≤ 2× the MLP.
let benchmarkDecoders: [(name: String, json: String, polynomial: Bool)] = [
    ("HourglassMLP 64/16 × 3 blocks", #"{"otype": "HourglassMLP", "n_neurons": 64, "n_bottleneck": 16, "n_blocks": 3}"#, false),
    ("HourglassMLP 64/16 × 3, LayerNorm", #"{"otype": "HourglassMLP", "n_neurons": 64, "n_bottleneck": 16, "n_blocks": 3, "norm": "LayerNorm"}"#, false),
    ("GLU 42 × 2, GELU", #"{"otype": "GLU", "n_neurons": 42, "n_hidden_layers": 2}"#, false),
    ("GLU 42 × 2, GELU, LayerNorm", #"{"otype": "GLU", "n_neurons": 42, "n_hidden_layers": 2, "norm": "LayerNorm"}"#, false),
    ("PolyMLP 64 × 2, PolyReLU", #"{"otype": "PolyMLP", "n_neurons": 64, "n_hidden_layers": 2, "activation": "PolyReLU"}"#, true),
    ("PolyMLP 64 × 2, PolyNorm", #"{"otype": "PolyMLP", "n_neurons": 64, "n_hidden_layers": 2, "activation": "PolyNorm"}"#, true),
    ("QuadraticMLP 32 × 2", #"{"otype": "QuadraticMLP", "n_neurons": 32, "n_hidden_layers": 2}"#, true),
    ("KAN (B-spline) 32 × 2, G 5, k 3", #"{"otype": "KAN", "n_neurons": 32, "n_hidden_layers": 2}"#, true),
    ("GRKAN 64 × 2, 8 groups", #"{"otype": "GRKAN", "n_neurons": 64, "n_hidden_layers": 2}"#, true),
    ("AFKAN 64 × 2, G 3, K 3, quad1", #"{"otype": "AFKAN", "n_neurons": 64, "n_hidden_layers": 2}"#, false),
    ("SKAN 64 × 2, lss", #"{"otype": "SKAN", "n_neurons": 64, "n_hidden_layers": 2}"#, false),
    ("SKAN 64 × 2, lsin (GEMM path)", #"{"otype": "SKAN", "n_neurons": 64, "n_hidden_layers": 2, "basis": "lsin"}"#, false),
]

/// Time per training step (forward, backward with the input gradient — as behind an encoding — gradient
/// zeroing and an Adam step) of each decoder in `benchmarkDecoders`, against a ReLU MLP with two hidden layers
/// whose width gives the closest parameter count, at 2^16 and 2^14 rows. The decoder and its MLP are timed
/// alternately (best of 5 to 25 each, after a warm-up), so that a load on the machine weighs on both alike.
/// Reported as ms per step for both and as the decoder/MLP ratio (target ≤ 2 for the polynomial layers).
func decoderBenchmarks(threads: Int) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    let inputWidth = 32, outputWidth = 3
    var figures: [BenchFigure] = []
    let largest = 1 << 16
    var rng = RandomGenerator(seed: 17)
    let input = FloatBuffer(count: largest * inputWidth)
    for i in 0..<input.count { input[i] = rng.nextFloat(-1, 1) }
    let outputGradient = FloatBuffer(count: largest * outputWidth)
    for i in 0..<outputGradient.count { outputGradient[i] = rng.nextFloat(-1, 1) * 1e-3 }

    /// One training step of `module` on `batch` rows, with its parameters, optimizer and buffers set up.
    func stepper(_ module: DifferentiableModule, batch: Int) -> () -> Void {
        let store = ParameterStore(tensors: module.parameterTensors)
        module.bind(store.binding)
        var seedRNG = RandomGenerator(seed: 3)
        module.initializeParameters(&seedRNG)
        let adam = Adam()
        adam.allocate(for: store)
        let context = module.makeContext(capacity: batch)
        let output = FloatBuffer(count: batch * module.outputWidth)
        let inputGradient = FloatBuffer(count: batch * module.inputWidth)
        return {
            store.zeroGradients()
            module.forward(input: input.pointer, output: output.pointer, batch: batch, context: context, pool: pool)
            module.backward(input: input.pointer, output: output.pointer, outputGradient: outputGradient.pointer,
                            inputGradient: inputGradient.pointer, batch: batch, context: context, pool: pool)
            adam.step(store, pool: pool)
        }
    }

    /// Best seconds per step of `a` and of `b`, timed alternately: at least 5 pairs, more (up to 25) while
    /// the pairs take less than a second in all.
    func alternateBest(_ a: () -> Void, _ b: () -> Void) -> (Double, Double) {
        let t0 = monotonicSeconds()
        a(); b()
        let repeats = max(5, min(25, Int(1 / max(monotonicSeconds() - t0, 1e-3))))
        var best = (Double.infinity, Double.infinity)
        for _ in 0..<repeats {
            var t0 = monotonicSeconds()
            a()
            best.0 = min(best.0, monotonicSeconds() - t0)
            t0 = monotonicSeconds()
            b()
            best.1 = min(best.1, monotonicSeconds() - t0)
        }
        return best
    }

    /// The two-hidden-layer MLP width whose parameter count is closest to `count`.
    func matchingWidth(_ count: Int) -> Int {
        (4...1_024).min { a, b in
            abs(inputWidth * a + a * a + a * outputWidth - count) < abs(inputWidth * b + b * b + b * outputWidth - count)
        }!
    }

    for (name, json, polynomial) in benchmarkDecoders {
        let decoder: DifferentiableModule
        do {
            let config = try ConfigObject(try JSONParser.parse(json, file: "bench"), file: "bench", path: "network")
            decoder = try ModelFactory.makeNetwork(config, inputWidth: inputWidth, outputWidth: outputWidth)
        } catch {
            print("decoder benchmark \(name): \(error)")
            continue
        }
        let width = matchingWidth(decoder.parameterCount)
        let mlp = MLP(inputWidth: inputWidth, outputWidth: outputWidth, width: width, hiddenLayers: 2)
        for log2Batch in [16, 14] {
            let batch = 1 << log2Batch
            let (decoderTime, mlpTime) = alternateBest(stepper(decoder, batch: batch), stepper(mlp, batch: batch))
            let ratio = decoderTime / mlpTime
            let label = "decoders, 2^\(log2Batch) rows: \(name), \(decoder.parameterCount) params"
            figures.append(BenchFigure(name: "\(label): ms per step", value: decoderTime * 1e3, unit: "ms", target: "", met: nil))
            figures.append(BenchFigure(name: "\(label): MLP \(width) × 2 (\(mlp.parameterCount) params), ms per step",
                                       value: mlpTime * 1e3, unit: "ms", target: "", met: nil))
            figures.append(BenchFigure(name: "\(label): time per step / MLP's", value: ratio, unit: "×",
                                       target: polynomial ? "≤ 2" : "", met: polynomial ? ratio <= 2 : nil))
        }
    }
    return figures
}
