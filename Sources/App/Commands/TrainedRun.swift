import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// A finished (or checkpointed) run opened for use without training: its scene, its model with the
/// checkpoint's parameters, and what its task does with a trained field (`TrainedTask`). Serves
/// `fieldfit render`, `fieldfit export` and `fieldfit mesh`.
struct TrainedRun {
    var scene: Scene
    let trainer: Trainer
    let folder: RunFolder
    let pool: WorkerPool
    let trained: TrainedTask

    /// Opens the run folder at `path`.
    init(path: String, threads: Int?) throws(FieldError) {
        scene = try Scene.loadRun(path)
        let definition = scene.definition
        guard definition.rendersTrainedRuns || definition.exportsMeshes else {
            throw TaskRegistry.unsupported(path, task: scene.task, what: "mesh and render work",
                                           supports: { $0.rendersTrainedRuns || $0.exportsMeshes })
        }
        let count = threads ?? (scene.training.threads > 0 ? scene.training.threads : ProcessInfo.processInfo.activeProcessorCount)
        pool = WorkerPool(threads: count)
        folder = try RunFolder(path: path)
        // The model is built as the fit built it: the NeRF task's own (3 → 4) or `encoding → network` (3 → 1).
        trainer = try TaskFactory.makeTrainer(scene, inputWidth: 3, outputWidth: 1)
        let state = try Checkpoint.load(from: folder.checkpointPath, into: trainer)
        trained = try definition.openTrained(&scene, trainer: trainer, checkpoint: state, folder: folder, pool: pool)
    }

    /// `fieldfit mesh`: marching cubes at the requested resolution, written as the scene's formats
    /// (or to `--out FILE`, whose extension picks the format).
    func exportMesh(options: Options) throws(FieldError) {
        guard scene.definition.exportsMeshes else {
            throw TaskRegistry.unsupported(folder.path, task: scene.task, what: "mesh export works", supports: { $0.exportsMeshes })
        }
        try trained.exportMesh(trainer: trainer, options: options, folder: folder, pool: pool)
    }

    /// `fieldfit export RUN pointcloud`.
    func exportPointCloud(options: Options) throws(FieldError) {
        try trained.exportPointCloud(trainer: trainer, options: options, folder: folder, pool: pool)
    }

    /// `fieldfit export RUN cameras`.
    func exportCameras(options: Options) throws(FieldError) {
        try trained.exportCameras(trainer: trainer, options: options, folder: folder, pool: pool)
    }

    /// `fieldfit render`: the scene's views (orbit size and image size overridable) into the run
    /// folder's renders/ (or `--out DIR`'s).
    func render(options: Options) throws(FieldError) {
        let out = try options.outputFolder.map { (p: String) throws(FieldError) in try RunFolder(path: p) } ?? folder
        try trained.render(trainer: trainer, options: options, folder: out, pool: pool)
    }
}
