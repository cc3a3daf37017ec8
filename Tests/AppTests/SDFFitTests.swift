import FieldIO
import Foundation
import Testing
@testable import App

/// A small SDF scene on an analytic shape (JSON text).
func sdfSceneText(shape: String = "sphere", training: String = "\"steps\": 60, \"batch_size\": 8192, \"eval_every_steps\": 20",
                  optimizer: String = sdfConstantAdam, extra: String = "") -> String {
    """
    {
      "task": "sdf",
      "data": {"shape": "\(shape)"},
      "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 15, "base_resolution": 8,
                   "per_level_scale": 1.6},
      "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 32, "n_hidden_layers": 2},
      "loss": {"otype": "MAPE"},
      "optimizer": \(optimizer),
      "training": {\(training)},
      "render": {"orbit": 2, "width": 48, "height": 40},
      "mesh_export": {"resolution": 48}\(extra)
    }
    """
}

/// The small scenes' optimizer before issue 23: Adam at a constant 1e-3.
let sdfConstantAdam = #"{"otype": "Adam", "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15}"#

/// An exponential moving average of the weights over a constant rate (the averaging of the SDF default).
let sdfAveragedAdam = #"{"otype": "Ema", "decay": 0.95, "nested": \#(sdfConstantAdam)}"#

/// The SDF default's whole stack (EMA over an exponential learning-rate decay), the decay scaled to a 400-step fit:
/// from step 320, × 0.7 every 20 steps (the bunny's default decays from step 1000).
let sdfScheduledAdam = #"{"otype": "Ema", "decay": 0.95, "nested": {"otype": "ExponentialDecay", "decay_start": 320, "decay_interval": 20, "decay_base": 0.7, "nested": \#(sdfConstantAdam)}}"#

/// The evaluations of a run folder's metrics.json as (step, iou, sdf_error_near).
func sdfEvaluations(_ folder: String) throws -> [(step: Double, iou: Double, error: Double)] {
    guard case .array(let evaluations)? = try JSONParser.parse(file: folder + "/metrics.json")["evaluations"] else { return [] }
    return evaluations.map { (number($0["step"]), number($0["iou"]), number($0["sdf_error_near"])) }
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

    @Test func scheduleAndEmaEndAtLeastAsWellAsAConstantRate() throws {
        let dir = temporaryFolder()
        let training = "\"steps\": 400, \"batch_size\": 4096, \"eval_every_steps\": 100, \"seed\": 11"
        var runs: [[(step: Double, iou: Double, error: Double)]] = []
        for (k, optimizer) in [sdfConstantAdam, sdfAveragedAdam, sdfScheduledAdam, sdfScheduledAdam].enumerated() {
            let scene = writeFile(dir, "s\(k).json", sdfSceneText(training: training, optimizer: optimizer))
            let r = runFieldfit([scene, "--out", dir + "/run\(k)", "--quiet", "--threads", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            runs.append(try sdfEvaluations(dir + "/run\(k)"))
        }
        guard let constant = runs[0].last, let averaged = runs[1].last, let scheduled = runs[2].last, scheduled.step == 400 else {
            Issue.record("no evaluations"); return
        }
        // Measured: IoU 0.9970 constant, 0.9989 averaged, 0.9987 scheduled; near-surface error 4.6e-4 constant,
        // 4.3e-4 averaged (the decay, still early for this small fit, gives back a little: 4.9e-4).
        #expect(averaged.iou >= constant.iou, "IoU \(averaged.iou) averaged vs \(constant.iou) constant")
        #expect(scheduled.iou >= constant.iou, "IoU \(scheduled.iou) scheduled vs \(constant.iou) constant")
        #expect(averaged.error <= constant.error, "near-surface error \(averaged.error) averaged vs \(constant.error) constant")
        // The scheduled fit ends at its best.
        #expect(scheduled.iou >= runs[2].map(\.iou).max()! - 1e-3)
        // The average and the schedule are functions of the step: a second run is bit-identical.
        #expect(runs[2].map { "\($0)" } == runs[3].map { "\($0)" })
    }

    @Test func theDefaultOptimizerIsTheSchedule() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", #"{"task": "sdf", "data": {"shape": "sphere"}, "training": {"steps": 2, "batch_size": 512}, "render": {"orbit": 0}, "mesh_export": {"enabled": false}}"#)
        let r = runFieldfit([scene, "--out", dir + "/run", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let optimizer = try JSONParser.parse(file: dir + "/run/config.json")["optimizer"]
        #expect(optimizer?["otype"] == .string("Ema"))
        #expect(optimizer?["nested"]?["otype"] == .string("ExponentialDecay"))
        #expect(optimizer?["nested"]?["nested"]?["otype"] == .string("Adam"))
    }

    @Test func badSDFScenesGiveOneClearLine() {
        let dir = temporaryFolder()
        let cases: [(String, String)] = [
            (#"{"task": "sdf", "data": {"shape": "teapot"}}"#, "data.shape"),
            (#"{"task": "sdf", "data": {"image": "x.png"}}"#, "data.mesh"),
            (#"{"task": "sdf", "data": {"mesh": "missing.obj"}}"#, "missing.obj"),
            (#"{"task": "sdf", "data": {"shape": "sphere"}, "render": {"modes": ["x-ray"]}}"#, "render.modes"),
            (#"{"task": "sdf", "data": {"shape": "sphere"}, "render": {"normals": "sobel"}}"#, "render.normals"),
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
