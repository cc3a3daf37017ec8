import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// The factory builds what tiny-cuda-nn-style JSON says, and rejects what it does not understand.
struct FactoryTests {
    func config(_ text: String, path: String = "encoding") throws -> ConfigObject {
        try ConfigObject(try JSONParser.parse(text, file: "scene.json"), file: "scene.json", path: path)
    }

    @Test func buildsEachEncodingWithItsWidth() throws {
        let hash = try ModelFactory.makeEncoding(try config(#"{"otype": "hashgrid", "n_levels": 4, "n_features_per_level": 2, "log2_hashmap_size": 10}"#), inputWidth: 2)
        #expect(hash.outputWidth == 8 && hash.inputWidth == 2)
        let dense = try ModelFactory.makeEncoding(try config(#"{"otype": "DenseGrid", "n_levels": 3, "n_features_per_level": 4, "base_resolution": 4}"#), inputWidth: 3)
        #expect(dense.outputWidth == 12)
        let freq = try ModelFactory.makeEncoding(try config(#"{"otype": "Frequency", "n_frequencies": 6}"#), inputWidth: 3)
        #expect(freq.outputWidth == 36)
        let identity = try ModelFactory.makeEncoding(try config(#"{"OTYPE": "Identity"}"#), inputWidth: 5)
        #expect(identity.outputWidth == 5 && identity.parameterCount == 0)
    }

    @Test func buildsTheMLPWithTcnnParameterCount() throws {
        let net = try ModelFactory.makeNetwork(try config(#"{"otype": "FullyFusedMLP", "n_neurons": 64, "n_hidden_layers": 2, "activation": "ReLU", "output_activation": "Sigmoid"}"#, path: "network"),
                                               inputWidth: 32, outputWidth: 3)
        #expect(net.parameterCount == 32 * 64 + 64 * 64 + 64 * 3)
        #expect(net.parameterTensors.allSatisfy { $0.kind == .matrix })
        let biased = try ModelFactory.makeNetwork(try config(#"{"otype": "MLP", "n_neurons": 16, "n_hidden_layers": 1, "use_biases": true}"#, path: "network"),
                                                  inputWidth: 4, outputWidth: 2)
        #expect(biased.parameterCount == 4 * 16 + 16 + 16 * 2 + 2)
    }

    @Test func buildsLossesAndOptimizers() throws {
        for name in ["L2", "l1", "Huber", "SmoothL1", "RelativeL2", "MAPE"] {
            _ = try ModelFactory.makeLoss(try config("{\"otype\": \"\(name)\"}", path: "loss"))
        }
        let wrapped = try ModelFactory.makeOptimizer(try config(#"{"otype": "Ema", "decay": 0.95, "nested": {"otype": "ExponentialDecay", "decay_start": 100, "nested": {"otype": "Adam", "learning_rate": 0.01}}}"#, path: "optimizer"))
        #expect(abs(wrapped.currentLearningRate - 0.01) < 1e-9)
    }

    @Test func errorsNameTheKeyPath() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch let e as FieldError { return e.description } catch { return "\(error)" }
        }
        let unknown = message { _ = try ModelFactory.makeEncoding(try config(#"{"otype": "Hash"}"#), inputWidth: 2) }
        #expect(unknown.contains("scene.json") && unknown.contains("encoding.otype") && unknown.contains("Hash"))
        let extra = message { _ = try ModelFactory.makeEncoding(try config(#"{"otype": "Frequency", "n_freqs": 3}"#), inputWidth: 2) }
        #expect(extra.contains("encoding.n_freqs") && extra.contains("unknown key"))
        let nested = message { _ = try ModelFactory.makeOptimizer(try config(#"{"otype": "Ema", "nested": {"otype": "Adam", "beta1": "x"}}"#, path: "optimizer")) }
        #expect(nested.contains("optimizer.nested.beta1"))
        let missing = message { _ = try ModelFactory.makeNetwork(try config(#"{"n_neurons": 3}"#, path: "network"), inputWidth: 2, outputWidth: 1) }
        #expect(missing.contains("network.otype") && missing.contains("missing"))
    }

    @Test func trainerTrainsAComposedModel() throws {
        let trainer = try ModelFactory.makeTrainer(
            encoding: try JSONParser.parse(#"{"otype": "HashGrid", "n_levels": 4, "log2_hashmap_size": 10, "base_resolution": 4, "per_level_scale": 2}"#),
            network: try JSONParser.parse(#"{"otype": "MLP", "n_neurons": 16, "n_hidden_layers": 1}"#),
            loss: try JSONParser.parse(#"{"otype": "L2"}"#),
            optimizer: try JSONParser.parse(#"{"otype": "Adam", "learning_rate": 0.01}"#),
            inputWidth: 2, outputWidth: 1, batchCapacity: 256, seed: 1, file: "scene.json")
        #expect(trainer.store.segments.first?.name.hasPrefix("encoding.") == true)
        #expect(trainer.store.segments.last?.name.hasPrefix("network.") == true)
        var rng = RandomGenerator(seed: 5)
        var x = [Float](repeating: 0, count: 512), y = [Float](repeating: 0, count: 256)
        for i in 0..<256 { x[2 * i] = rng.nextFloat(); x[2 * i + 1] = rng.nextFloat(); y[i] = 0.5 * x[2 * i] + 0.25 }
        let pool = WorkerPool(threads: 1)
        var first: Float = 0, last: Float = 0
        for s in 0..<200 {
            let l = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                trainer.step(input: xp.baseAddress!, target: yp.baseAddress!, batch: 256, pool: pool) } }
            if s == 0 { first = l }
            last = l
        }
        #expect(last < first * 0.05, "loss \(first) → \(last)")
    }
}
