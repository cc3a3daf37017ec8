import FieldIO
import Foundation
import ModelLibrary
import Render
import TensorCore

/// Writes what a trained NeRF run shows: the held-out views as ground truth | prediction PNGs with
/// nerfstudio's eval JSON (`test/`, `eval.json`), and the renders the scene's `render` settings ask for
/// (the render path — an orbit, or for a forward-facing capture a path through its cameras —, explicit
/// cameras, a camera path) as rgb / depth / alpha PNGs under `renders/`, or the path as a video.
enum NeRFRendering {
    /// Writes everything; adds the final scores and render speed to `final`.
    static func write(task: NeRFFitTask, trainer: Trainer, folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], width: Int? = nil, height: Int? = nil,
                      orbitViews: Int? = nil, path: NeRFRenderPath? = nil, quiet: Bool) throws(FieldError) {
        let settings = task.scene.render
        if settings.testViews && task.testViews.count > 0 {
            let (scores, images) = task.renderTestViews(trainer, pool: pool)
            let dir = folder.file("test")
            try FileAccess.makeFolder(dir)
            for (v, prediction) in images.enumerated() {
                let gt = task.testViews.image(v, background: task.scene.radiance.background)
                try NeRFEvaluation.comparisonImage(groundTruth: gt, prediction: prediction)
                    .writePNG(to: (dir as NSString).appendingPathComponent(String(format: "view_%03d.png", v)))
            }
            let summary = NeRFEvaluationSummary(views: scores)
            let eval = summary.nerfstudioJSON(experimentName: task.scene.name, methodName: "fieldfit-instant-ngp",
                                              checkpoint: folder.checkpointPath, includeViews: true)
            try FileAccess.writeAtomically(JSONWriter.string(eval), to: folder.file("eval.json"))
            final.append(("test_psnr", .double(summary.psnr)))
            final.append(("test_ssim", .double(summary.ssim)))
            final.append(("test_rays_per_second", .double(summary.raysPerSecond)))
            if !quiet {
                print("fieldfit: \(scores.count) test views: PSNR \(String(format: "%.2f", summary.psnr)) ± \(String(format: "%.2f", summary.psnrStd)) dB, SSIM \(String(format: "%.4f", summary.ssim)), \(String(format: "%.0f", summary.raysPerSecond)) rays/s → \(dir)")
            }
        }
        let sets = try cameras(task: task, width: width, height: height, orbitViews: orbitViews, path: path)
        guard !sets.isEmpty else { return }
        let renderer = RadianceRenderer(grid: task.training(trainer, resumed: true).grid)
        let field = NeRFRadianceField(trainer: trainer)
        var seconds = 0.0, views = 0, pixels = 0
        for (set, cams) in sets {
            let dir = folder.file("renders/\(set)")
            try FileAccess.makeFolder(dir)
            for (k, camera) in cams.enumerated() {
                let t0 = monotonicSeconds()
                let out = renderer.render(camera, field: field, background: task.scene.radiance.background, pool: pool)
                seconds += monotonicSeconds() - t0
                views += 1
                pixels += camera.width * camera.height
                for mode in settings.modes {
                    let image: Image
                    switch mode {
                    case "rgb": image = out.rgb
                    case "depth": image = depthImage(out, width: camera.width, height: camera.height)
                    default: image = Image(width: camera.width, height: camera.height, channels: 1, pixels: out.opacity)
                    }
                    try image.writePNG(to: (dir as NSString).appendingPathComponent(mode + String(format: "_%03d.png", k)))
                }
            }
        }
        final.append(("render_seconds_per_view", .double(seconds / Double(max(views, 1)))))
        if !quiet {
            print("fieldfit: rendered \(views) view\(views == 1 ? "" : "s") (\(sets.map(\.set).joined(separator: ", "))) in \(String(format: "%.2f", seconds)) s, \(String(format: "%.0f", Double(pixels) / max(seconds, 1e-9))) rays/s → \(folder.file("renders"))")
        }
    }

    /// The render path's cameras (`path`, else the capture's default: `NeRFRenderPath.automatic`), the explicit
    /// cameras and the scene's camera path, grouped by folder name. `orbitViews` (else the scene's `orbit`) is the
    /// number of views on an orbit, interpolated or spiral path; 0 renders none of them.
    static func cameras(task: NeRFFitTask, width: Int?, height: Int?, orbitViews: Int?,
                        path: NeRFRenderPath? = nil) throws(FieldError) -> [(set: String, cameras: [Camera])] {
        let s = task.scene.render
        let choice = path ?? NeRFRenderPath.automatic(for: task.trainViews.cameras)
        let count = orbitViews ?? s.orbitViews
        var sets = SDFRendering.cameras(s, transform: UnitTransform(), width: width, height: height, orbitViews: 0)
        var isFile = false
        if case .file = choice { isFile = true }
        if count > 0 || isFile {
            sets.insert((choice.folderName, try pathCameras(task: task, path: choice, count: count, width: width, height: height)), at: 0)
        }
        if let file = s.cameraPath, !isFile {
            sets.append(("path", Camera.path(try CameraPath.read(file), scene: task.sceneTransform, width: width, height: height)))
        }
        return sets
    }

    /// `count` cameras along `path` for `task`'s run.
    static func pathCameras(task: NeRFFitTask, path: NeRFRenderPath, count: Int, width: Int?, height: Int?) throws(FieldError) -> [Camera] {
        try path.cameras(count: count, training: task.trainViews.cameras, settings: task.scene.render, scene: task.sceneTransform,
                         width: width, height: height)
    }

    /// Renders `count` frames along `path` (the capture's default when nil) into the video `file` with ffmpeg
    /// (`VideoEncoder`) at `fps`; returns the seconds rendering took.
    @discardableResult
    static func writeVideo(task: NeRFFitTask, trainer: Trainer, file: String, path: NeRFRenderPath?, count: Int, fps: Double,
                           width: Int?, height: Int?, pool: WorkerPool, quiet: Bool) throws(FieldError) -> Double {
        let choice = path ?? NeRFRenderPath.automatic(for: task.trainViews.cameras)
        let cams = try pathCameras(task: task, path: choice, count: count, width: width, height: height)
        guard let first = cams.first else { throw FieldError(location: "--video", "the \(choice.folderName) path has no frames") }
        let encoder = try VideoEncoder(path: file, width: first.width, height: first.height, fps: fps)
        let renderer = RadianceRenderer(grid: task.training(trainer, resumed: true).grid)
        let field = NeRFRadianceField(trainer: trainer)
        var seconds = 0.0
        for (k, camera) in cams.enumerated() {
            let t0 = monotonicSeconds()
            let out = renderer.render(camera, field: field, background: task.scene.radiance.background, pool: pool)
            seconds += monotonicSeconds() - t0
            do throws(FieldError) { try encoder.append(out.rgb) } catch { encoder.cancel(); throw error }
            if !quiet { FileHandle.standardOutput.write(Data("\rfieldfit: video frame \(k + 1)/\(cams.count)".utf8)) }
        }
        try encoder.finish()
        if !quiet {
            print("\rfieldfit: rendered \(cams.count) frames (\(choice.folderName)) in \(String(format: "%.2f", seconds)) s → \(file) (\(first.width & ~1)×\(first.height & ~1), \(fps) fps)")
        }
        return seconds
    }

    /// Expected depth colour-mapped with turbo between the nearest and farthest hit (opacity > 0.5);
    /// empty pixels black.
    static func depthImage(_ out: RadianceImage, width: Int, height: Int) -> Image {
        var lo = Float.infinity, hi = -Float.infinity
        for i in out.depth.indices where out.opacity[i] > 0.5 {
            let d = out.depth[i] / out.opacity[i]
            lo = min(lo, d); hi = max(hi, d)
        }
        var pixels = [Float](repeating: 0, count: width * height * 3)
        let span = hi > lo ? hi - lo : 1
        for i in out.depth.indices where out.opacity[i] > 0.5 {
            let c = ColorMap.turbo((out.depth[i] / out.opacity[i] - lo) / span) * out.opacity[i]
            pixels[3 * i] = c.x; pixels[3 * i + 1] = c.y; pixels[3 * i + 2] = c.z
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
}
