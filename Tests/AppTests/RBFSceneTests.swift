import FieldIO
import Foundation
import Render
import Testing
@testable import App

/// Scenes with the RBF (NeuRBF) encoding through the whole fit loop: the data-driven kernel initialisation
/// runs (NeRF: from a hash-grid pre-fit, and it places the kernels on the shapes), the fit converges, reruns and
/// resumes are bit-identical (the kernels live in the checkpoint).
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

        try expectResumeIsBitIdentical(scene: scene, dir: dir, splitSteps: 50, totalSteps: 120)
        // The resume took the kernels from the checkpoint instead of running k-means again, and kept the first
        // run's initialisation time (reported apart from the training time).
        let resumed = try FitRun.resume(from: dir + "/split", options: try Options.parse(["--resume", dir + "/split", "--quiet"]))
        #expect(resumed.initializationNote == "RBF kernels: from the checkpoint", "\(String(describing: resumed.initializationNote))")
        let kMeans = number(try finalMetrics(dir + "/split")["initialization_seconds"])
        #expect(kMeans > 0 && kMeans < 60, "initialization_seconds \(kMeans)")
        let psnr = number(try finalMetrics(dir + "/straight")["psnr"])
        #expect(psnr > 28, "PSNR \(psnr)")
        #expect(number(try finalMetrics(dir + "/split")["psnr"]) == number(try finalMetrics(dir + "/straight")["psnr"]))
    }

    /// `"n_kernels": "auto"` fills the reference's parameter count (instant-ngp's 16 × 2 hash grid at 2^19 with the
    /// scene's network, or `auto_reference`) to within one kernel, and the resolved count is what the run records.
    @Test func automaticKernelCountMatchesTheReferenceParameterCount() throws {
        let dir = temporaryFolder()
        let network = #"{"otype": "FullyFusedMLP", "n_neurons": 32, "n_hidden_layers": 2, "output_activation": "Sigmoid"}"#
        let grid = #""grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 12, "base_resolution": 8, "per_level_scale": 4}"#
        func build(_ encoding: String) throws -> FitRun {
            let path = writeFile(dir, "auto.json", sceneText(encoding: encoding, network: network,
                                                             training: "\"steps\": 2, \"batch_size\": 1024"))
            var scene = try Scene.load(path)
            scene.outputFolder = dir + "/run"
            return try FitRun(scene: scene, quiet: true)
        }
        let references = [
            #"{"otype": "HashGrid", "n_levels": 16, "n_features_per_level": 2, "log2_hashmap_size": 19, "base_resolution": 16}"#,
            #"{"otype": "TriPlane", "n_levels": 2, "n_features": 8, "resolution": 32, "per_level_scale": 2}"#,
        ]
        for (n, reference) in references.enumerated() {
            let referenceRun = try build(reference)
            let extra = n == 0 ? "" : #", "auto_reference": \#(reference)"#
            let run = try build(#"{"otype": "RBF", "n_kernels": "auto", "n_channels": 16, "frequencies": [0.125, 64], \#(grid)\#(extra)}"#)
            let kernels = number(run.scene.encoding["n_kernels"])
            #expect(kernels > 64, "\(kernels) kernels")
            let budget = referenceRun.trainer.store.count, used = run.trainer.store.count
            // Per kernel: 16 weights, a centre and a 2×2 shape (3 numbers).
            #expect(used <= budget && budget - used < 16 + 2 + 3, "\(used) parameters against the reference's \(budget)")
            #expect(run.scene.encoding["auto_reference"] == nil)
            #expect(number(run.scene.resolvedJSON["encoding"]?["n_kernels"]) == kernels)
        }
    }

    static let nerfEncoding = #"{"otype": "RBF", "n_kernels": 300, "n_neighbors": 5, "kernel": "InverseQuadratic", "normalize": false, "alpha": 0.3, "n_channels": 8, "frequencies": [0.125, 16], "grid": {"otype": "HashGrid", "n_levels": 6, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8}}"#

    /// The procedural NeRF scene with `nerfEncoding` and the given `nerf.rbf_init_steps`, written into `dir`.
    static func nerfScene(_ dir: String, initSteps: Int, training: String = "\"steps\": 20, \"batch_size\": 8192, \"eval_every_steps\": 10") -> String {
        let original = nerfSceneText(training: training, nerf: "\"grid_resolution\": 32, \"steps_per_diagonal\": 256, \"rbf_init_steps\": \(initSteps)")
        let start = original.range(of: "\"encoding\":")!, end = original.range(of: "\"nerf\":")!
        let text = original.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "\"encoding\": \(nerfEncoding),\n  ")
        return writeFile(dir, "nerf-rbf-\(initSteps).json", text)
    }

    /// The RBF kernel centres of a NeRF run's model (`[K, 3]`, in the network's [0, 1]³ coordinates).
    static func centres(_ run: FitRun) -> [Float] {
        let segment = run.trainer.store.segments.first { $0.name == "density.encoding.centres" }!
        return Array(run.trainer.store.values.array[segment.offset..<(segment.offset + segment.count)])
    }

    /// The fraction of `centres` within 0.04 (on some axis) of the procedural scene's shapes (its unit cube is the
    /// network's, aabb_scale 1).
    static func fractionNearShapes(_ centres: [Float]) -> Double {
        let scene = ProceduralRadianceScene(), r: Float = 0.04
        let offsets: [SIMD3<Float>] = [.zero, SIMD3(r, 0, 0), SIMD3(-r, 0, 0), SIMD3(0, r, 0), SIMD3(0, -r, 0), SIMD3(0, 0, r), SIMD3(0, 0, -r)]
        var near = 0
        for i in 0..<(centres.count / 3) {
            let c = SIMD3(centres[3 * i], centres[3 * i + 1], centres[3 * i + 2])
            if offsets.contains(where: { scene.contains(c + $0) }) { near += 1 }
        }
        return Double(near) / Double(centres.count / 3)
    }

    @Test func nerfKernelsGoWhereTheDensityIsAndRepeatExactly() throws {
        let dir = temporaryFolder()
        let scene = RBFSceneTests.nerfScene(dir, initSteps: 80)
        let run = try FitRun(scene: try Scene.load(scene), quiet: true)
        #expect(run.initializationNote?.contains("80-step hash-grid pre-fit") == true, "\(String(describing: run.initializationNote))")
        let again = try FitRun(scene: try Scene.load(scene), quiet: true)
        #expect(run.trainer.store.values.array == again.trainer.store.values.array, "the NeRF kernel initialisation is not deterministic")

        let lattice = try FitRun(scene: try Scene.load(RBFSceneTests.nerfScene(dir, initSteps: 0)), quiet: true)
        #expect(lattice.initializationNote?.contains("regular lattice (nerf.rbf_init_steps is 0)") == true,
                "\(String(describing: lattice.initializationNote))")
        // rbf_init_steps 0: the parameters are those the model was built with (kernels on the lattice).
        let fresh = try TaskFactory.makeTrainer(lattice.scene, inputWidth: 6, outputWidth: 4)
        #expect(lattice.trainer.store.values.array == fresh.store.values.array, "rbf_init_steps 0 moved the kernels")

        let placed = RBFSceneTests.fractionNearShapes(RBFSceneTests.centres(run))
        let regular = RBFSceneTests.fractionNearShapes(RBFSceneTests.centres(lattice))
        print("RBFSceneTests: kernel centres near the shapes: \(placed) after the pre-fit, \(regular) on the lattice")
        #expect(placed > 0.9, "\(placed) of the centres near the shapes after the pre-fit (lattice: \(regular))")
        #expect(regular < 0.15, "\(regular) of the lattice centres near the shapes")
    }

    @Test func nerfSceneWithPrefitKernelsResumesExactly() throws {
        let dir = temporaryFolder()
        let scene = RBFSceneTests.nerfScene(dir, initSteps: 40)
        try expectResumeIsBitIdentical(scene: scene, dir: dir, splitSteps: 10, totalSteps: 20,
                                       files: ["parameters.safetensors", "optimizer.safetensors", "task.safetensors"])
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
