import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// CAM (coordinate-aware modulation): the encoding-side trunk with each grid type, channel count and norm,
/// its identity start, gradients (parameters and inputs), determinism, and bad input.
struct CAMTests {
    /// A CAM encoding over `dims` inputs with a small nested encoding.
    static func json(grid: String, norm: String = "LayerNorm", layers: Int = 2, width: Int = 12, activation: String = "ReLU",
                     nested: String = #"{"otype": "Frequency", "n_frequencies": 2}"#) -> String {
        "{\"otype\": \"CAM\", \"encoding\": \(nested), \"n_neurons\": \(width), \"n_layers\": \(layers), \"norm\": \"\(norm)\", \"activation\": \"\(activation)\", \"grid\": \(grid)}"
    }

    static let gridCases: [(name: String, dims: Int, grid: String)] = [
        ("Plane scalar", 2, #"{"type": "Plane", "resolution": 5, "n_features": 1}"#),
        ("Plane per-feature", 2, #"{"type": "Plane", "resolution": [4, 6], "n_features": 12}"#),
        ("TriPlane scalar", 3, #"{"type": "TriPlane", "resolution": 5}"#),
        ("TriPlane per-feature", 3, #"{"type": "TriPlane", "resolution": 4, "n_features": 12}"#),
        ("PerAxis 3D", 3, #"{"type": "PerAxis", "resolution": [5, 4, 6], "n_features": 12}"#),
        ("PerAxis 2D", 2, #"{"type": "PerAxis", "resolution": 7}"#),
    ]

    @Test func parameterLayoutAndIdentityStart() throws {
        let cam = try RepresentationTestSupport.encoding(CAMTests.json(grid: #"{"resolution": 8}"#, layers: 3, width: 16), inputWidth: 3)
        #expect(cam.outputWidth == 16)
        let names = cam.parameterTensors.map(\.name)
        #expect(names.contains("cam.layer0.weight") && names.contains("cam.layer2.bias") && names.contains("cam.layer1.grid.yz"))
        // Frequency 3·2·2 = 12 → 16 → 16 → 16 with biases, then 3 layers × 3 planes × 8² × 2.
        #expect(cam.parameterCount == (12 * 16 + 16 * 16 * 2) + 3 * 16 + 3 * 3 * 64 * 2)
        // At initialisation (γ 1, β 0) the output is act(Norm(Wh + b)) whatever the point.
        let store = DecoderTestSupport.bound(cam)
        let trunk = (cam as! CAMEncoding).trunk
        let segments = store.segments.filter { $0.name.contains(".grid.") }
        #expect(segments.count == 9)
        for s in segments {
            for v in 0..<(s.count / 2) { #expect(store.values[s.offset + 2 * v] == 1 && store.values[s.offset + 2 * v + 1] == 0) }
        }
        #expect(trunk.grid.type == .triPlane && trunk.norm == .layerNorm)
    }

    @Test(arguments: CAMTests.gridCases.map(\.name))
    func gradientsMatchFiniteDifferences(_ name: String) throws {
        let c = CAMTests.gridCases.first { $0.name == name }!
        let cam = try RepresentationTestSupport.encoding(CAMTests.json(grid: c.grid, activation: "SiLU"), inputWidth: c.dims)
        let r = RepresentationTestSupport.gradientCheck(cam, batch: 7, jitter: 0.3, inputEpsilon: 1e-3)
        #expect(r.parameters.parameterError < 2e-2, "\(name) parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "\(name) inputs: \(r.inputs)")
    }

    @Test(arguments: ["LayerNorm", "InstanceNorm", "RMSNorm", "None"])
    func gradientsMatchFiniteDifferencesForEachNorm(_ norm: String) throws {
        let cam = try RepresentationTestSupport.encoding(
            CAMTests.json(grid: #"{"type": "TriPlane", "resolution": 4, "n_features": 1}"#, norm: norm, activation: "Tanh"), inputWidth: 3)
        let r = RepresentationTestSupport.gradientCheck(cam, batch: 6, jitter: 0.3, inputEpsilon: 1e-3)
        #expect(r.parameters.parameterError < 2e-2, "\(norm) parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "\(norm) inputs: \(r.inputs)")
    }

    @Test func gradientsThroughAHashGridNestedEncoding() throws {
        let nested = #"{"otype": "HashGrid", "n_levels": 3, "n_features_per_level": 2, "log2_hashmap_size": 8, "base_resolution": 3}"#
        let cam = try RepresentationTestSupport.encoding(CAMTests.json(grid: #"{"resolution": 5}"#, activation: "SiLU", nested: nested),
                                                         inputWidth: 3)
        let r = RepresentationTestSupport.gradientCheck(cam, batch: 7, jitter: 0.3, inputEpsilon: 1e-3)
        #expect(r.parameters.parameterError < 2e-2, "parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "inputs: \(r.inputs)")
    }

    @Test(arguments: CAMTests.gridCases.map(\.name))
    func deterministicAcrossThreadCounts(_ name: String) throws {
        let c = CAMTests.gridCases.first { $0.name == name }!
        let cam = try RepresentationTestSupport.encoding(CAMTests.json(grid: c.grid), inputWidth: c.dims)
        let failure = DecoderTestSupport.contractFailure(cam)
        #expect(failure == nil, "\(name): \(failure ?? "")")
    }

    @Test func gridLearningRateScaleReachesTheTensors() throws {
        let cam = try RepresentationTestSupport.encoding(CAMTests.json(grid: #"{"resolution": 4, "learning_rate_scale": 10}"#), inputWidth: 2)
        for t in cam.parameterTensors {
            #expect(t.learningRateScale == (t.name.contains(".grid.") ? 10 : 1), "\(t.name)")
        }
    }

    @Test func badInputGetsOneClearError() {
        let nested = #"{"otype": "Identity"}"#
        let cases: [(json: String, dims: Int, location: String, says: String)] = [
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"type\": \"Plane\"}}", 3, "encoding.grid.type", "needs 2-D"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"type\": \"TriPlane\"}}", 2, "encoding.grid.type", "needs 3-D"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"dims\": 2}}", 3, "encoding.grid.dims", "does not match the 3-D"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"resolution\": 0}}", 2, "encoding.grid.resolution", "2..."),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"resolution\": -4}}", 2, "encoding.grid.resolution", "2..."),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"resolution\": [4, 4]}}", 3, "encoding.grid.resolution", "3 (one per coordinate)"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"n_neurons\": 256, \"grid\": {\"resolution\": 600000, \"n_features\": 256}}", 2,
             "encoding.grid.resolution", "memory"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"n_features\": 3}}", 2, "encoding.grid.n_features", "1 (one scale"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"norm\": \"BatchNorm\"}", 2, "encoding.norm", "InstanceNorm"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"n_layers\": 0}", 2, "encoding.n_layers", "1...64"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"grid\": {\"typ\": \"Plane\"}}", 2, "encoding.grid.typ", "unknown key"),
            ("{\"otype\": \"CAM\", \"encoding\": \(nested), \"n_hidden_layers\": 2}", 2, "encoding.n_hidden_layers", "unknown key"),
            (#"{"otype": "CAM"}"#, 2, "encoding.encoding", "missing"),
        ]
        RepresentationTestSupport.expectOneLineErrors(cases)
    }
}
