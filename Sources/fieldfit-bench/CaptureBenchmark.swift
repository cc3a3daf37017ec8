import FieldIO
import Foundation
import Render
import TensorCore

/// Issue 19's real-capture start and finish on a phone-like capture made by fieldfit itself: 50 JPEG views of
/// 1080×1920 of the procedural shapes scene (over a grey backdrop, so nothing is transparent), taken along a
/// forward-facing arc through a lens with OpenCV distortion, listed in an instant-ngp transforms.json of 67
/// frames (17 without an image, as instant-ngp's own sample capture has them) with sharpness values and
/// `aabb_scale` 4. The poses are the rendering cameras, so the fit forms real surfaces; what is measured is
/// the command → first training step at downscale 4, and the end-of-run evaluation and renders of a short
/// fit, read back from the run's metrics.json.
func captureBenchmark(fieldfit: String, threads: Int, seconds: Double) -> [BenchFigure] {
    let folder = NSTemporaryDirectory() + "fieldfit-bench-capture-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let made: Int
    do { made = try CaptureFixture.write(into: folder, threads: threads) } catch {
        print("bench: cannot make the capture: \(error)")
        return []
    }
    let scene = folder + "/capture.json"
    let text = """
        {"name": "capture", "task": "nerf", "data": {"transforms": "transforms.json", "downscale": 4, "test_every": 8},
         "training": {"eval_every_seconds": 10}, "render": {"orbit": 8}}
        """
    do { try FileAccess.writeAtomically(Array(text.utf8), to: scene) } catch {
        print("bench: \(error)")
        return []
    }
    let out = folder + "/run"
    let start = Date()
    guard runProcess(fieldfit, [scene, "--out", out, "--quiet", "--threads", "\(threads)", "--seconds", "\(seconds)"]),
          let final = try? JSONParser.parse(file: out + "/metrics.json")["final"] else {
        print("bench: the capture fit failed")
        return []
    }
    let wall = Date().timeIntervalSince(start)
    let first = number(final["first_step_after_seconds"]) ?? .nan
    let evaluation = number(final["final_evaluation_seconds"]) ?? .nan
    let outputs = number(final["outputs_seconds"]) ?? .nan
    let label = "capture \(made)×1080×1920 JPEG at ÷4"
    return [
        BenchFigure(name: "\(label): command → first step", value: first, unit: "s", target: "≤ 10", met: first <= 10),
        BenchFigure(name: "\(label): final evaluation (test views)", value: evaluation, unit: "s", target: "", met: nil),
        BenchFigure(name: "\(label): outputs (test PNGs, orbit renders)", value: outputs, unit: "s", target: "", met: nil),
        BenchFigure(name: "\(label): end of run (evaluation + renders)", value: evaluation + outputs, unit: "s", target: "≤ 60",
                    met: evaluation + outputs <= 60),
        BenchFigure(name: "\(label): wall time of a \(Int(seconds)) s fit", value: wall, unit: "s", target: "report", met: nil),
        BenchFigure(name: "\(label): peak memory", value: number(final["peak_memory_mib"]) ?? .nan, unit: "MiB", target: "report", met: nil),
    ]
}

/// The capture folder: `images/NNNN.jpg` and an instant-ngp `transforms.json`.
enum CaptureFixture {
    static let width = 1080, height = 1920, views = 50, listed = 67
    static let focal: Float = 1650
    static let lens = LensDistortion(k1: -0.02, k2: 0.004, p1: 0.0005, p2: -0.0003)
    static let backdrop = SIMD3<Float>(0.55, 0.55, 0.6)

    /// Renders the capture into `folder` on `threads` threads; returns the number of images written.
    static func write(into folder: String, threads: Int) throws -> Int {
        try FileAccess.makeFolder(folder + "/images")
        let scene = ProceduralRadianceScene(), pool = WorkerPool(threads: threads)
        var written = 0
        for n in 0..<(views + listed - views) where !hasNoImage(n) {
            try scene.render(camera(n), pool: pool).writeJPEG(to: folder + String(format: "/images/%04d.jpg", n), quality: 92,
                                                             background: backdrop)
            written += 1
        }
        try FileAccess.writeAtomically(Array(transformsJSON().utf8), to: folder + "/transforms.json")
        return written
    }

    /// Listed frame `n`: on an arc of 70° in front of the shapes, 1.1 from their centre, slightly above them,
    /// portrait, looking at the centre.
    static func camera(_ n: Int) -> Camera {
        let c = ProceduralRadianceScene.center
        let angle = (Float(n) / Float(listed - 1) - 0.5) * 70 * .pi / 180
        let position = c + 1.1 * SIMD3(sin(angle), 0.25, cos(angle))
        let fov = 2 * atan(Float(width) / 2 / focal) * 180 / .pi
        var camera = Camera.lookAt(position: position, target: c, worldUp: SIMD3(0, 1, 0), fieldOfViewX: fov,
                                   width: width, height: height)
        camera.distortion = lens
        return camera
    }

    /// Of the 67 listed frames, every fourth from the 2nd on has no image (17 in all).
    static func hasNoImage(_ n: Int) -> Bool { n % 4 == 1 && n / 4 < listed - views }

    /// instant-ngp's colmap2nerf layout: shared OpenCV intrinsics, `aabb_scale` 4, a `sharpness` per frame;
    /// poses in the scene's own unit-cube coordinates (`scale` 1, `offset` 0).
    static func transformsJSON() -> String {
        var frames: [String] = []
        for n in 0..<listed {
            let m = camera(n)
            let columns = [m.right, m.up, m.backward, m.position]
            let rows = (0..<3).map { r in "[\(columns[0][r]), \(columns[1][r]), \(columns[2][r]), \(columns[3][r])]" }
            frames.append(String(format: "{\"file_path\": \"images/%04d.jpg\", \"sharpness\": %.1f, ", n, 80 + Double(n % 7))
                          + "\"transform_matrix\": [\(rows.joined(separator: ", ")), [0, 0, 0, 1]]}")
        }
        return """
            {"fl_x": \(focal), "fl_y": \(focal), "cx": \(width / 2), "cy": \(height / 2), "w": \(width), "h": \(height),
             "k1": \(lens.k1), "k2": \(lens.k2), "p1": \(lens.p1), "p2": \(lens.p2), "camera_model": "OPENCV",
             "aabb_scale": 4, "scale": 1, "offset": [0, 0, 0],
             "frames": [\(frames.joined(separator: ",\n"))]}
            """
    }
}
