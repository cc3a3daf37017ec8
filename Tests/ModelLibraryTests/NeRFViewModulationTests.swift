import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// NeRF with CAM over the view direction (`rgb_network` of otype CAM) and a CAM density encoding.
struct NeRFViewModulationTests {
    static func trainer(rgb: String, encoding: String = #"{"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 8, "base_resolution": 4}"#) throws -> Trainer {
        try ModelFactory.makeNeRFTrainer(
            encoding: try JSONParser.parse(encoding),
            network: try JSONParser.parse(#"{"otype": "FullyFusedMLP", "n_neurons": 16, "n_hidden_layers": 1}"#),
            dirEncoding: try JSONParser.parse(#"{"otype": "SphericalHarmonics", "degree": 2}"#),
            rgbNetwork: try JSONParser.parse(rgb),
            loss: try JSONParser.parse(#"{"otype": "L2"}"#), optimizer: try JSONParser.parse(#"{"otype": "Adam"}"#),
            batchCapacity: 64, seed: 1, file: "scene.json")
    }

    static let viewCAM = #"{"otype": "CAM", "n_neurons": 8, "n_layers": 1, "activation": "SiLU", "grid": {"resolution": [10, 3]}, "network": {"otype": "FullyFusedMLP", "n_neurons": 8, "n_hidden_layers": 1, "output_activation": "Sigmoid"}}"#

    @Test func buildsTheViewModulatedColourBranch() throws {
        let t = try NeRFViewModulationTests.trainer(rgb: NeRFViewModulationTests.viewCAM)
        let nerf = t.model as! NeRFNetwork
        #expect(nerf.colorTrunk?.grid.type == .plane && nerf.colorTrunk?.grid.resolutions == [10, 3])
        #expect(nerf.parameterTensors.contains { $0.name == "color_cam.layer0.grid.xy" })
        #expect(nerf.color.inputWidth == 8)
    }

    /// Gradients of the whole NeRF model (parameters, positions and directions), with the view modulation and
    /// a CAM density encoding.
    @Test func gradientsMatchFiniteDifferences() throws {
        let camDensity = #"{"otype": "CAM", "encoding": {"otype": "Frequency", "n_frequencies": 2}, "n_neurons": 8, "n_layers": 1, "activation": "SiLU", "grid": {"type": "TriPlane", "resolution": 4}}"#
        let t = try NeRFViewModulationTests.trainer(rgb: NeRFViewModulationTests.viewCAM, encoding: camDensity)
        let model = t.model
        let batch = 6
        let x = RepresentationTestSupport.points(batch * 6, seed: 4, lo: 0.05, hi: 0.95)
        let p = GradientCheck.check(model, input: x, batch: batch, seed: 3, epsilon: 1e-2, parameterJitter: 0.2,
                                    maxParameters: 400, checkInputs: false)
        let i = GradientCheck.check(model, input: x, batch: batch, seed: 3, epsilon: 1e-3, parameterJitter: 0.2, maxParameters: 1)
        #expect(p.parameterError < 2e-2, "parameters: \(p)")
        #expect(i.inputError < 3e-2, "inputs: \(i)")
        #expect(DecoderTestSupport.contractFailure(model, batch: 203) == nil)
    }

    /// The renderer's colour-only path (`colorForward`) gives the RGB of the full forward pass.
    @Test func colorForwardMatchesTheFullForward() throws {
        let t = try NeRFViewModulationTests.trainer(rgb: NeRFViewModulationTests.viewCAM)
        let nerf = t.model as! NeRFNetwork
        let batch = 50
        let x = RepresentationTestSupport.points(batch * 6, seed: 8)
        let full = DecoderTestSupport.forward(nerf, x, batch: batch, context: nil, threads: 2)
        let geometry = DecoderTestSupport.forward(nerf.density, (0..<batch).flatMap { Array(x[(6 * $0)..<(6 * $0 + 3)]) }, batch: batch,
                                                  context: nil, threads: 2)
        let directions = (0..<batch).flatMap { Array(x[(6 * $0 + 3)..<(6 * $0 + 6)]) }
        let encoded = DecoderTestSupport.forward(nerf.direction, directions, batch: batch, context: nil, threads: 2)
        let g = nerf.geometryWidth, e = nerf.direction.outputWidth
        var colorInput: [Float] = []
        for i in 0..<batch {
            colorInput += geometry[(g * i)..<(g * i + g)]
            colorInput += encoded[(e * i)..<(e * i + e)]
        }
        var rgb = [Float](repeating: 0, count: batch * 3)
        colorInput.withUnsafeBufferPointer { c in directions.withUnsafeBufferPointer { d in rgb.withUnsafeMutableBufferPointer { o in
            nerf.colorForward(colorInput: c.baseAddress!, directions: d.baseAddress!, output: o.baseAddress!, batch: batch,
                              pool: WorkerPool(threads: 2))
        } } }
        for i in 0..<batch { for k in 0..<3 { #expect(abs(rgb[3 * i + k] - full[4 * i + 1 + k]) < 1e-6) } }
    }

    @Test func badInputGetsOneClearError() {
        let cases: [(json: String, location: String, says: String)] = [
            (#"{"otype": "CAM", "grid": {"type": "TriPlane"}, "network": {"otype": "MLP"}}"#, "rgb_network.grid.type", "needs 3-D"),
            (#"{"otype": "CAM", "grid": {"dims": 3}, "network": {"otype": "MLP"}}"#, "rgb_network.grid.dims", "does not match the 2-D view direction"),
            (#"{"otype": "CAM", "grid": {"resolution": [10, 3]}}"#, "rgb_network.network", "missing"),
            (#"{"otype": "CAM", "encoding": {"otype": "Identity"}, "network": {"otype": "MLP"}}"#, "rgb_network.encoding", "unknown key"),
        ]
        for c in cases {
            do {
                _ = try NeRFViewModulationTests.trainer(rgb: c.json)
                Issue.record("\(c.json) should fail")
            } catch let e as FieldError {
                #expect(e.location == c.location && e.message.contains(c.says), "\(c.json): \(e)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
