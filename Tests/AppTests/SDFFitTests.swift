import FieldIO
import Foundation
import Testing
@testable import App

/// A small SDF scene on an analytic shape (JSON text).
func sdfSceneText(shape: String = "sphere", training: String = "\"steps\": 60, \"batch_size\": 8192, \"eval_every_steps\": 20",
                  extra: String = "") -> String {
    """
    {
      "task": "sdf",
      "data": {"shape": "\(shape)"},
      "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 15, "base_resolution": 8,
                   "per_level_scale": 1.6},
      "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 32, "n_hidden_layers": 2},
      "loss": {"otype": "MAPE"},
      "optimizer": {"otype": "Adam", "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15},
      "training": {\(training)},
      "render": {"orbit": 2, "width": 48, "height": 40},
      "mesh_export": {"resolution": 48}\(extra)
    }
    """
}

/// End-to-end SDF fits on analytic shapes: convergence, outputs, the mesh and render commands.
@Suite(.serialized) struct SDFFitTests {
    @Test func analyticShapeReachesIoUThresholdInFixedSteps() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "trio.json", sdfSceneText(shape: "trio", training: "\"steps\": 200, \"batch_size\": 8192, \"eval_every_steps\": 50, \"seed\": 5"))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let final = try finalMetrics(out)
        #expect(number(final["step"]) == 200)
        #expect(number(final["iou"]) > 0.98, "IoU \(number(final["iou"]))")
        #expect(number(final["iou_near"]) > 0.93, "near IoU \(number(final["iou_near"]))")
        #expect(number(final["sdf_error_near"]) < 0.01)
        for name in ["config.json", "metrics.json", "iou.png", "mesh.ply", "mesh.obj", "checkpoint/state.json",
                     "renders/orbit/shaded_000.png", "renders/orbit/normals_001.png", "renders/orbit/depth_000.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "missing \(name)")
        }
        let mesh = try TriangleMesh.read(out + "/mesh.ply")
        #expect(mesh.triangles.count > 500)
        #expect(mesh.normals.count == mesh.positions.count)
        let shaded = try Image.read(out + "/renders/orbit/shaded_000.png")
        #expect(shaded.width == 48 && shaded.height == 40)
    }

    @Test func meshAndRenderCommandsReuseATrainedRun() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sdfSceneText())
        let out = dir + "/run"
        #expect(runFieldfit([scene, "--out", out, "--quiet"]).status == 0)
        let meshFile = dir + "/sphere.obj"
        let m = runFieldfit(["mesh", out, "--resolution", "32", "--out", meshFile, "--quiet"])
        #expect(m.status == 0, "\(m.stderr)")
        let mesh = try TriangleMesh.read(meshFile)
        // The sphere has radius 0.3 in the unit cube: vertices lie near that radius.
        let radii = mesh.positions.map { (($0 - SIMD3(repeating: 0.5)) * ($0 - SIMD3(repeating: 0.5))).sum().squareRoot() }
        #expect(abs(radii.reduce(0, +) / Float(radii.count) - 0.3) < 0.02)
        let renders = dir + "/again"
        let r = runFieldfit(["render", out, "--orbit", "3", "--width", "20", "--height", "16", "--out", renders, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let img = try Image.read(renders + "/renders/orbit/normals_002.png")
        #expect(img.width == 20 && img.height == 16)
    }

    @Test func sameSeedAndThreadsGiveTheSameSDFRun() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sdfSceneText(shape: "trio", training: "\"steps\": 30, \"batch_size\": 4096, \"eval_every_steps\": 10",
                                                          extra: #", "output": {"folder": "unused"}"#))
        var results: [String] = []
        for k in 0..<2 {
            let out = dir + "/run\(k)"
            #expect(runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"]).status == 0)
            let json = try JSONParser.parse(file: out + "/metrics.json")
            guard case .array(let evaluations)? = json["evaluations"] else { Issue.record("no evaluations"); return }
            // Everything but the training seconds must agree.
            results.append(evaluations.map { e in
                ["step", "loss", "iou", "iou_near", "sdf_error_near"].map { "\(number(e[$0]))" }.joined(separator: ",")
            }.joined(separator: ";"))
        }
        #expect(results[0] == results[1])
    }

    @Test func badSDFScenesGiveOneClearLine() {
        let dir = temporaryFolder()
        let cases: [(String, String)] = [
            (#"{"task": "sdf", "data": {"shape": "teapot"}}"#, "data.shape"),
            (#"{"task": "sdf", "data": {"image": "x.png"}}"#, "data.mesh"),
            (#"{"task": "sdf", "data": {"mesh": "missing.obj"}}"#, "missing.obj"),
            (#"{"task": "sdf", "data": {"shape": "sphere"}, "render": {"modes": ["x-ray"]}}"#, "render.modes"),
            (#"{"task": "sdf", "data": {"shape": "sphere"}, "mesh_export": {"resolution": 4096}}"#, "mesh_export.resolution"),
            (#"{"task": "sdf", "data": {"shape": "sphere"}, "render": {"cameras": [{"position": [0, 0, 1]}]}}"#, "look_at"),
        ]
        for (k, (text, needle)) in cases.enumerated() {
            let scene = writeFile(dir, "bad\(k).json", text)
            let r = runFieldfit([scene, "--out", dir + "/run\(k)", "--quiet"])
            #expect(r.status != 0)
            #expect(r.stderr.contains(needle), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        let notRun = runFieldfit(["mesh", dir])
        #expect(notRun.status != 0 && notRun.stderr.contains("not a run folder"))
    }
}
