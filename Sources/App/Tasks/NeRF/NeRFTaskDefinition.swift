import FieldIO
import Foundation
import ModelLibrary
import Render
import TensorCore

/// The NeRF task: xyz, direction → density and colour, from posed images (a transforms.json dataset) or the
/// built-in procedural scene, trained the way instant-ngp trains it.
struct NeRFTaskDefinition: TaskDefinition {
    let name = "nerf"
    let dataExample = "{\"transforms\": \"lego/\"}"
    let settingsKeys = ["dir_encoding", "rgb_network", "nerf"]
    var rendersRadiance: Bool { true }
    var rendersTrainedRuns: Bool { true }
    var exportsMeshes: Bool { true }
    var liveModes: [LiveMode] { [.rgb, .depth, .normals, .alpha] }

    /// instant-ngp's NeRF model on a CPU budget: the position hash grid with 12 levels of 2^16 entries instead of
    /// 16 of 2^19, so that a step stays cheap and in cache (finest level set from the images; BENCHMARKS.md has the
    /// comparison on lego); the density network with one hidden layer of 64 and 16 outputs (column 0 is the raw
    /// density); Huber loss on ray colours; Adam; 2^16 samples a step (a step aims at three quarters of it).
    var defaults: TaskDefaults {
        TaskDefaults(encoding: NeRFTaskDefinition.positionEncoding, network: NeRFTaskDefinition.densityNetwork,
                     loss: .object([("otype", .string("Huber"))]), optimizer: TaskDefaults.instantNGPAdam,
                     batchSize: 1 << 16, evalEverySeconds: 10)
    }

    static let positionEncoding: JSONValue = .object([
        ("otype", .string("HashGrid")), ("n_levels", .int(12)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(16)), ("base_resolution", .int(16)),
    ])
    static let densityNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("None")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(1)),
    ])
    /// instant-ngp's direction encoding: spherical harmonics of degree 4.
    static let directionEncoding: JSONValue = .object([("otype", .string("SphericalHarmonics")), ("degree", .int(4))])
    /// instant-ngp's colour network: two hidden layers of 64, sigmoid RGB.
    static let colorNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("Sigmoid")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(2)),
    ])

    func readData(_ o: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskData {
        let testEvery = try o.int("test_every", default: 8, in: 0...100_000)
        if let path = try o.string("transforms") {
            return NeRFData.posedImages(path: paths.absolute(path), downscale: try o.int("downscale", default: 1, in: 1...64),
                                        testEvery: testEvery)
        }
        if let model = try o.string("colmap") {
            guard let images = try o.string("images") else {
                throw o.error("images", "missing: a \"colmap\" model needs \"images\", the folder of its photos (e.g. DIR/images)")
            }
            return NeRFData.colmap(model: paths.absolute(model), images: paths.absolute(images),
                                   downscale: try o.int("downscale", default: 1, in: 1...64), testEvery: testEvery)
        }
        if let procedural = try o.string("procedural") {
            if procedural == "city" {
                return NeRFData.proceduralCity(views: try o.int("views", default: 64, in: 2...10_000),
                                               width: try o.int("width", default: 128, in: 8...4096),
                                               height: try o.int("height", default: 96, in: 8...4096), testEvery: testEvery,
                                               seed: try o.int("seed", default: 1, in: 0...Int(Int32.max)))
            }
            guard procedural == "shapes" else { throw o.error("procedural", "unknown procedural scene \"\(procedural)\", expected shapes or city") }
            return NeRFData.proceduralViews(views: try o.int("views", default: 48, in: 2...10_000), width: try o.int("width", default: 64, in: 8...4096),
                                            height: try o.int("height", default: 64, in: 8...4096), testEvery: testEvery)
        }
        throw o.error("transforms", "missing: expected \"transforms\" (a transforms.json or a folder holding them), \"colmap\" (a COLMAP model folder, with \"images\") or \"procedural\"")
    }

    func readSettings(_ root: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskSettings {
        NeRFSettings(dirEncoding: root.value("dir_encoding") ?? NeRFTaskDefinition.directionEncoding,
                     rgbNetwork: root.value("rgb_network") ?? NeRFTaskDefinition.colorNetwork,
                     radiance: try RadianceSettings(root.object("nerf")))
    }

    /// Finest level: instant-ngp's NeRF default (1.5^15 · 16 ≈ 7000 across the scene box) is far finer than the
    /// images here; it follows the training images' resolution instead.
    func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> (task: FitTask, finestResolution: Int) {
        let nerf = try NeRFFitTask(&scene, pool: pool)
        return (nerf, nerf.finestResolution)
    }

    func makeTrainer(_ scene: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) -> Trainer {
        try ModelFactory.makeNeRFTrainer(encoding: scene.encoding, network: scene.network, dirEncoding: scene.nerf.dirEncoding,
                                         rgbNetwork: scene.nerf.rgbNetwork, loss: scene.loss, optimizer: scene.optimizer,
                                         batchCapacity: scene.training.batchSize, seed: scene.training.seed, file: scene.file)
    }

    func openTrained(_ scene: inout Scene, trainer: Trainer, checkpoint: Checkpoint.State, folder: RunFolder,
                     pool: WorkerPool) throws(FieldError) -> TrainedTask {
        let task = try NeRFFitTask(&scene, pool: pool)
        try task.restore(tensors: checkpoint.taskTensors, file: folder.file("checkpoint/task.safetensors"))
        return TrainedNeRF(task: task)
    }
}

/// The NeRF task's `data`: a posed-image dataset or the built-in procedural scene.
enum NeRFData: TaskData, Equatable {
    /// A transforms.json (or a folder of them; absolute path), images shrunk by `downscale`, every `testEvery`-th
    /// view held out unless the dataset has a test file.
    case posedImages(path: String, downscale: Int, testEvery: Int)
    /// A COLMAP model folder (binary or text) and its image folder (absolute paths), placed as `fieldfit process` places them.
    case colmap(model: String, images: String, downscale: Int, testEvery: Int)
    /// The built-in coloured-shapes scene, rendered by fieldfit itself: `views` views of `width` × `height`.
    case proceduralViews(views: Int, width: Int, height: Int, testEvery: Int)
    /// The procedural city block (`ProceduralCityScene`) laid out from `seed`, seen along its aerial path.
    case proceduralCity(views: Int, width: Int, height: Int, testEvery: Int, seed: Int)

    var json: JSONValue {
        switch self {
        case let .posedImages(path, downscale, testEvery):
            return .object([("transforms", .string(path)), ("downscale", .int(downscale)), ("test_every", .int(testEvery))])
        case let .colmap(model, images, downscale, testEvery):
            return .object([("colmap", .string(model)), ("images", .string(images)), ("downscale", .int(downscale)),
                            ("test_every", .int(testEvery))])
        case let .proceduralViews(views, w, h, testEvery):
            return .object([("procedural", .string("shapes")), ("views", .int(views)), ("width", .int(w)), ("height", .int(h)),
                            ("test_every", .int(testEvery))])
        case let .proceduralCity(views, w, h, testEvery, seed):
            return .object([("procedural", .string("city")), ("views", .int(views)), ("width", .int(w)), ("height", .int(h)),
                            ("test_every", .int(testEvery)), ("seed", .int(seed))])
        }
    }
}

/// The NeRF task's own settings: the direction encoding and colour network (tcnn-style objects), and the
/// occupancy grid, marching and background (`nerf`).
struct NeRFSettings: TaskSettings {
    var dirEncoding: JSONValue
    var rgbNetwork: JSONValue
    var radiance: RadianceSettings
    var json: [(key: String, value: JSONValue)] { [("dir_encoding", dirEncoding), ("rgb_network", rgbNetwork), ("nerf", radiance.json)] }
}

extension Scene {
    /// A NeRF scene's own settings (instant-ngp's defaults for other tasks).
    var nerf: NeRFSettings {
        (taskSettings as? NeRFSettings) ?? NeRFSettings(dirEncoding: NeRFTaskDefinition.directionEncoding,
                                                        rgbNetwork: NeRFTaskDefinition.colorNetwork, radiance: RadianceSettings())
    }
    /// A NeRF scene's occupancy grid, marching and background settings.
    var radiance: RadianceSettings { nerf.radiance }
}

/// A trained NeRF run reopened: test views and renders along its path (or a video of it), and the exports
/// (`NeRFExport`: mesh, point cloud, cameras).
struct TrainedNeRF: TrainedTask {
    let task: NeRFFitTask

    func render(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        if let path = options.cameraPath { task.scene.render.cameraPath = path }
        let path = options.renderPath.map(NeRFRenderPath.init(argument:))
        if let video = options.videoPath {
            try trainer.withInferenceParameters { () throws(FieldError) in
                _ = try NeRFRendering.writeVideo(task: task, trainer: trainer, file: video, path: path,
                                             count: options.orbitViews ?? task.scene.render.orbitViews, fps: options.fps,
                                             width: options.width, height: options.height, pool: pool, quiet: options.quiet)
            }
            return
        }
        var final: [(key: String, value: JSONValue)] = []
        try trainer.withInferenceParameters { () throws(FieldError) in
            try NeRFRendering.write(task: task, trainer: trainer, folder: folder, pool: pool, final: &final,
                                    width: options.width, height: options.height, orbitViews: options.orbitViews,
                                    path: path, quiet: options.quiet)
        }
        // What the renders took, for benchmarks and scripts.
        let timing = final.filter { ["render_seconds_per_view", "test_psnr", "test_ssim", "test_rays_per_second"].contains($0.key) }
            .map { (key: $0.key == "render_seconds_per_view" ? "seconds_per_view" : $0.key, value: $0.value) }
        try FileAccess.writeAtomically(JSONWriter.string(.object(timing)), to: folder.file("render-metrics.json"))
    }

    func exportMesh(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        try NeRFExport(task: task, trainer: trainer, pool: pool).mesh(options: options, folder: folder)
    }

    func exportPointCloud(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        try NeRFExport(task: task, trainer: trainer, pool: pool).pointCloud(options: options, folder: folder)
    }

    func exportCameras(trainer: Trainer, options: Options, folder: RunFolder, pool: WorkerPool) throws(FieldError) {
        try NeRFExport(task: task, trainer: trainer, pool: pool).cameras(options: options, folder: folder)
    }
}
