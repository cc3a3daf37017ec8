import FieldIO
import Foundation
import Render
import Testing
@testable import App

/// A forward-facing capture (every camera on one side of the scene, looking at it) renders along a path through its
/// cameras by default, not along an orbit that would look from behind.
@Suite(.serialized) struct ForwardCaptureTests {
    /// Writes a transforms.json dataset of the procedural shapes seen by a 4 × 4 grid of cameras in front of them
    /// (unit-cube coordinates: scale 1, offset 0); returns the json's path and the cameras.
    static func writeForwardDataset(_ dir: String, size: Int = 32) throws -> (path: String, cameras: [Camera]) {
        let scene = ProceduralRadianceScene()
        let c = ProceduralRadianceScene.center
        var frames: [String] = [], cameras: [Camera] = []
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        for i in 0..<16 {
            let offset = SIMD3<Float>(Float(i % 4) * 0.12 - 0.18, Float(i / 4) * 0.1 - 0.15, 1.0)
            let camera = Camera.lookAt(position: c + offset, target: c, worldUp: SIMD3(0, 1, 0), fieldOfViewX: 45, width: size, height: size)
            cameras.append(camera)
            try scene.render(camera).writePNG(to: dir + "/images/\(i).png")
            let m = [camera.right, camera.up, camera.backward, camera.position]
            let rows = (0..<3).map { r in "[\(m[0][r]), \(m[1][r]), \(m[2][r]), \(m[3][r])]" } + ["[0, 0, 0, 1]"]
            frames.append("{\"file_path\": \"images/\(i).png\", \"transform_matrix\": [\(rows.joined(separator: ", "))]}")
        }
        let angle = 45.0 * Double.pi / 180
        let json = "{\"camera_angle_x\": \(angle), \"scale\": 1, \"offset\": [0, 0, 0], \"frames\": [\(frames.joined(separator: ", "))]}"
        return (writeFile(dir, "transforms.json", json), cameras)
    }

    @Test func defaultPathInterpolatesTheCaptureAndShowsTheScene() throws {
        let dir = temporaryFolder()
        let data = try Self.writeForwardDataset(dir + "/data")
        let scene = writeFile(dir, "forward.json", """
            {"task": "nerf", "data": {"transforms": "data/transforms.json", "test_every": 8},
             "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8},
             "nerf": {"grid_resolution": 32, "steps_per_diagonal": 256},
             "training": {"steps": 200, "batch_size": 16384, "eval_every_steps": 200, "seed": 4},
             "render": {"orbit": 3}}
            """)
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/renders/orbit"))
        // Frame 0 of the interpolated path is the first training camera along the capture: it shows the scene as
        // that view did (an orbit here would look at the shapes from behind, through untrained space: fog).
        let train = data.cameras.enumerated().filter { $0.offset != 8 }.map(\.element)
        let first = train[Camera.captureOrder(train)[0]]
        let truth = ProceduralRadianceScene().render(first).rgb(background: SIMD3(repeating: 1))
        for k in 0..<3 {
            let frame = try Image.read(out + "/renders/interpolate/rgb_00\(k).png")
            #expect(frame.width == 32 && frame.height == 32)
            let alpha = try Image.read(out + "/renders/interpolate/alpha_00\(k).png")
            let covered = alpha.pixels.filter { $0 > 0.9 }.count
            #expect(covered > alpha.pixels.count / 10, "frame \(k): \(covered) opaque pixels")
        }
        let frame0 = try Image.read(out + "/renders/interpolate/rgb_000.png")
        let psnr = ImageMetrics.psnr(frame0, truth)
        #expect(psnr > 20, "frame 0 vs its training view: \(psnr) dB")
        // The other paths on request, and a video of the spiral where ffmpeg is installed.
        let s = runFieldfit(["render", out, "--path", "spiral", "--frames", "2", "--out", dir + "/spiral", "--quiet"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/spiral/renders/spiral/rgb_001.png"))
        let o = runFieldfit(["render", out, "--path", "orbit", "--frames", "1", "--out", dir + "/orbit", "--quiet"])
        #expect(o.status == 0 && FileManager.default.fileExists(atPath: dir + "/orbit/renders/orbit/rgb_000.png"), "\(o.stderr)")
    }
}
