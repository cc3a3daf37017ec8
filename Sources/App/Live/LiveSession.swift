import FieldIO
import Fields
import Foundation
import ModelLibrary
import Render
import TensorCore

/// A field the live viewer shows: a scene being fitted (through the same `FitRun` as `fieldfit`, so the
/// training is step for step the one `fieldfit` does) or a trained run reopened from its folder. It
/// trains one step at a time, evaluates when the scene's schedule says so, and renders the current field
/// for a camera and a mode with the same renderers as the run folder's PNGs. Not thread-safe: one thread
/// (the viewer's worker) owns it.
public final class LiveSession {
    /// Where the field comes from.
    public enum Source: Equatable, Sendable {
        /// A scene file, or the name of an embedded scene.
        case scene(String)
        /// A run folder a fit wrote.
        case run(String)
        /// The embedded default (NeRF demo) scene.
        case defaultScene
    }

    let fit: FitRun
    /// True when the session was opened from a run folder.
    public let reopened: Bool
    /// Whether training stops at the scene's step or time limit: always for a scene; for a reopened run
    /// only when `--steps` or `--seconds` gave a new total (otherwise it trains for as long as it is let).
    public let trainsToLimit: Bool
    /// The modes this task can show.
    public let modes: [LiveMode]
    /// The orbit's home pose (the scene's render settings).
    public let home: OrbitCamera.Home
    /// The training cameras (NeRF), for stepping through them; empty for other tasks.
    public let trainingCameras: [Camera]
    /// The task name (`image`, `sdf`, `nerf`) and the one-line summary of the data.
    public let taskName: String
    public let summary: String
    private var lossSum = 0.0, lossCount = 0
    private var lastEval: (step: Int, seconds: Double)
    /// The loss of the last training step.
    public private(set) var lastLoss: Float = .nan
    private var sdfGrid: (fieldVersion: Int, grid: SphereTracer.CoarseGrid?)?
    private var imageInput: FloatBuffer?
    private var imageOutput: FloatBuffer?

    /// Reads and checks `source`'s scene file (or the run folder's config.json) without loading its data,
    /// so that a bad scene is reported before a window is opened.
    public static func check(_ source: Source) throws(FieldError) {
        switch source {
        case .run(let path): _ = try Scene.loadRun(path)
        case .scene(let name):
            let embedded = FileAccess.exists(name) ? nil : try EmbeddedScenes.named(name)
            if embedded == nil { _ = try Scene.load(name) }
        case .defaultScene: break
        }
    }

    /// Opens `source`: loads the scene (with the command-line overrides in `options`) and its data and
    /// builds the model, or reopens a run folder with its checkpoint. Errors are the scene's and data's own.
    public init(_ source: Source, options: Options) throws(FieldError) {
        switch source {
        case .run(let path):
            fit = try FitRun.resume(from: path, options: options)
            reopened = true
        case .scene(let name):
            var scene: Scene
            if !FileAccess.exists(name), let embedded = try EmbeddedScenes.named(name) { scene = embedded } else { scene = try Scene.load(name) }
            options.apply(to: &scene)
            fit = try FitRun(scene: scene, quiet: true)
            reopened = false
        case .defaultScene:
            var scene = try EmbeddedScenes.defaultScene()
            options.apply(to: &scene)
            fit = try FitRun(scene: scene, quiet: true)
            reopened = false
        }
        trainsToLimit = !reopened || options.steps != nil || options.seconds != nil
        let scene = fit.scene
        taskName = scene.task.rawValue
        summary = fit.task.summary
        modes = LiveMode.modes(for: scene.task)
        let r = scene.render
        switch fit.task {
        case let image as ImageFitTask:
            home = OrbitCamera.Home(center: SIMD3(repeating: 0.5), distance: 1, elevation: 0, worldUp: SIMD3(0, 1, 0),
                                    fieldOfView: 40, width: image.task.width, height: image.task.height)
            trainingCameras = []
        case let nerf as NeRFFitTask:
            let rr = nerf.scene.render
            home = OrbitCamera.Home(center: SIMD3(repeating: 0.5), distance: Float(rr.distance), elevation: Float(rr.elevation),
                                    worldUp: rr.up, fieldOfView: Float(rr.fieldOfView), width: rr.width, height: rr.height)
            trainingCameras = nerf.trainViews.cameras
        default:
            home = OrbitCamera.Home(center: SIMD3(repeating: 0.5), distance: Float(r.distance), elevation: Float(r.elevation),
                                    worldUp: r.up, fieldOfView: Float(r.fieldOfView), width: r.width, height: r.height)
            trainingCameras = []
        }
        // The fit loop scores the untouched field before the first step, which makes a NeRF's occupancy grid
        // from the field; make it the same way (so training is step for step fieldfit's), without that
        // evaluation's renders of every test view (tens of seconds on an untrained field).
        if let nerf = fit.task as? NeRFFitTask {
            let trainer = fit.trainer
            trainer.withInferenceParameters { _ = nerf.training(trainer, resumed: true) }
        }
        lastEval = (fit.completedSteps, fit.secondsTrained)
    }

    /// Whether training has reached the scene's step or time limit (see `trainsToLimit`).
    public var trainingFinished: Bool {
        guard trainsToLimit else { return false }
        let t = fit.scene.training
        return (t.steps > 0 && fit.completedSteps >= t.steps) || (t.seconds > 0 && fit.secondsTrained >= t.seconds)
    }

    /// Steps trained so far.
    public var step: Int { fit.completedSteps }
    /// Network samples per second of training.
    public var samplesPerSecond: Double { fit.samplesPerSecond }
    /// The run folder.
    public var folder: String { fit.folder.path }
    /// The latest evaluation's headline score, formatted (e.g. "psnr 28.31 dB"), or nil before the first.
    public var headline: String? {
        guard let last = fit.history.last else { return nil }
        let v = last[fit.task.headline.name]
        return v.isNaN ? nil : fit.task.headline.format(v)
    }

    /// Trains one step, then evaluates if the scene's schedule says one is due. Throws when the loss
    /// stops being finite.
    public func trainStep() throws(FieldError) {
        let loss = fit.trainOneStep()
        guard loss.isFinite else {
            throw FieldError(file: fit.folder.path, "training diverged: the loss became \(loss) at step \(fit.completedSteps)")
        }
        lastLoss = loss
        lossSum += Double(loss); lossCount += 1
        let t = fit.scene.training
        let due = t.evalEverySteps > 0 ? fit.completedSteps - lastEval.step >= t.evalEverySteps
                                       : fit.secondsTrained - lastEval.seconds >= t.evalEverySeconds
        if due || trainingFinished {
            fit.evaluateNow(loss: lossSum / Double(max(lossCount, 1)))
            lossSum = 0; lossCount = 0
            lastEval = (fit.completedSteps, fit.secondsTrained)
        }
    }

    /// Writes the checkpoint into the run folder (as `fieldfit` does; `fieldfit render` reopens it).
    public func saveCheckpoint() throws(FieldError) { try fit.checkpointNow() }

    /// Renders the current field (with its inference parameters) through `camera` in `mode` as an RGB image.
    /// `fieldVersion` tells it when a cached acceleration structure (an SDF's coarse grid) must be rebuilt.
    /// Image tasks ignore the camera and show the whole image.
    public func render(_ camera: Camera, mode: LiveMode, fieldVersion: Int) -> Image {
        let trainer = fit.trainer, pool = fit.pool
        return trainer.withInferenceParameters {
            switch fit.task {
            case let nerf as NeRFFitTask: return renderRadiance(nerf, camera: camera, mode: mode)
            case let image as ImageFitTask: return renderImage(image, mode: mode)
            default:
                let field = TrainedDistanceField(trainer: trainer)
                var renderer = SDFRenderer()
                renderer.normalStep = fit.scene.render.normalStep.map { Float($0) }
                if sdfGrid?.fieldVersion != fieldVersion {
                    sdfGrid = (fieldVersion, renderer.tracer.coarseGrid(field, pool: pool))
                }
                let frame = renderer.trace(camera: camera, field: field, grid: sdfGrid?.grid, pool: pool)
                switch mode {
                case .depth: return renderer.image(frame, mode: .depth)
                case .normals: return renderer.image(frame, mode: .normals)
                case .alpha: return Image(width: camera.width, height: camera.height, channels: 3,
                                          pixels: frame.depth.flatMap { d -> [Float] in d.isFinite ? [1, 1, 1] : [0, 0, 0] })
                default: return renderer.image(frame, mode: .shaded)
                }
            }
        }
    }

    private func renderRadiance(_ nerf: NeRFFitTask, camera: Camera, mode: LiveMode) -> Image {
        let renderer = RadianceRenderer(grid: nerf.training(fit.trainer, resumed: true).grid)
        let out = renderer.render(camera, field: NeRFRadianceField(trainer: fit.trainer), background: nerf.scene.radiance.background, pool: fit.pool)
        switch mode {
        case .depth: return NeRFRendering.depthImage(out, width: camera.width, height: camera.height)
        case .alpha: return Image(width: camera.width, height: camera.height, channels: 3, pixels: out.opacity.flatMap { [$0, $0, $0] })
        case .normals: return DepthNormals.image(out, camera: camera)
        default: return out.rgb
        }
    }

    private func renderImage(_ image: ImageFitTask, mode: LiveMode) -> Image {
        let task = image.task
        let target = Image(width: task.width, height: task.height, channels: task.channels, pixels: task.target.array)
        if mode == .target { return target.channels == 3 ? target : target.rgb() }
        if imageInput == nil {
            imageInput = task.pixelCentres()
            imageOutput = FloatBuffer(count: task.pixelCount * task.channels)
        }
        let input = imageInput!, output = imageOutput!
        fit.trainer.infer(input: input.pointer, output: output.pointer, batch: task.pixelCount, pool: fit.pool)
        var pixels = [Float](repeating: 0, count: output.count)
        for i in 0..<output.count { pixels[i] = min(max(output[i], 0), 1) }
        let prediction = Image(width: task.width, height: task.height, channels: task.channels, pixels: pixels)
        let shown = mode == .error ? errorHeatmap(prediction: prediction, target: target) : prediction
        return shown.channels == 3 ? shown : shown.rgb()
    }
}
