import FieldIO
import Foundation
import Testing
@testable import App

/// Scenes with the RBF (NeuRBF) encoding through the whole fit loop: the data-driven kernel initialisation
/// runs, the fit converges, reruns and resumes are bit-identical (the kernels live in the checkpoint).
@Suite(.serialized) struct RBFSceneTests {
    static let imageEncoding = #"{"otype": "RBF", "n_kernels": 500, "n_channels": 16, "frequencies": [0.125, 64], "grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 12, "base_resolution": 8, "per_level_scale": 4}}"#
    static let imageNetwork = #"{"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2, "use_biases": true, "first_activation": "SineResidual", "sine_frequencies": [10, 100], "output_activation": "None"}"#

    static let sdfEncoding = #""encoding": {"otype": "RBF", "n_kernels": 400, "kernel": "Tent", "n_channels": 16, "frequencies": [1, 8], "grid": {"otype": "HashGrid", "n_levels": 4, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 4}}"#

    @Test func imageSceneInitialisesFromTheImageTrainsAndResumesExactly() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "rbf.json", sceneText(encoding: RBFSceneTests.imageEncoding, network: RBFSceneTests.imageNetwork,
                                                         training: "\"steps\": 120, \"batch_size\": 2048, \"eval_every_steps\": 40, \"seed\": 4"))
        // The kernel initialisation runs from the image (and says so).
        let run = try FitRun(scene: try Scene.load(scene), quiet: true)
        #expect(run.initializationNote?.contains("Sobel") == true, "\(String(describing: run.initializationNote))")
        let lattice = try FitRun(scene: try Scene.load(scene), quiet: true)
        #expect(run.trainer.store.values.array == lattice.trainer.store.values.array, "the initialisation is not deterministic")

        #expect(runFieldfit([scene, "--out", dir + "/straight", "--quiet", "--threads", "2"]).status == 0)
        let psnr = number(try finalMetrics(dir + "/straight")["psnr"])
        #expect(psnr > 28, "PSNR \(psnr)")
        #expect(runFieldfit([scene, "--out", dir + "/split", "--quiet", "--threads", "2", "--steps", "50"]).status == 0)
        let r = runFieldfit(["--resume", dir + "/split", "--steps", "120", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        for file in ["parameters.safetensors", "optimizer.safetensors"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/straight/checkpoint/" + file))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/split/checkpoint/" + file))
            #expect(a == b, "\(file) differs after resume")
        }
        #expect(number(try finalMetrics(dir + "/split")["psnr"]) == number(try finalMetrics(dir + "/straight")["psnr"]))
    }

    @Test func sdfSceneWithTentKernelsTrainsAndRendersAgain() throws {
        let dir = temporaryFolder()
        let original = sdfSceneText(training: "\"steps\": 150, \"batch_size\": 4096, \"eval_every_steps\": 50")
        let start = original.range(of: "\"encoding\":")!, end = original.range(of: "\"network\":")!
        let text = original.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: RBFSceneTests.sdfEncoding + ",\n  ")
        #expect(text.contains("\"RBF\""))
        let scene = writeFile(dir, "sdf-rbf.json", text)
        let run = try FitRun(scene: try Scene.load(scene), quiet: true)
        #expect(run.initializationNote?.contains("1/|sdf|") == true, "\(String(describing: run.initializationNote))")
        let r = runFieldfit([scene, "--out", dir + "/run", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let iou = number(try finalMetrics(dir + "/run")["iou"])
        #expect(iou > 0.9, "IoU \(iou)")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/run/renders/orbit/normals_000.png"))
        let again = runFieldfit(["render", dir + "/run", "--out", dir + "/again", "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/again")) ?? []
        let match = files.first { $0.hasSuffix("orbit/normals_000.png") }
        #expect(match != nil, "\(files)")
        if let match {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/again/" + match)) == before, "render differs from the run's")
        }
    }
}
