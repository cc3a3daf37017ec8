import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// The factory builds every KAN decoder from tcnn-style JSON with its options, and each bad option gives one
/// clear error naming its key.
struct KANFactoryTests {
    func network(_ text: String, inputWidth: Int = 32, outputWidth: Int = 3) throws -> DifferentiableModule {
        try ModelFactory.makeNetwork(try ConfigObject(try JSONParser.parse(text, file: "scene.json"), file: "scene.json", path: "network"),
                                     inputWidth: inputWidth, outputWidth: outputWidth)
    }

    @Test func buildsTheBSplineKANWithItsOptions() throws {
        let net = try #require(try network(#"{"otype": "kan", "n_neurons": 16, "n_hidden_layers": 1, "grid_size": 7, "spline_order": 2, "grid_range": [-2, 3], "base_activation": "Tanh", "output_activation": "Sigmoid"}"#) as? KANNetwork)
        #expect(net.variant == .bSpline(BSplineKANOptions(gridSize: 7, splineOrder: 2, gridRange: -2...3, baseActivation: .tanh)))
        #expect(net.outputActivation == .sigmoid && net.width == 16 && net.hiddenLayers == 1)
        #expect(net.parameterTensors.map(\.name) == ["layer0.base_weight", "layer0.spline_weight", "layer1.base_weight", "layer1.spline_weight"])
        #expect(net.parameterTensors[1].shape == [9, 32, 16])
        #expect(net.parameterCount == (32 * 16 + 16 * 3) * (1 + 9))
        let defaults = try #require(try network(#"{"otype": "KAN"}"#) as? KANNetwork)
        #expect(defaults.variant == .bSpline(BSplineKANOptions()) && defaults.width == 64 && defaults.hiddenLayers == 2)
    }

    @Test func buildsGRKANWithItsOptions() throws {
        let net = try #require(try network(#"{"otype": "GRKAN", "n_neurons": 24, "n_hidden_layers": 2, "groups": 6, "rational_init": "gelu", "input_rational_init": "swish", "use_biases": false}"#, inputWidth: 9) as? KANNetwork)
        #expect(net.variant == .groupRational(GroupRationalKANOptions(groups: 6, rationalInit: .gelu, inputRationalInit: .swish, useBiases: false)))
        let shapes = net.parameterTensors.map(\.shape)
        #expect(shapes == [[3, 6], [3, 4], [9, 24], [6, 6], [6, 4], [24, 24], [6, 6], [6, 4], [24, 3]])
        let defaults = try #require(try network(#"{"otype": "grkan"}"#) as? KANNetwork)
        #expect(defaults.variant == .groupRational(GroupRationalKANOptions()))
        #expect(defaults.parameterTensors.filter { $0.name.hasSuffix("bias") }.count == 3)
    }

    @Test func buildsAFKANWithItsOptions() throws {
        let net = try #require(try network(#"{"otype": "AFKAN", "n_neurons": 8, "n_hidden_layers": 1, "grid_size": 4, "spline_order": 2, "function": "cubic1", "base_activation": "Tanh", "normalization": "none"}"#, inputWidth: 5) as? KANNetwork)
        #expect(net.variant == .activationFunction(AFKANOptions(gridSize: 4, order: 2, function: .cubic1, baseActivation: .tanh, normalization: .none)))
        #expect(net.parameterTensors.prefix(7).map(\.name) == ["layer0.weight", "layer0.low", "layer0.high", "layer0.attention",
                                                              "layer0.temperature", "layer0.norm_weight", "layer0.norm_bias"])
        #expect(net.parameterCount == (5 * 8 + 3 * 6 + 1 + 2 * 5) + (8 * 3 + 3 * 6 + 1 + 2 * 8))
        let defaults = try #require(try network(#"{"otype": "AFKAN"}"#) as? KANNetwork)
        #expect(defaults.variant == .activationFunction(AFKANOptions()))
    }

    @Test func buildsSKANWithOneOrManyBases() throws {
        let one = try #require(try network(#"{"otype": "SKAN", "n_neurons": 10, "n_hidden_layers": 1, "basis": "LArctan"}"#, inputWidth: 4) as? KANNetwork)
        #expect(one.variant == .singleParameter(SKANOptions(bases: [.larctan])))
        #expect(one.parameterTensors.map(\.shape) == [[5, 10], [11, 3]])
        let many = try #require(try network(#"{"otype": "SKAN", "basis": ["lss", "lsin", "lleaky_relu"], "use_biases": false}"#, inputWidth: 4) as? KANNetwork)
        #expect(many.variant == .singleParameter(SKANOptions(bases: [.lss, .lsin, .lleakyReLU], useBiases: false)))
        #expect(many.parameterTensors.first!.shape == [4, 64])
    }

    @Test func trainerBuildsEachDecoderBehindAnEncoding() throws {
        for net in [#"{"otype": "KAN", "n_neurons": 8}"#, #"{"otype": "GRKAN", "n_neurons": 8}"#,
                    #"{"otype": "AFKAN", "n_neurons": 8}"#, #"{"otype": "SKAN", "n_neurons": 8}"#] {
            let trainer = try ModelFactory.makeTrainer(
                encoding: try JSONParser.parse(#"{"otype": "Frequency", "n_frequencies": 2}"#), network: try JSONParser.parse(net),
                loss: try JSONParser.parse(#"{"otype": "L2"}"#), optimizer: try JSONParser.parse(#"{"otype": "Adam"}"#),
                inputWidth: 3, outputWidth: 4, batchCapacity: 64, seed: 1, file: "scene.json")
            #expect(trainer.model.outputWidth == 4 && trainer.store.segments.last!.name.hasPrefix("network.layer2."))
        }
    }

    /// (otype, extra keys, input width, the key the error must name, a phrase it must contain)
    static let badInputs: [(String, String, Int, String, String)] = [
        ("KAN", #""grid_size": 0"#, 4, "grid_size", "1...256"),
        ("KAN", #""grid_size": 100000"#, 4, "grid_size", "1...256"),
        ("KAN", #""grid_size": 2.5"#, 4, "grid_size", "integer"),
        ("KAN", #""spline_order": 0"#, 4, "spline_order", "1...5"),
        ("KAN", #""spline_order": 6"#, 4, "spline_order", "1...5"),
        ("KAN", #""grid_range": [1, -1]"#, 4, "grid_range", "lo < hi"),
        ("KAN", #""grid_range": [0]"#, 4, "grid_range", "two numbers"),
        ("KAN", #""grid_range": "wide""#, 4, "grid_range", "array"),
        ("KAN", #""base_activation": "GELU""#, 4, "base_activation", "unknown value"),
        ("KAN", #""groups": 4"#, 4, "groups", "unknown key"),
        ("GRKAN", #""n_neurons": 60, "groups": 8"#, 4, "groups", "do not divide n_neurons = 60"),
        ("GRKAN", #""groups": 0"#, 4, "groups", "1...4096"),
        ("GRKAN", #""rational_init": "relu""#, 4, "rational_init", "identity, swish, gelu"),
        ("GRKAN", #""input_rational_init": 3"#, 4, "input_rational_init", "expected a string"),
        ("GRKAN", #""use_biases": "yes""#, 4, "use_biases", "true or false"),
        ("AFKAN", #""grid_size": 0"#, 4, "grid_size", "1...64"),
        ("AFKAN", #""spline_order": 9"#, 4, "spline_order", "1...5"),
        ("AFKAN", #""function": "quad3""#, 4, "function", "quad1"),
        ("AFKAN", #""normalization": "batch""#, 4, "normalization", "sample, none"),
        ("AFKAN", #""n_neurons": 2"#, 4, "n_neurons", "at least 3"),
        ("AFKAN", "", 2, "", "at least 3"),
        ("SKAN", #""basis": "lgelu""#, 4, "basis", "unknown basis \"lgelu\""),
        ("SKAN", #""basis": ["lss", "nope"]"#, 4, "basis", "item 1: unknown basis"),
        ("SKAN", #""basis": []"#, 4, "basis", "empty list"),
        ("SKAN", #""basis": 5"#, 4, "basis", "a basis name or a list"),
        ("SKAN", #""grid_size": 5"#, 4, "grid_size", "unknown key"),
        ("SKAN", #""n_neurons": 0"#, 4, "n_neurons", "1...4096"),
        ("SKAN", #""n_hidden_layers": -1"#, 4, "n_hidden_layers", "0...64"),
        ("KAN", #""output_activation": "Swish""#, 4, "output_activation", "unknown value"),
    ]

    @Test(arguments: badInputs)
    func eachBadOptionGivesItsError(_ otype: String, _ extra: String, _ inputWidth: Int, _ key: String, _ phrase: String) {
        let text = "{\"otype\": \"\(otype)\"\(extra.isEmpty ? "" : ", " + extra)}"
        do {
            _ = try network(text, inputWidth: inputWidth)
            Issue.record("accepted \(text)")
        } catch let error as FieldError {
            let location = key.isEmpty ? "network" : "network.\(key)"
            #expect(error.location == location && error.file == "scene.json", "\(text): \(error)")
            #expect(error.description.contains(phrase) && !error.description.contains("\n"), "\(text): \(error)")
        } catch {
            Issue.record("\(text): \(error)")
        }
    }
}
