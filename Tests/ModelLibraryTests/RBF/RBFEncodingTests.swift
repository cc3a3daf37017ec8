import Foundation
import FieldIO
@testable import ModelLibrary
import TensorCore
import Testing

/// Finite-difference gradient checks of the RBF encoding (weights, bias, hybrid grid, inputs, and trainable
/// centres and shapes for both kernels, normalised and not), its contract, and the factory's bad-input errors.
struct RBFEncodingTests {
    /// An encoding from the factory (`json` is the encoding object).
    static func make(_ json: String, inputWidth: Int) throws -> RBFEncoding {
        let config = try ConfigObject(try JSONParser.parse(json, file: "scene.json"), file: "scene.json", path: "encoding")
        return try #require(try ModelFactory.makeEncoding(config, inputWidth: inputWidth) as? RBFEncoding)
    }

    /// The factory's error for `json`, or nil when it builds.
    static func error(_ json: String, inputWidth: Int = 2) -> FieldError? {
        do {
            let config = try ConfigObject(try JSONParser.parse(json, file: "scene.json"), file: "scene.json", path: "encoding")
            _ = try ModelFactory.makeEncoding(config, inputWidth: inputWidth)
            return nil
        } catch let e as FieldError { return e } catch { return FieldError(file: "?", location: "?", "\(error)") }
    }

    /// The seed of the checked inputs: one whose points lie no closer than ε to a tent kernel's kink (seed 5
    /// puts one point within 1e-3 of a tent's edge in 3D, where a central difference is meaningless).
    static let inputSeed: UInt64 = 6

    /// Inputs inside [0.1, 0.9]^d.
    static func inputs(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(0.1, 0.9) }
    }

    /// (name, json, d): every neighbour is used (k = K), so the neighbour set never changes under a finite
    /// difference; low frequencies keep central differences in Float accurate.
    static let gradientCases: [(String, String, Int)] = [
        ("ivq-2d-normalised", #"{"otype": "RBF", "n_kernels": 6, "n_neighbors": 6, "n_channels": 5, "frequencies": [0.5, 3], "trainable_kernels": true}"#, 2),
        ("ivq-2d-plain", #"{"otype": "RBF", "n_kernels": 6, "n_neighbors": 6, "n_channels": 9, "frequencies": [0.5, 3], "normalize": false, "trainable_kernels": true}"#, 2),
        ("ivq-3d-plain", #"{"otype": "RBF", "n_kernels": 8, "n_neighbors": 8, "kernel": "InverseQuadratic", "n_channels": 4, "frequencies": [0.5, 2], "normalize": false, "trainable_kernels": true}"#, 3),
        ("gauss-2d-normalised", #"{"otype": "RBF", "n_kernels": 6, "n_neighbors": 6, "kernel": "Gaussian", "n_channels": 5, "frequencies": [0.5, 3], "trainable_kernels": true}"#, 2),
        ("gauss-3d-plain", #"{"otype": "RBF", "n_kernels": 8, "n_neighbors": 8, "kernel": "Gaussian", "n_channels": 4, "frequencies": [0.5, 2], "normalize": false, "trainable_kernels": true}"#, 3),
        ("tent-3d-normalised", #"{"otype": "RBF", "n_kernels": 8, "n_neighbors": 8, "n_channels": 4, "frequencies": [0.5, 2], "trainable_kernels": true}"#, 3),
        ("tent-2d-plain", #"{"otype": "RBF", "n_kernels": 9, "n_neighbors": 9, "kernel": "Tent", "n_channels": 8, "frequencies": [0.5, 2], "normalize": false, "trainable_kernels": true}"#, 2),
        ("hybrid-2d-trainable", #"{"otype": "RBF", "n_kernels": 6, "n_neighbors": 6, "n_channels": 4, "frequencies": [0.5, 3], "trainable_kernels": true, "grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 6, "base_resolution": 3}}"#, 2),
        ("hybrid-3d-trainable", #"{"otype": "RBF", "n_kernels": 8, "n_neighbors": 8, "n_channels": 4, "frequencies": [0.5, 2], "trainable_kernels": true, "grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 1, "log2_hashmap_size": 6, "base_resolution": 3}}"#, 3),
    ]

    @Test(arguments: RBFEncodingTests.gradientCases.map(\.0))
    func gradientsMatchFiniteDifferences(_ name: String) throws {
        let (_, json, d) = RBFEncodingTests.gradientCases.first { $0.0 == name }!
        let module = try RBFEncodingTests.make(json, inputWidth: d)
        // With normalisation, compare the full derivative (the detached one drops only the −Σ G_i φ̃_i term).
        module.differentiateNormalizer = true
        let batch = 7
        let report = GradientCheck.check(module, input: RBFEncodingTests.inputs(batch * d, seed: RBFEncodingTests.inputSeed), batch: batch, seed: 3,
                                         epsilon: 1e-3, floor: 2e-2, maxParameters: 2_000) { store in
            // Weights and bias of order one so that every path carries gradient; kernels stay on the lattice
            // but are nudged off it (and, for IVQ, given off-diagonal terms).
            var rng = RandomGenerator(seed: 8)
            for s in store.segments {
                for i in s.offset..<(s.offset + s.count) {
                    if s.name == "weights" || s.name == "bias" || s.name.hasPrefix("grid.") { store.values[i] = rng.nextFloat(-1, 1) }
                    if s.name == "centres" { store.values[i] += rng.nextFloat(-0.05, 0.05) }
                    if s.name == "shapes" { store.values[i] += module.kernel == .tent ? rng.nextFloat(-0.2, 0.2) : rng.nextFloat(-1, 1) }
                }
            }
        }
        print("RBF gradient \(name): \(report)")
        #expect(report.parameterError < 0.03, "\(name): \(report)")
        #expect(report.inputError < 0.03, "\(name): \(report)")
        #expect(report.checked > module.parameterCount / 2)
    }

    @Test func frozenKernelsGetNoGradient() throws {
        let module = try RBFEncodingTests.make(#"{"otype": "RBF", "n_kernels": 9, "n_channels": 8}"#, inputWidth: 2)
        let store = DecoderTestSupport.bound(module, jitter: 0.3)
        let pass = DecoderTestSupport.trainingPass(module, store, RBFEncodingTests.inputs(2 * 50, seed: 1), batch: 50, threads: 2)
        for name in ["centres", "shapes"] {
            let s = store.segments.first { $0.name == name }!
            #expect(s.learningRateScale == 0)
            #expect((s.offset..<(s.offset + s.count)).allSatisfy { pass.1[$0] == 0 })
        }
        let weights = store.segments.first { $0.name == "weights" }!
        #expect((weights.offset..<(weights.offset + weights.count)).contains { pass.1[$0] != 0 })
        #expect(pass.2.contains { $0 != 0 })
    }

    @Test func detachedNormaliserDropsOnlyTheDenominatorPath() throws {
        let json = #"{"otype": "RBF", "n_kernels": 4, "n_neighbors": 4, "n_channels": 8, "frequencies": [0.5, 3], "trainable_kernels": true}"#
        let module = try RBFEncodingTests.make(json, inputWidth: 2)
        let store = DecoderTestSupport.bound(module, jitter: 0.3)
        let x = RBFEncodingTests.inputs(2 * 16, seed: 2)
        let detached = DecoderTestSupport.trainingPass(module, store, x, batch: 16, threads: 1)
        module.differentiateNormalizer = true
        let full = DecoderTestSupport.trainingPass(module, store, x, batch: 16, threads: 1)
        // Weight and bias gradients do not involve the normaliser; centre gradients do.
        let weights = store.segments.first { $0.name == "weights" }!, centres = store.segments.first { $0.name == "centres" }!
        for i in weights.offset..<(weights.offset + weights.count) { #expect(detached.1[i] == full.1[i]) }
        #expect((centres.offset..<(centres.offset + centres.count)).contains { detached.1[$0] != full.1[$0] })
    }

    @Test(arguments: [
        #"{"otype": "RBF", "n_kernels": 40, "n_channels": 12}"#,
        #"{"otype": "RBF", "n_kernels": 40, "n_channels": 12, "trainable_kernels": true, "grid": {"otype": "HashGrid", "n_levels": 3, "n_features_per_level": 2, "log2_hashmap_size": 8, "base_resolution": 4}}"#,
    ])
    func keepsTheModuleContract(_ json: String) throws {
        for d in [2, 3] {
            let module = try RBFEncodingTests.make(json, inputWidth: d)
            #expect(DecoderTestSupport.contractFailure(module, batch: 700) == nil)
        }
    }

    @Test func sineResidualLayerGradients() throws {
        let json = #"{"otype": "FullyFusedMLP", "n_neurons": 8, "n_hidden_layers": 2, "use_biases": true, "first_activation": "SineResidual", "sine_frequencies": [1, 4]}"#
        let network = try ModelFactory.makeNetwork(try DecoderTestSupport.config(json), inputWidth: 5, outputWidth: 2)
        let report = DecoderTestSupport.check(network, batch: 6, jitter: 0.1, epsilon: 1e-3)
        print("sine residual gradient: \(report)")
        #expect(report.parameterError < 0.03 && report.inputError < 0.03, "\(report)")
        #expect(DecoderTestSupport.contractFailure(network) == nil)
        let mlp = try #require(network as? MLP)
        #expect(mlp.sineFrequencies == 1...4)
    }

    @Test func sineResidualMatchesItsFormula() throws {
        // One hidden layer of width 3 (the sine-modulated one), then the linear output layer.
        let mlp = MLP(inputWidth: 1, outputWidth: 1, width: 3, hiddenLayers: 1, activation: .relu, useBiases: true,
                      sineFrequencies: 10...100)
        let store = DecoderTestSupport.bound(mlp)
        // W0 = [1 1 1], b0 = 0, W1 = [1 0 0]ᵀ → y = z + sin(10 z) for z = x.
        let seg = Dictionary(uniqueKeysWithValues: store.segments.map { ($0.name, $0.offset) })
        for j in 0..<3 { store.values[seg["weight0"]! + j] = 1; store.values[seg["weight1"]! + j] = j == 0 ? 1 : 0 }
        for j in 0..<3 { store.values[seg["bias0"]! + j] = 0 }
        store.values[seg["bias1"]!] = 0
        let y = DecoderTestSupport.forward(mlp, [0.3], batch: 1, context: nil, threads: 1)
        #expect(abs(y[0] - (0.3 + sin(3))) < 1e-5, "\(y)")
    }

    @Test func badInputIsOneClearLine() {
        let cases: [(String, String, String)] = [
            (#"{"otype": "RBF"}"#, "encoding.n_kernels", "missing"),
            (#"{"otype": "RBF", "n_kernels": 0}"#, "encoding.n_kernels", "positive"),
            (#"{"otype": "RBF", "n_kernels": -3}"#, "encoding.n_kernels", "positive"),
            (#"{"otype": "RBF", "n_kernels": 100000000}"#, "encoding.n_kernels", "memory"),
            (#"{"otype": "RBF", "n_kernels": 1000000000}"#, "encoding.n_kernels", "index supports"),
            (#"{"otype": "RBF", "n_kernels": 3}"#, "encoding.n_neighbors", "only 3 kernels"),
            (#"{"otype": "RBF", "n_kernels": 30, "n_neighbors": 0}"#, "encoding.n_neighbors", "1...64"),
            (#"{"otype": "RBF", "n_kernels": 30, "kernel": "Gauss"}"#, "encoding.kernel", "InverseQuadratic, Gaussian, Tent"),
            (#"{"otype": "RBF", "n_kernels": 30, "frequencies": [1]}"#, "encoding.frequencies", "two numbers"),
            (#"{"otype": "RBF", "n_kernels": 30, "frequencies": [8, 1]}"#, "encoding.frequencies", "lowest ≤ highest"),
            (#"{"otype": "RBF", "n_kernels": 30, "frequencies": [0, 1]}"#, "encoding.frequencies", "0 < lowest"),
            (#"{"otype": "RBF", "n_kernels": 30, "frequencies": "high"}"#, "encoding.frequencies", "array"),
            (#"{"otype": "RBF", "n_kernels": 30, "n_channels": 0}"#, "encoding.n_channels", "1...4096"),
            (#"{"otype": "RBF", "n_kernels": 30, "weight_lr_scale": -1}"#, "encoding.weight_lr_scale", "0"),
            (#"{"otype": "RBF", "n_kernels": 30, "kernels": 4}"#, "encoding.kernels", "unknown key"),
            (#"{"otype": "RBF", "n_kernels": 30, "grid": {"otype": "HashGrid", "n_levels": 0}}"#, "encoding.grid.n_levels", "1...128"),
            (#"{"otype": "RBF", "n_kernels": 30, "grid": {"otype": "HashGrid", "levels": 4}}"#, "encoding.grid.levels", "unknown key"),
        ]
        for (json, location, words) in cases {
            let e = RBFEncodingTests.error(json)
            #expect(e?.location == location && e?.file == "scene.json", "\(json): \(String(describing: e))")
            #expect(e.map { $0.message.contains(words) } == true, "\(json): \(String(describing: e))")
            #expect(e.map { !"\($0)".contains("\n") } == true)
        }
        let oneD = RBFEncodingTests.error(#"{"otype": "RBF", "n_kernels": 30}"#, inputWidth: 1)
        #expect(oneD?.message.contains("2D or 3D") == true, "\(String(describing: oneD))")
        #expect(DecoderTestSupport.factoryError(#"{"otype": "MLP", "first_activation": "SineResidual", "n_hidden_layers": 0}"#)?.location == "network.first_activation")
        #expect(DecoderTestSupport.factoryError(#"{"otype": "MLP", "sine_frequencies": [1, 2]}"#)?.location == "network.sine_frequencies")
        #expect(DecoderTestSupport.factoryError(#"{"otype": "MLP", "first_activation": "SineResidual", "sine_frequencies": [2, 1]}"#)?.location == "network.sine_frequencies")
    }

    @Test func trainableKernelsAreClippedAfterAStep() throws {
        let module = try RBFEncodingTests.make(#"{"otype": "RBF", "n_kernels": 4, "n_channels": 4, "trainable_kernels": true}"#, inputWidth: 2)
        let store = DecoderTestSupport.bound(module)
        let seg = store.segments.first { $0.name == "shapes" }!, centres = store.segments.first { $0.name == "centres" }!
        // A non-positive-definite A and a centre outside the domain are pulled back.
        store.values[seg.offset] = -5; store.values[seg.offset + 1] = 0; store.values[seg.offset + 2] = 3
        store.values[centres.offset] = 1.7
        module.applyConstraints()
        let a = (0..<3).map { store.values[seg.offset + $0] }
        #expect(a[0] > 0 && a[2] > 0 && a[0] * a[2] - a[1] * a[1] > 0, "\(a)")
        #expect(store.values[centres.offset] == 1)
        #expect(store.segments.first { $0.name == "centres" }!.learningRateScale == 1)
        let frozen = try RBFEncodingTests.make(#"{"otype": "RBF", "n_kernels": 4}"#, inputWidth: 2)
        #expect(frozen.parameterTensors.first { $0.name == "shapes" }!.learningRateScale == 0)
    }
}
