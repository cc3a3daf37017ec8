import FieldIO
import ModelLibrary
import TensorCore

/// One kind of field fieldfit fits (image, sdf, nerf, …), as a plug-in: everything task-specific lives in one
/// folder of `App/Tasks` behind this protocol — the scene file's data keys and task-only keys, the default
/// model, the fit loop's task (`FitTask`: sampler or training step, evaluation, outputs, checkpoint state,
/// viewer rendering) and how a trained run is reopened for `fieldfit render` / `mesh`. `TaskRegistry` lists the
/// definitions; nothing outside a task's folder switches on the task.
public protocol TaskDefinition: Sendable {
    /// The scene file's `task` value.
    var name: String { get }
    /// An example `data` object, for the error when a scene has none.
    var dataExample: String { get }
    /// Model and training defaults for scenes that leave them out.
    var defaults: TaskDefaults { get }
    /// Top-level scene keys only this task takes (e.g. nerf's `nerf`, `dir_encoding`, `rgb_network`).
    var settingsKeys: [String] { get }
    /// Whether the scene's `render` object takes the radiance-field keys (camera paths, rgb/depth/alpha modes).
    var rendersRadiance: Bool { get }
    /// Whether `fieldfit render` and `fieldfit mesh` work on this task's runs.
    var rendersTrainedRuns: Bool { get }
    var exportsMeshes: Bool { get }
    /// The `data` key that names one input file (sdf: `mesh`, image: `image`), for `fieldfit batch --template`;
    /// nil when the task's data is not one file.
    var dataFileKey: String? { get }
    /// The file extensions (lower case, no dot) `dataFileKey` takes.
    var dataFileExtensions: [String] { get }

    /// Reads the scene's `data` object (the caller checks for unknown keys afterwards).
    func readData(_ data: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskData
    /// Reads this task's own top-level keys from the scene's root object.
    func readSettings(_ root: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskSettings
    /// The fit loop's task for `scene`, its data loaded; may fill in settings the scene left to the data. Also
    /// the finest grid resolution the task wants (instant-ngp's level-scale rule).
    func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> (task: FitTask, finestResolution: Int)
    /// The trainer for the scene's model.
    func makeTrainer(_ scene: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) -> Trainer
    /// A trained run reopened without training (`rendersTrainedRuns` or `exportsMeshes` tasks), its checkpoint
    /// already in `trainer`.
    func openTrained(_ scene: inout Scene, trainer: Trainer, checkpoint: Checkpoint.State, folder: RunFolder,
                     pool: WorkerPool) throws(FieldError) -> TrainedTask
    /// The modes the live viewer offers for this task (the first is shown unless `--mode` says otherwise).
    var liveModes: [LiveMode] { get }
}

extension TaskDefinition {
    public var settingsKeys: [String] { [] }
    public var rendersRadiance: Bool { false }
    public var rendersTrainedRuns: Bool { false }
    public var exportsMeshes: Bool { false }
    public var dataFileKey: String? { nil }
    public var dataFileExtensions: [String] { [] }

    public func readSettings(_ root: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskSettings { NoTaskSettings() }

    /// The plain model: `encoding → network`.
    public func makeTrainer(_ scene: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) -> Trainer {
        try ModelFactory.makeTrainer(encoding: scene.encoding, network: scene.network, loss: scene.loss,
                                     optimizer: scene.optimizer, inputWidth: inputWidth, outputWidth: outputWidth,
                                     batchCapacity: scene.training.batchSize, seed: scene.training.seed, file: scene.file)
    }

    public func openTrained(_ scene: inout Scene, trainer: Trainer, checkpoint: Checkpoint.State, folder: RunFolder,
                            pool: WorkerPool) throws(FieldError) -> TrainedTask {
        throw TaskRegistry.unsupported(folder.path, task: name, what: "mesh and render work",
                                       supports: { $0.rendersTrainedRuns || $0.exportsMeshes })
    }
}

/// What a task uses when the scene leaves it out.
public struct TaskDefaults: Sendable {
    /// tiny-cuda-nn-style objects.
    public var encoding: JSONValue, network: JSONValue, loss: JSONValue, optimizer: JSONValue
    /// Samples per step.
    public var batchSize: Int
    /// Seconds of training between evaluations.
    public var evalEverySeconds: Double

    public init(encoding: JSONValue, network: JSONValue, loss: JSONValue, optimizer: JSONValue, batchSize: Int = 1 << 14,
                evalEverySeconds: Double = 0.25) {
        (self.encoding, self.network, self.loss, self.optimizer) = (encoding, network, loss, optimizer)
        self.batchSize = batchSize
        self.evalEverySeconds = evalEverySeconds
    }
}

/// A task's parsed `data` object.
public protocol TaskData: Sendable {
    /// The object as written to config.json (paths absolute).
    var json: JSONValue { get }
}

/// A task's own top-level scene settings.
public protocol TaskSettings: Sendable {
    /// The members written to config.json after `network` (in order).
    var json: [(key: String, value: JSONValue)] { get }
    /// The members written to config.json after `render` (in order).
    var trailingJSON: [(key: String, value: JSONValue)] { get }
}

extension TaskSettings {
    public var json: [(key: String, value: JSONValue)] { [] }
    public var trailingJSON: [(key: String, value: JSONValue)] { [] }
}

/// The settings of a task that has none of its own.
public struct NoTaskSettings: TaskSettings {
    public init() {}
}

/// Makes a scene's relative data paths absolute (against the scene file's folder).
public struct ScenePaths: Sendable {
    /// The file relative paths are relative to (nil: the current folder).
    public var resolvePathsAgainst: String?

    /// `path` made absolute.
    public func absolute(_ path: String) -> String {
        let resolved = resolvePathsAgainst.map { FileAccess.resolve(path, relativeTo: $0) } ?? path
        return resolved.hasPrefix("/") ? resolved : FileAccess.absolute(resolved)
    }
}

/// A trained run of a task reopened without training: what `fieldfit render` and `fieldfit mesh` do with it.
public protocol TrainedTask {
    /// Renders the run's views again into `folder` (orbit and image size from `options` when given).
    func render(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError)
    /// Marching cubes of the run (`options`: resolution, output file); by default refused.
    func exportMesh(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError)
    /// `fieldfit export RUN pointcloud`: a coloured point cloud of the field; by default refused.
    func exportPointCloud(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError)
    /// `fieldfit export RUN cameras`: the training cameras as JSON and a PLY of frustums; by default refused.
    func exportCameras(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError)
}

extension TrainedTask {
    public func exportMesh(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        throw FieldError(file: folder.path, "this run's task has no mesh export")
    }
    public func exportPointCloud(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        throw FieldError(file: folder.path, "this run's field has no point cloud export (a NeRF run has one)")
    }
    public func exportCameras(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        throw FieldError(file: folder.path, "this run has no cameras to export (a NeRF run has)")
    }
}
