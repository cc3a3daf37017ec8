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
    /// Whether frames look through the camera (3D fields) or show one fixed picture (an image).
    public let usesCamera: Bool
    /// The orbit's home pose (the scene's render settings).
    public let home: OrbitCamera.Home
    /// The training cameras (NeRF), for stepping through them; empty for other tasks.
    public let trainingCameras: [Camera]
    /// The task name (`image`, `sdf`, `nerf`) and the one-line summary of the data.
    public let taskName: String
    public let summary: String
    /// The loss of the last training step.
    public private(set) var lastLoss: Float = .nan

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
        taskName = scene.task
        summary = fit.task.summary
        modes = fit.task.liveModes
        usesCamera = fit.task.liveUsesCamera
        home = fit.task.liveHome
        trainingCameras = fit.task.liveCameras
        fit.task.prepareLive(fit.trainer)
    }

    /// Whether training has reached the scene's step or time limit (see `trainsToLimit`).
    public var trainingFinished: Bool { trainsToLimit && fit.limitReached }

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

    /// Trains one step of the fit loop `fieldfit` runs (`FitRun.advance`: evaluations on the scene's schedule,
    /// the same divergence error). Throws when the loss stops being finite.
    public func trainStep() throws(FieldError) {
        lastLoss = try fit.advance(limited: trainsToLimit)
    }

    /// Writes the checkpoint into the run folder (as `fieldfit` does; `fieldfit render` reopens it).
    public func saveCheckpoint() throws(FieldError) { try fit.checkpointNow() }

    /// Renders the current field (with its inference parameters) through `camera` in `mode` as an RGB image.
    /// `fieldVersion` tells it when a cached acceleration structure (an SDF's coarse grid) must be rebuilt.
    /// Image tasks ignore the camera and show the whole image.
    public func render(_ camera: Camera, mode: LiveMode, fieldVersion: Int) -> Image {
        let trainer = fit.trainer, pool = fit.pool, task = fit.task
        return trainer.withInferenceParameters { task.liveRender(camera, mode: mode, fieldVersion: fieldVersion, trainer: trainer, pool: pool) }
    }
}
