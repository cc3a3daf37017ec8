import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// The factory builds every alternative decoder from tcnn-style JSON with its documented defaults, and each
/// bad value gets one clear line naming the file and key.
struct DecoderFactoryTests {
    typealias S = DecoderTestSupport

    func build(_ json: String, inputWidth: Int = 32, outputWidth: Int = 3) throws -> DifferentiableModule {
        try ModelFactory.makeNetwork(try S.config(json), inputWidth: inputWidth, outputWidth: outputWidth)
    }

    @Test func buildsEachDecoderWithItsDefaults() throws {
        let hourglass = try #require(try build(#"{"otype": "hourglassmlp"}"#) as? HourglassMLP)
        #expect(hourglass.width == 64 && hourglass.bottleneck == 16 && hourglass.blocks == 3 && hourglass.norm == .none)
        #expect(hourglass.activation == .relu && hourglass.outputActivation == .none && !hourglass.useBiases)
        #expect(hourglass.liftSeed == 0 && hourglass.parameterCount == 3 * 2 * 64 * 16 + 64 * 3)

        let glu = try #require(try build(#"{"otype": "GLU"}"#) as? GLU)
        #expect(glu.width == 64 && glu.hiddenLayers == 2 && glu.gate == .gelu && glu.norm == .none)
        #expect(glu.useBiases && glu.parameterCount == 32 * 128 + 64 * 128 + 64 * 3 + 2 * 128 + 3)
        #expect(try build(#"{"otype": "GatedMLP"}"#) is GLU)

        let poly = try #require(try build(#"{"otype": "PolyMLP"}"#) as? PolyMLP)
        #expect(poly.width == 64 && poly.hiddenLayers == 2 && poly.activation == .polyReLU && poly.degree == 3)
        #expect(poly.parameterCount == 32 * 64 + 64 * 64 + 64 * 3 + 2 * 4)

        let quad = try #require(try build(#"{"otype": "QuadraticMLP"}"#) as? QuadraticMLP)
        #expect(quad.width == 64 && quad.hiddenLayers == 2 && quad.activation == .relu)
        #expect(quad.quadraticLearningRateScale == QuadraticMLP.defaultQuadraticLearningRateScale)
        #expect(quad.parameterCount == 3 * (32 * 64 + 64 * 64 + 64 * 3) + 3 * (64 + 64 + 3))
    }

    @Test func readsEveryOption() throws {
        let h = try #require(try build(#"{"otype": "HourglassMLP", "n_neurons": 48, "n_bottleneck": 12, "n_blocks": 2, "activation": "SiLU", "norm": "rmsnorm", "output_activation": "Sigmoid", "use_biases": true, "lift_seed": 9}"#) as? HourglassMLP)
        #expect(h.width == 48 && h.bottleneck == 12 && h.blocks == 2 && h.activation == .silu && h.norm == .rmsNorm)
        #expect(h.outputActivation == .sigmoid && h.useBiases && h.liftSeed == 9)

        let g = try #require(try build(#"{"otype": "GatedMLP", "n_neurons": 16, "n_hidden_layers": 3, "activation": "Swish", "norm": "None", "output_activation": "Tanh", "use_biases": true}"#) as? GLU)
        #expect(g.width == 16 && g.hiddenLayers == 3 && g.gate == .silu && g.norm == .none && g.outputActivation == .tanh && g.useBiases)

        let p = try #require(try build(#"{"otype": "PolyMLP", "n_neurons": 20, "n_hidden_layers": 1, "activation": "PolyReLU", "degree": 5, "output_activation": "Sigmoid", "use_biases": true}"#) as? PolyMLP)
        #expect(p.width == 20 && p.hiddenLayers == 1 && p.activation == .polyReLU && p.degree == 5 && p.useBiases)
        #expect(p.parameterTensors.last?.shape == [6])

        let q = try #require(try build(#"{"otype": "QuadraticMLP", "n_neurons": 8, "n_hidden_layers": 0, "activation": "Tanh", "output_activation": "Sigmoid", "quadratic_lr_scale": 0.5}"#) as? QuadraticMLP)
        #expect(q.width == 8 && q.hiddenLayers == 0 && q.activation == .tanh && q.quadraticLearningRateScale == 0.5)
        #expect(q.parameterCount == 3 * 32 * 3 + 3 * 3)
    }

    @Test func mlpOtypesWithAPolyComActivationBuildAPolyMLP() throws {
        let p = try #require(try build(#"{"otype": "FullyFusedMLP", "activation": "polyrelu", "n_neurons": 16, "n_hidden_layers": 2}"#) as? PolyMLP)
        #expect(p.activation == .polyReLU && p.width == 16)
        #expect(try build(#"{"otype": "MLP", "activation": "ReLU"}"#) is MLP)
        #expect(ModelFactory.networkTypes.contains("HourglassMLP") && ModelFactory.networkTypes.contains("QuadraticMLP"))
    }

    @Test func eachDecoderTrainsInsideATrainer() throws {
        for network in [#"{"otype": "HourglassMLP", "n_neurons": 16, "n_bottleneck": 4, "n_blocks": 2}"#,
                        #"{"otype": "GLU", "n_neurons": 8, "n_hidden_layers": 1}"#,
                        #"{"otype": "PolyMLP", "n_neurons": 8, "n_hidden_layers": 1}"#,
                        #"{"otype": "QuadraticMLP", "n_neurons": 8, "n_hidden_layers": 1}"#] {
            let trainer = try ModelFactory.makeTrainer(
                encoding: try JSONParser.parse(#"{"otype": "Frequency", "n_frequencies": 2}"#),
                network: try JSONParser.parse(network), loss: try JSONParser.parse(#"{"otype": "L2"}"#),
                optimizer: try JSONParser.parse(#"{"otype": "Adam", "learning_rate": 0.01}"#),
                inputWidth: 2, outputWidth: 1, batchCapacity: 64, seed: 1, file: "scene.json")
            #expect(trainer.store.segments.last?.name.hasPrefix("network.") == true)
            var x = [Float](repeating: 0, count: 128), y = [Float](repeating: 0, count: 64)
            var rng = RandomGenerator(seed: 2)
            for i in 0..<64 { x[2 * i] = rng.nextFloat(); x[2 * i + 1] = rng.nextFloat(); y[i] = 0.5 * x[2 * i] }
            let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                trainer.step(input: xp.baseAddress!, target: yp.baseAddress!, batch: 64, pool: WorkerPool(threads: 1)) } }
            #expect(loss.isFinite, "\(network)")
        }
    }

    /// Each bad value: one line, naming the file and the key.
    @Test(arguments: [
        (#"{"otype": "HourglassMLP", "n_neurons": 0}"#, "network.n_neurons", "1...65536"),
        (#"{"otype": "HourglassMLP", "n_neurons": 32, "n_bottleneck": 64}"#, "network.n_bottleneck", "wider than n_neurons"),
        (#"{"otype": "HourglassMLP", "n_bottleneck": 0}"#, "network.n_bottleneck", "1...65536"),
        (#"{"otype": "HourglassMLP", "n_blocks": 0}"#, "network.n_blocks", "1...1000"),
        (#"{"otype": "HourglassMLP", "norm": "BatchNorm"}"#, "network.norm", "LayerNorm"),
        (#"{"otype": "HourglassMLP", "lift_seed": -1}"#, "network.lift_seed", "0..."),
        (#"{"otype": "HourglassMLP", "n_hidden_layers": 2}"#, "network.n_hidden_layers", "unknown key"),
        (#"{"otype": "GLU", "n_hidden_layers": 0}"#, "network.n_hidden_layers", "1...1000"),
        (#"{"otype": "GLU", "activation": "Tanh"}"#, "network.activation", "GELU"),
        (#"{"otype": "GLU", "n_neurons": 2.5}"#, "network.n_neurons", "integer"),
        (#"{"otype": "GLU", "norm": 3}"#, "network.norm", "string"),
        (#"{"otype": "PolyMLP", "activation": "ReLU"}"#, "network.activation", "PolyReLU"),
        (#"{"otype": "PolyMLP", "degree": 0}"#, "network.degree", "1...6"),
        (#"{"otype": "PolyMLP", "degree": 9}"#, "network.degree", "1...6"),
        (#"{"otype": "PolyMLP", "n_hidden_layers": 0}"#, "network.n_hidden_layers", "1...1000"),
        (#"{"otype": "MLP", "activation": "PolyNorm", "degree": 7}"#, "network.degree", "1...6"),
        (#"{"otype": "MLP", "activation": "PolyNorm", "feedback_alignment": false}"#, "network.feedback_alignment", "unknown key"),
        (#"{"otype": "QuadraticMLP", "quadratic_lr_scale": 2}"#, "network.quadratic_lr_scale", "0.0...1.0"),
        (#"{"otype": "QuadraticMLP", "quadratic_lr_scale": -0.1}"#, "network.quadratic_lr_scale", "0.0...1.0"),
        (#"{"otype": "QuadraticMLP", "use_biases": true}"#, "network.use_biases", "unknown key"),
        (#"{"otype": "QuadraticMLP", "n_hidden_layers": -1}"#, "network.n_hidden_layers", "0...1000"),
        (#"{"otype": "Hourglass"}"#, "network.otype", "HourglassMLP"),
    ])
    func badValuesGetOneClearLine(_ json: String, _ location: String, _ fragment: String) {
        guard let error = S.factoryError(json) else { Issue.record("accepted \(json)"); return }
        #expect(error.file == "scene.json" && error.location == location, "\(json): \(error)")
        #expect(error.description.contains(fragment), "\(json): \(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test func zeroWidthsAreRefused() {
        for otype in ["HourglassMLP", "GLU", "PolyMLP", "QuadraticMLP"] {
            let error = S.factoryError("{\"otype\": \"\(otype)\"}", inputWidth: 0)
            #expect(error?.location == "network" && error?.message.contains("positive input and output widths") == true, "\(otype)")
        }
    }
}
