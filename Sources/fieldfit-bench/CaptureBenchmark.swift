import FieldIO
import Foundation

/// Issue 19's real-capture start and finish on a made-up phone capture: 50 JPEG views of 1080×1920 cut
/// from the sceaux photos (`../shared/data/sceaux`), listed in an instant-ngp transforms.json of 67 frames
/// (17 without an image, as instant-ngp's own sample capture has them) with OpenCV distortion, sharpness
/// values and `aabb_scale` 4. The poses are made up (a row of cameras facing the scene), so the fit's
/// quality means nothing; what is measured is the command → first training step at downscale 4, and the
/// end-of-run evaluation and renders of a short fit, read back from the run's metrics.json.
func captureBenchmark(fieldfit: String, threads: Int, seconds: Double) -> [BenchFigure] {
    let photos = "../shared/data/sceaux"
    let folder = NSTemporaryDirectory() + "fieldfit-bench-capture-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let made: Int
    do { made = try CaptureFixture.write(into: folder, photos: photos) } catch {
        print("bench: cannot make the capture from \(photos): \(error)")
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

/// The made-up capture folder: `images/NNNN.jpg` and an instant-ngp `transforms.json`.
enum CaptureFixture {
    static let width = 1080, height = 1920, views = 50, listed = 67

    /// Writes the capture into `folder` from the JPEG photos in `photos` (each cut into several 1080×1920
    /// crops); returns the number of images written.
    static func write(into folder: String, photos: String) throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: photos).filter { $0.uppercased().hasSuffix(".JPG") }.sorted()
        guard !names.isEmpty else { throw FieldError(file: photos, "holds no .JPG photos") }
        try FileAccess.makeFolder(folder + "/images")
        let perPhoto = (views + names.count - 1) / names.count
        var written = 0
        for name in names where written < views {
            let photo = try Image.read(photos + "/" + name)
            guard photo.width >= width, photo.height >= height else { throw FieldError(file: name, "is smaller than 1080×1920") }
            for k in 0..<perPhoto where written < views {
                let x0 = (photo.width - width) * k / max(1, perPhoto - 1), y0 = (photo.height - height) / 2
                var crop = [Float](repeating: 0, count: width * height * 3)
                for y in 0..<height {
                    let s = photo.index(x: x0, y: y0 + y), d = y * width * 3
                    for i in 0..<(width * 3) { crop[d + i] = photo.pixels[s + i] }
                }
                try Image(width: width, height: height, channels: 3, pixels: crop)
                    .writeJPEG(to: folder + String(format: "/images/%04d.jpg", frameNumber(written)), quality: 92)
                written += 1
            }
        }
        try FileAccess.writeAtomically(Array(transformsJSON(images: written).utf8), to: folder + "/transforms.json")
        return written
    }

    /// The frame number of the `i`-th image: of the 67 listed frames, every fourth from the 2nd on has none.
    static func frameNumber(_ i: Int) -> Int {
        var n = 0, seen = 0
        while true {
            if !hasNoImage(n) { if seen == i { return n }; seen += 1 }
            n += 1
        }
    }

    static func hasNoImage(_ n: Int) -> Bool { n % 4 == 1 && n / 4 < listed - views }

    /// instant-ngp's colmap2nerf layout: shared OpenCV intrinsics, `aabb_scale` 4, a `sharpness` per frame;
    /// cameras in a row 2 units in front of the scene, looking at it.
    static func transformsJSON(images: Int) -> String {
        var frames: [String] = []
        for n in 0..<(images + listed - views) {
            let u = Double(n) / Double(listed - 1) - 0.5
            let x = 1.6 * u, z = 2.0
            let yaw = atan2(x, z)   // look at the origin
            let c = cos(yaw), s = sin(yaw)
            let m = "[[\(c), 0, \(s), \(x)], [0, 1, 0, 0], [\(-s), 0, \(c), \(z)], [0, 0, 0, 1]]"
            frames.append(String(format: "{\"file_path\": \"images/%04d.jpg\", \"sharpness\": %.1f, \"transform_matrix\": \(m)}", n, 80 + Double(n % 7)))
        }
        return """
            {"camera_angle_x": 0.64, "fl_x": 1650.0, "fl_y": 1650.0, "cx": 540.0, "cy": 960.0, "w": \(width), "h": \(height),
             "k1": -0.02, "k2": 0.004, "p1": 0.0005, "p2": -0.0003, "aabb_scale": 4,
             "frames": [\(frames.joined(separator: ",\n"))]}
            """
    }
}
