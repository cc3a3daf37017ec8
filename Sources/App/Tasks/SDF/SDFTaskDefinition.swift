import FieldIO
import Fields
import ModelLibrary
import Foundation
import TensorCore

/// The SDF task: xyz → signed distance to a triangle mesh (OBJ, PLY, STL) or an analytic shape.
struct SDFTaskDefinition: TaskDefinition {
    let name = "sdf"
    let dataExample = "{\"mesh\": \"bunny.obj\"}"
    let settingsKeys = ["mesh_export"]
    var rendersTrainedRuns: Bool { true }
    var exportsMeshes: Bool { true }
    var dataFileKey: String? { "mesh" }
    var dataFileExtensions: [String] { MeshFormat.allCases.map(\.rawValue) }
    var liveModes: [LiveMode] { [.rgb, .depth, .normals, .alpha] }

    /// The SDF model: a hash grid of 12 levels × 2 features, 2^17 entries per level, base 16 (finest level 2048
    /// across the unit cube), smaller than instant-ngp's 16 × 2^19 so that a CPU step is cheap enough to converge
    /// in seconds (see BENCHMARKS.md); a 64-wide MLP with two hidden ReLU layers and a linear output (instant-ngp's
    /// SDF model); MAPE; 2^14 points a step; Adam at 5e-4 under a schedule that lets the fit settle (issue 23,
    /// BENCHMARKS.md): the rate × 0.7 every 200 steps from step 1000 (tcnn's `ExponentialDecay`; at a constant rate
    /// the bunny's IoU peaks near step 800 and then drifts down), evaluated and rendered with an exponential moving
    /// average of the weights (tcnn's `Ema`). Both are functions of the step count alone, so a fit is deterministic
    /// under a step budget and follows the same curve under a time budget, wherever the clock stops it.
    var defaults: TaskDefaults {
        TaskDefaults(
            encoding: .object([("otype", .string("HashGrid")), ("n_levels", .int(12)), ("n_features_per_level", .int(2)),
                               ("log2_hashmap_size", .int(17)), ("base_resolution", .int(16))]),
            network: .object([("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("None")),
                              ("n_neurons", .int(64)), ("n_hidden_layers", .int(2))]),
            loss: .object([("otype", .string("MAPE"))]),
            optimizer: SDFTaskDefinition.scheduledAdam,
            batchSize: 1 << 14)
    }

    /// The default optimizer: `Ema` (decay 0.95) over `ExponentialDecay` (× 0.7 every 200 steps from step 1000) over
    /// Adam (lr 5e-4, β 0.9/0.99, ε 1e-15).
    static let scheduledAdam: JSONValue = .object([
        ("otype", .string("Ema")), ("decay", .double(0.95)),
        ("nested", .object([
            ("otype", .string("ExponentialDecay")), ("decay_start", .int(1000)), ("decay_interval", .int(200)),
            ("decay_base", .double(0.7)),
            ("nested", .object([("otype", .string("Adam")), ("learning_rate", .double(5e-4)), ("beta1", .double(0.9)),
                                ("beta2", .double(0.99)), ("epsilon", .double(1e-15)), ("l2_reg", .double(0))])),
        ])),
    ])

    func readData(_ o: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskData {
        if let meshPath = try o.string("mesh") { return SDFData.meshFile(paths.absolute(meshPath)) }
        if let shape = try o.string("shape") {
            guard AnalyticShape.names.contains(shape) else {
                throw o.error("shape", "unknown analytic shape \"\(shape)\", expected one of \(AnalyticShape.names.joined(separator: ", "))")
            }
            return SDFData.analyticShape(shape)
        }
        throw o.error("mesh", "missing: expected \"mesh\" (an OBJ, PLY or STL path) or \"shape\"")
    }

    func readSettings(_ root: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskSettings {
        SDFSettings(meshExport: try MeshExportSettings(root.object("mesh_export")))
    }

    /// instant-ngp's rule for SDFs: the finest level has 2048 cells across the unit cube.
    func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> (task: FitTask, finestResolution: Int) {
        (try SDFFitTask(scene, pool: pool), 2048)
    }

    func openTrained(_ scene: inout Scene, trainer: Trainer, checkpoint: Checkpoint.State, folder: RunFolder,
                     pool: WorkerPool) throws(FieldError) -> TrainedTask {
        var transform = UnitTransform()
        if let s = checkpoint.taskState, let t = s["unit_to_data"] {
            transform = try UnitTransform(json: t, file: folder.file("checkpoint/state.json"))
        }
        return TrainedSDF(scene: scene, transform: transform)
    }
}

/// The SDF task's `data`: a mesh file or an analytic shape.
enum SDFData: TaskData, Equatable {
    /// A triangle mesh file (OBJ, PLY, STL; absolute path).
    case meshFile(String)
    /// A built-in analytic shape.
    case analyticShape(String)

    var json: JSONValue {
        switch self {
        case .meshFile(let path): return .object([("mesh", .string(path))])
        case .analyticShape(let name): return .object([("shape", .string(name))])
        }
    }
}

/// The SDF task's own settings: the marching-cubes export at the end of a fit.
struct SDFSettings: TaskSettings {
    var meshExport: MeshExportSettings
    var trailingJSON: [(key: String, value: JSONValue)] { [("mesh_export", meshExport.json)] }
}

extension Scene {
    /// An SDF scene's marching-cubes export settings (defaults for other tasks).
    var meshExport: MeshExportSettings { (taskSettings as? SDFSettings)?.meshExport ?? MeshExportSettings() }
}

/// A trained SDF run reopened: sphere-traced renders and marching cubes, in the data's units.
struct TrainedSDF: TrainedTask {
    let scene: Scene
    let transform: UnitTransform

    func render(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        if options.cameraPath != nil { throw FieldError(location: "--camera-path", "camera paths are for nerf runs") }
        if let p = options.renderPath, p.lowercased() != "orbit" { throw FieldError(location: "--path", "SDF runs render an orbit; other paths are for nerf runs") }
        if options.videoPath != nil { throw FieldError(location: "--video", "videos are rendered from nerf runs") }
        let field = TrainedDistanceField(trainer: trainer)
        try trainer.withInferenceParameters { () throws(FieldError) in
            _ = try SDFRendering.write(field: field, settings: scene.render, transform: transform, folder: folder, pool: pool,
                                       width: options.width, height: options.height, orbitViews: options.orbitViews,
                                       quiet: options.quiet)
        }
    }

    func exportMesh(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        if options.export.densityThreshold != nil { throw FieldError(location: "--threshold", "is for nerf runs: an SDF's surface is its zero level set") }
        if options.export.previewPath != nil { throw FieldError(location: "--preview", "is for nerf runs (an SDF fit renders its own views)") }
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
}
