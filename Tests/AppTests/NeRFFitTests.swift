import FieldIO
import Foundation
import Testing
@testable import App

/// A small NeRF scene on the procedural shapes (JSON text).
func nerfSceneText(training: String = "\"steps\": 40, \"batch_size\": 16384, \"eval_every_steps\": 20",
                   nerf: String = "\"grid_resolution\": 32, \"steps_per_diagonal\": 256", extra: String = "") -> String {
    """
    {
      "task": "nerf",
      "data": {"procedural": "shapes", "views": 24, "width": 32, "height": 32, "test_every": 6},
      "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8},
      "nerf": {\(nerf)},
      "training": {\(training)},
      "render": {"orbit": 2, "width": 40, "height": 32}\(extra)
    }
    """
}

/// End-to-end NeRF fits of the procedural scene: convergence, outputs and the render command.
@Suite(.serialized) struct NeRFFitTests {
    @Test func proceduralSceneReachesPSNRThresholdInFixedSteps() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "shapes.json", nerfSceneText(training: "\"steps\": 300, \"batch_size\": 16384, \"eval_every_steps\": 100, \"seed\": 3"))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let final = try finalMetrics(out)
        #expect(number(final["step"]) == 300)
        #expect(number(final["test_psnr"]) > 27, "PSNR \(number(final["test_psnr"]))")
        #expect(number(final["test_ssim"]) > 0.9)
        for name in ["config.json", "metrics.json", "eval.json", "psnr.png", "test/view_000.png", "test/view_003.png",
                     "renders/orbit/rgb_000.png", "renders/orbit/depth_001.png", "renders/orbit/alpha_000.png"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "missing \(name)")
        }
        _ = try JSONParser.parse(file: out + "/metrics.json")   // strict: no duplicate keys
        let eval = try JSONParser.parse(file: out + "/eval.json")
        #expect(eval["results"]?["psnr"] != nil && eval["results"]?["ssim_std"] != nil && eval["results"]?["num_rays_per_sec"] != nil)
        let rgb = try Image.read(out + "/renders/orbit/rgb_000.png")
        #expect(rgb.width == 40 && rgb.height == 32)
    }

    @Test func renderCommandReusesATrainedRun() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", nerfSceneText())
        let out = dir + "/run"
        #expect(runFieldfit([scene, "--out", out, "--quiet"]).status == 0)
        let renders = dir + "/renders"
        let r = runFieldfit(["render", out, "--orbit", "3", "--width", "24", "--height", "20", "--out", renders, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let image = try Image.read(renders + "/renders/orbit/rgb_002.png")
        #expect(image.width == 24 && image.height == 20)
        #expect(FileManager.default.fileExists(atPath: renders + "/test/view_000.png"))
        // A nerfstudio camera path: two cameras looking down −z and −x at the scene.
        let path = writeFile(dir, "camera_path.json", """
            {"render_width": 24, "render_height": 20, "camera_type": "perspective", "camera_path": [
              {"camera_to_world": [1,0,0,0.5, 0,1,0,0.5, 0,0,1,1.7, 0,0,0,1], "fov": 40, "aspect": 1.2},
              {"camera_to_world": [0,0,1,1.7, 0,1,0,0.5, -1,0,0,0.5, 0,0,0,1], "fov": 40, "aspect": 1.2}]}
            """)
        let p = runFieldfit(["render", out, "--orbit", "0", "--camera-path", path, "--out", dir + "/path", "--quiet"])
        #expect(p.status == 0, "\(p.stderr)")
        for k in 0..<2 {
            let frame = try Image.read(dir + "/path/renders/path/rgb_00\(k).png")
            #expect(frame.width == 24 && frame.height == 20)
        }
        // `fieldfit mesh` is the short form of `fieldfit export RUN mesh`, for NeRF runs too.
        let m = runFieldfit(["mesh", out, "--resolution", "16", "--threshold", "0.5", "--out", dir + "/nerf.ply", "--quiet"])
        #expect(m.status == 0 && FileManager.default.fileExists(atPath: dir + "/nerf.ply"), "\(m.stderr)")
    }

    @Test func sameSeedAndThreadsGiveTheSameRun() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", nerfSceneText(training: "\"steps\": 12, \"batch_size\": 8192, \"eval_every_steps\": 12"))
        for run in ["a", "b"] { #expect(runFieldfit([scene, "--out", dir + "/" + run, "--quiet", "--threads", "2"]).status == 0) }
        let a = try finalMetrics(dir + "/a"), b = try finalMetrics(dir + "/b")
        #expect(number(a["psnr"]) == number(b["psnr"]))
        let one = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/test/view_001.png"))
        let two = try Data(contentsOf: URL(fileURLWithPath: dir + "/b/test/view_001.png"))
        #expect(one == two)
    }

    @Test func resumedRunContinuesExactly() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", nerfSceneText(training: "\"steps\": 24, \"batch_size\": 8192, \"eval_every_steps\": 12"))
        #expect(runFieldfit([scene, "--out", dir + "/straight", "--quiet", "--threads", "2"]).status == 0)
        #expect(runFieldfit([scene, "--out", dir + "/split", "--steps", "12", "--quiet", "--threads", "2"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/split/checkpoint/task.safetensors"))
        let r = runFieldfit(["--resume", dir + "/split", "--steps", "24", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let a = try finalMetrics(dir + "/straight"), b = try finalMetrics(dir + "/split")
        #expect(number(a["psnr"]) == number(b["psnr"]), "\(number(a["psnr"])) vs \(number(b["psnr"]))")
        let one = try Data(contentsOf: URL(fileURLWithPath: dir + "/straight/checkpoint/parameters.safetensors"))
        let two = try Data(contentsOf: URL(fileURLWithPath: dir + "/split/checkpoint/parameters.safetensors"))
        #expect(one == two)
    }

    @Test func badNeRFScenesGiveOneClearLine() {
        let dir = temporaryFolder()
        let cases: [(String, String)] = [
            (nerfSceneText(nerf: "\"grid_resolution\": 30"), "grid_resolution"),
            (nerfSceneText(extra: ", \"dir_encoding\": {\"otype\": \"HashGrid\"}"), "dir_encoding"),
            ("{\"task\": \"nerf\", \"data\": {}}", "transforms"),
            ("{\"task\": \"nerf\", \"data\": {\"procedural\": \"teapot\"}}", "procedural"),
            ("{\"task\": \"nerf\", \"data\": {\"transforms\": \"\(dir)/nowhere\"}}", "nowhere"),
            (sdfSceneText(extra: ", \"rgb_network\": {\"otype\": \"MLP\"}"), "rgb_network"),
            (nerfSceneText(nerf: "\"background\": [2, 0, 0]"), "background"),
            (nerfSceneText(nerf: "\"rbf_init_steps\": -1"), "nerf.rbf_init_steps"),
            (nerfSceneText(nerf: "\"rbf_init_steps\": 2.5"), "nerf.rbf_init_steps"),
            (nerfSceneText(nerf: "\"rbf_init_steps\": \"many\""), "nerf.rbf_init_steps"),
        ]
        for (k, (text, key)) in cases.enumerated() {
            let scene = writeFile(dir, "bad\(k).json", text)
            let r = runFieldfit([scene, "--out", dir + "/run\(k)", "--quiet"])
            #expect(r.status != 0, "case \(k) should fail")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && r.stderr.contains(key), "case \(k): \(r.stderr)")
        }
    }
}
