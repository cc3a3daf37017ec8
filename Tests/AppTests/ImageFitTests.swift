import FieldIO
import Foundation
import Testing
@testable import App

/// End-to-end image fits on procedural images: convergence, outputs, determinism, resume.
@Suite(.serialized) struct ImageFitTests {
    @Test func fitReachesPSNRThresholdInFixedSteps() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "blobs.json", sceneText(training: "\"steps\": 150, \"batch_size\": 4096, \"eval_every_steps\": 50, \"seed\": 7"))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let final = try finalMetrics(out)
        #expect(number(final["step"]) == 150)
        #expect(number(final["psnr"]) > 30, "PSNR \(number(final["psnr"]))")
        for name in ["config.json", "metrics.json", "reconstruction.png", "error.png", "psnr.png",
                     "checkpoint/parameters.safetensors", "checkpoint/optimizer.safetensors", "checkpoint/state.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "missing \(name)")
        }
        let recon = try Image.read(out + "/reconstruction.png")
        #expect(recon.width == 64 && recon.height == 64 && recon.channels == 3)
    }

    @Test func sharpImageConvergesWithHashGrid() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "rings.json", sceneText(
            procedural: "rings", size: 128,
            encoding: #"{"otype": "HashGrid", "n_levels": 12, "n_features_per_level": 2, "log2_hashmap_size": 15, "base_resolution": 8}"#,
            training: "\"steps\": 300, \"batch_size\": 16384, \"eval_every_steps\": 100, \"seed\": 3"))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(number(try finalMetrics(out)["psnr"]) > 28)
    }

    @Test func sameSeedAndThreadsGiveTheSameResult() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sceneText())
        for threads in ["1", "2"] {
            #expect(runFieldfit([scene, "--out", dir + "/a" + threads, "--quiet", "--threads", threads]).status == 0)
            #expect(runFieldfit([scene, "--out", dir + "/b" + threads, "--quiet", "--threads", threads]).status == 0)
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a\(threads)/checkpoint/parameters.safetensors"))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b\(threads)/checkpoint/parameters.safetensors"))
            #expect(a == b, "threads \(threads): two runs differ")
        }
    }

    @Test func resumeContinuesBitIdentically() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sceneText(training: "\"steps\": 60, \"batch_size\": 2048, \"eval_every_steps\": 20"))
        try expectResumeIsBitIdentical(scene: scene, dir: dir, splitSteps: 25, totalSteps: 60)
        #expect(number(try finalMetrics(dir + "/split")["step"]) == 60)
    }

    @Test func resumeWithNothingLeftToDoSaysSo() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sceneText(training: "\"steps\": 5, \"batch_size\": 1024"))
        #expect(runFieldfit([scene, "--out", dir + "/run", "--quiet"]).status == 0)
        let r = runFieldfit(["--resume", dir + "/run", "--quiet"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--steps"))
    }

    @Test func imageFileSceneResolvesRelativePaths() throws {
        let dir = temporaryFolder()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        var pixels = [Float](repeating: 0, count: 32 * 24 * 4)
        for i in 0..<pixels.count { pixels[i] = Float((i * 37) % 101) / 100 }
        try Image(width: 32, height: 24, channels: 4, pixels: pixels).writePNG(to: dir + "/data/small.png")
        let text = sceneText(training: "\"steps\": 10, \"batch_size\": 512")
            .replacingOccurrences(of: #""procedural": "blobs", "width": 64, "height": 64"#, with: #""image": "data/small.png""#)
        let scene = writeFile(dir, "img.json", text)
        let r = runFieldfit([scene, "--out", dir + "/run", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let recon = try Image.read(dir + "/run/reconstruction.png")
        #expect(recon.width == 32 && recon.height == 24 && recon.channels == 4)
    }
}
