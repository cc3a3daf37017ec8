import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// A finished (or checkpointed) run opened for use without training: its scene, its model with the
/// checkpoint's parameters, and the task's saved state. Serves `fieldfit mesh` (SDF runs) and
/// `fieldfit render` (SDF and NeRF runs).
struct TrainedRun {
    var scene: Scene
    let trainer: Trainer
    let folder: RunFolder
    let transform: UnitTransform
    let pool: WorkerPool
    /// The NeRF task with its views (NeRF runs only).
    let radiance: NeRFFitTask?

    /// Opens the run folder at `path`.
    init(path: String, threads: Int?) throws(FieldError) {
        scene = try Scene.loadRun(path)
        guard scene.task != .image else {
            throw FieldError(file: path, "is a run of the image task; mesh and render work on sdf and nerf runs")
        }
        let count = threads ?? (scene.training.threads > 0 ? scene.training.threads : ProcessInfo.processInfo.activeProcessorCount)
        pool = WorkerPool(threads: count)
        folder = try RunFolder(path: path)
        radiance = scene.task == .nerf ? try NeRFFitTask(&scene, pool: pool) : nil
        trainer = try TaskFactory.makeTrainer(scene, inputWidth: 3, outputWidth: 1)
        let state = try Checkpoint.load(from: folder.checkpointPath, into: trainer)
        try radiance?.restore(tensors: state.taskTensors, file: folder.file("checkpoint/task.safetensors"))
        if let s = state.taskState, let t = s["unit_to_data"] {
            transform = try UnitTransform(json: t, file: folder.file("checkpoint/state.json"))
        } else {
            transform = UnitTransform()
        }
    }

    /// `fieldfit mesh`: marching cubes at the requested resolution, written as the scene's formats
    /// (or to `--out FILE`, whose extension picks the format).
    func exportMesh(options: Options) throws(FieldError) {
        guard scene.task == .sdf else {
            throw FieldError(file: folder.path, "is a run of the \(scene.task.rawValue) task; mesh export works on sdf runs")
        }
        var settings = scene.meshExport
        if let r = options.meshResolution { settings.resolution = r }
        var target: String?
        if let out = options.outputFolder {
            let ext = (out as NSString).pathExtension.lowercased()
            guard ext == "ply" || ext == "obj" else {
                throw FieldError(location: "--out", "expected a file name ending in .ply or .obj, got \"\(out)\"")
            }
            settings.formats = [ext]
            target = out
        }
        let field = TrainedDistanceField(trainer: trainer)
        try trainer.withInferenceParameters { () throws(FieldError) in
            _ = try SDFMeshExport.write(field: field, settings: settings, transform: transform, folder: folder,
                                        pool: pool, path: target, quiet: options.quiet)
        }
    }

    /// `fieldfit render`: the scene's views (orbit size and image size overridable) into the run
    /// folder's renders/ (or `--out DIR`'s).
    func render(options: Options) throws(FieldError) {
        let out = try options.outputFolder.map { (p: String) throws(FieldError) in try RunFolder(path: p) } ?? folder
        if let radiance {
            if let path = options.cameraPath { radiance.scene.render.cameraPath = path }
            var final: [(key: String, value: JSONValue)] = []
            try trainer.withInferenceParameters { () throws(FieldError) in
                try NeRFRendering.write(task: radiance, trainer: trainer, folder: out, pool: pool, final: &final,
                                        width: options.width, height: options.height, orbitViews: options.orbitViews,
                                        quiet: options.quiet)
            }
            // What the renders took, for benchmarks and scripts.
            let timing = final.filter { ["render_seconds_per_view", "test_psnr", "test_ssim", "test_rays_per_second"].contains($0.key) }
                .map { (key: $0.key == "render_seconds_per_view" ? "seconds_per_view" : $0.key, value: $0.value) }
            try FileAccess.writeAtomically(JSONWriter.string(.object(timing)), to: out.file("render-metrics.json"))
            return
        }
        if options.cameraPath != nil {
            throw FieldError(location: "--camera-path", "camera paths are for nerf runs")
        }
        let field = TrainedDistanceField(trainer: trainer)
        try trainer.withInferenceParameters { () throws(FieldError) in
            _ = try SDFRendering.write(field: field, settings: scene.render, transform: transform, folder: out, pool: pool,
                                       width: options.width, height: options.height, orbitViews: options.orbitViews,
                                       quiet: options.quiet)
        }
    }
}
