import FieldIO
import Foundation
import Fields

/// A parsed scene file: what to fit (task and data), with which model, and how long.
///
/// The `encoding`, `network`, `loss` and `optimizer` objects use tiny-cuda-nn's schema and are passed
/// to the model factory unchanged; everything else is read (and validated) here.
public struct Scene {
    /// The scene's name (default: the file name without extension); names the default run folder.
    public var name: String
    /// The file it came from ("<embedded>" for the built-in scenes), for error messages.
    public var file: String
    /// What is fitted.
    public var task: Task
    /// Where the data comes from.
    public var data: DataSource
    /// tiny-cuda-nn-style model configuration objects.
    public var encoding: JSONValue
    public var network: JSONValue
    public var loss: JSONValue
    public var optimizer: JSONValue
    /// Training settings.
    public var training: TrainingSettings
    /// How trained fields are rendered (SDF: orbit and explicit cameras).
    public var render: RenderSettings
    /// Marching-cubes export of SDF fields.
    public var meshExport: MeshExportSettings
    /// NeRF: the direction encoding and the colour network (tcnn-style objects).
    public var dirEncoding: JSONValue
    public var rgbNetwork: JSONValue
    /// NeRF: occupancy grid, marching and background.
    public var radiance: RadianceSettings
    /// The output folder ("" = `runs/<name>` in the current folder).
    public var outputFolder: String

    /// The kinds of field fieldfit fits.
    public enum Task: String, CaseIterable, Sendable {
        /// uv → pixel values of one image.
        case image
        /// xyz → signed distance to a surface.
        case sdf
        /// xyz, direction → density and colour, from posed images.
        case nerf
    }

    /// Where a task's data comes from.
    public enum DataSource: Equatable {
        /// An image file (absolute path).
        case imageFile(String)
        /// A built-in analytic image.
        case proceduralImage(name: String, width: Int, height: Int)
        /// A triangle mesh file (OBJ, PLY, STL; absolute path).
        case meshFile(String)
        /// A built-in analytic shape.
        case analyticShape(String)
        /// A transforms.json (or a folder of them; absolute path), images shrunk by `downscale`, every
        /// `testEvery`-th view held out unless the dataset has a test file.
        case posedImages(path: String, downscale: Int, testEvery: Int)
        /// The built-in coloured-shapes scene, rendered by fieldfit itself: `views` views of `width` × `height`.
        case proceduralViews(views: Int, width: Int, height: Int, testEvery: Int)
    }

    /// Limits and cadence of training.
    public struct TrainingSettings: Equatable {
        /// Stop after this many steps in total (0 = no step limit; with neither limit set, 20 seconds).
        public var steps: Int = 0
        /// Stop after this many seconds of training in total (0 = no time limit).
        public var seconds: Double = 0
        /// Samples per step.
        public var batchSize: Int = 1 << 14
        /// Seed for initialisation and sampling.
        public var seed: UInt64 = 1337
        /// Worker threads (0 = one per core).
        public var threads: Int = 0
        /// Evaluate every this many steps (0 = use `evalEverySeconds`).
        public var evalEverySteps: Int = 0
        /// Evaluate every this many seconds of training.
        public var evalEverySeconds: Double = 0.25
        /// Write a checkpoint every this many seconds of training (and always at the end).
        public var checkpointEverySeconds: Double = 60
    }

    /// Reads the `data` object for `task`, making file paths absolute.
    static func readData(_ o: ConfigObject, task: Task, resolvePathsAgainst: String?) throws(FieldError) -> DataSource {
        func absolute(_ path: String) -> String {
            let resolved = resolvePathsAgainst.map { FileAccess.resolve(path, relativeTo: $0) } ?? path
            return resolved.hasPrefix("/") ? resolved : FileAccess.absolute(resolved)
        }
        switch task {
        case .image:
            if let imagePath = try o.string("image") { return .imageFile(absolute(imagePath)) }
            if let procedural = try o.string("procedural") {
                guard ProceduralImage.names.contains(procedural) else {
                    throw o.error("procedural", "unknown procedural image \"\(procedural)\", expected one of \(ProceduralImage.names.joined(separator: ", "))")
                }
                return .proceduralImage(name: procedural, width: try o.int("width", default: 256, in: 1...16384),
                                        height: try o.int("height", default: 256, in: 1...16384))
            }
            throw o.error("image", "missing: expected \"image\" (a PNG or JPEG path) or \"procedural\"")
        case .sdf:
            if let meshPath = try o.string("mesh") { return .meshFile(absolute(meshPath)) }
            if let shape = try o.string("shape") {
                guard AnalyticShape.names.contains(shape) else {
                    throw o.error("shape", "unknown analytic shape \"\(shape)\", expected one of \(AnalyticShape.names.joined(separator: ", "))")
                }
                return .analyticShape(shape)
            }
            throw o.error("mesh", "missing: expected \"mesh\" (an OBJ, PLY or STL path) or \"shape\"")
        case .nerf:
            let testEvery = try o.int("test_every", default: 8, in: 0...100_000)
            if let path = try o.string("transforms") {
                return .posedImages(path: absolute(path), downscale: try o.int("downscale", default: 1, in: 1...64), testEvery: testEvery)
            }
            if let procedural = try o.string("procedural") {
                guard procedural == "shapes" else { throw o.error("procedural", "unknown procedural scene \"\(procedural)\", expected shapes") }
                return .proceduralViews(views: try o.int("views", default: 48, in: 2...10_000), width: try o.int("width", default: 64, in: 8...4096),
                                        height: try o.int("height", default: 64, in: 8...4096), testEvery: testEvery)
            }
            throw o.error("transforms", "missing: expected \"transforms\" (a transforms.json or a folder holding them) or \"procedural\"")
        }
    }

    /// The scene a run folder was made with (its config.json), writing into that folder.
    public static func loadRun(_ path: String) throws(FieldError) -> Scene {
        let configPath = (path as NSString).appendingPathComponent("config.json")
        guard FileAccess.exists(configPath) else {
            throw FieldError(file: path, "is not a run folder (no config.json); give the folder a fit wrote")
        }
        var scene = try Scene(json: try JSONParser.parse(file: configPath), file: configPath,
                              defaultName: "run", resolvePathsAgainst: configPath)
        scene.outputFolder = path
        return scene
    }

    /// Reads and validates the scene file at `path`; relative data paths resolve against its folder.
    public static func load(_ path: String) throws(FieldError) -> Scene {
        let json = try JSONParser.parse(file: path)
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if base.lowercased().hasSuffix(".json") { base.removeLast(5) }
        return try Scene(json: json, file: path, defaultName: base, resolvePathsAgainst: path)
    }

    /// Builds a scene from JSON. `resolvePathsAgainst` is the file relative data paths are relative to.
    public init(json: JSONValue, file: String, defaultName: String, resolvePathsAgainst: String?) throws(FieldError) {
        let root = try ConfigObject(json, file: file)
        self.file = file
        name = try root.string("name", default: defaultName)
        task = Task(rawValue: try root.choice("task", Task.allCases.map(\.rawValue), default: "image"))!
        guard let dataObject = try root.object("data") else {
            let example = task == .image ? "{\"image\": \"photo.png\"}" : task == .sdf ? "{\"mesh\": \"bunny.obj\"}" : "{\"transforms\": \"lego/\"}"
            throw root.error("data", "missing: say what to fit, e.g. \(example)")
        }
        data = try Scene.readData(dataObject, task: task, resolvePathsAgainst: resolvePathsAgainst)
        try dataObject.finish()

        switch task {
        case .image: encoding = Scene.defaultEncoding; network = Scene.defaultNetwork
        case .sdf: encoding = Scene.defaultSDFEncoding; network = Scene.defaultSDFNetwork
        case .nerf: encoding = Scene.defaultNeRFEncoding; network = Scene.defaultNeRFDensityNetwork
        }
        encoding = root.value("encoding") ?? encoding
        network = root.value("network") ?? network
        dirEncoding = root.value("dir_encoding") ?? Scene.defaultNeRFDirectionEncoding
        rgbNetwork = root.value("rgb_network") ?? Scene.defaultNeRFColorNetwork
        if task != .nerf {
            for key in ["dir_encoding", "rgb_network", "nerf"] where root.value(key) != nil {
                throw root.error(key, "is only for nerf scenes")
            }
        }
        loss = root.value("loss") ?? .object([("otype", .string(task == .sdf ? "MAPE" : task == .nerf ? "Huber" : "L2"))])
        optimizer = root.value("optimizer") ?? (task == .sdf ? Scene.defaultSDFOptimizer : Scene.defaultOptimizer)

        var t = TrainingSettings()
        if task == .sdf { t.batchSize = Scene.defaultSDFBatchSize }
        if task == .nerf { t.batchSize = Scene.defaultNeRFBatchSize; t.evalEverySeconds = 10 }
        if let tr = try root.object("training") {
            t.steps = try tr.int("steps", default: t.steps, in: 0...1_000_000_000)
            t.seconds = try tr.double("seconds", default: t.seconds, in: 0...1e9)
            t.batchSize = try tr.int("batch_size", default: t.batchSize, in: 1...(1 << 24))
            t.seed = UInt64(try tr.int("seed", default: Int(t.seed), in: 0...Int(Options.largestSeed)))
            t.threads = try tr.int("threads", default: t.threads, in: 0...256)
            t.evalEverySteps = try tr.int("eval_every_steps", default: t.evalEverySteps, in: 0...1_000_000_000)
            t.evalEverySeconds = try tr.double("eval_every_seconds", default: t.evalEverySeconds, in: 0.001...1e9)
            t.checkpointEverySeconds = try tr.double("checkpoint_every_seconds", default: t.checkpointEverySeconds, in: 0.001...1e9)
            try tr.finish()
        }
        if t.steps == 0 && t.seconds == 0 { t.seconds = 20 }
        training = t
        render = try RenderSettings(root.object("render"), resolvePathsAgainst: resolvePathsAgainst, radiance: task == .nerf)
        radiance = try RadianceSettings(root.object("nerf"))
        meshExport = try MeshExportSettings(root.object("mesh_export"))
        outputFolder = ""
        if let out = try root.object("output") {
            outputFolder = try out.string("folder", default: "")
            if !outputFolder.isEmpty, let against = resolvePathsAgainst {
                outputFolder = FileAccess.resolve(outputFolder, relativeTo: against)
            }
            try out.finish()
        }
        try root.finish()
    }

    /// The scene as JSON, with data paths made absolute: written to the run folder as `config.json`
    /// and read back by `--resume`.
    public var resolvedJSON: JSONValue {
        let dataJSON: JSONValue
        switch data {
        case .imageFile(let path): dataJSON = .object([("image", .string(path))])
        case let .proceduralImage(n, w, h): dataJSON = .object([("procedural", .string(n)), ("width", .int(w)), ("height", .int(h))])
        case .meshFile(let path): dataJSON = .object([("mesh", .string(path))])
        case .analyticShape(let name): dataJSON = .object([("shape", .string(name))])
        case let .posedImages(path, downscale, testEvery):
            dataJSON = .object([("transforms", .string(path)), ("downscale", .int(downscale)), ("test_every", .int(testEvery))])
        case let .proceduralViews(views, w, h, testEvery):
            dataJSON = .object([("procedural", .string("shapes")), ("views", .int(views)), ("width", .int(w)), ("height", .int(h)),
                                ("test_every", .int(testEvery))])
        }
        let t = training
        let nerfMembers: [(key: String, value: JSONValue)] = task == .nerf
            ? [("dir_encoding", dirEncoding), ("rgb_network", rgbNetwork), ("nerf", radiance.json)] : []
        return .object([
            ("name", .string(name)), ("task", .string(task.rawValue)), ("data", dataJSON),
            ("encoding", encoding), ("network", network)] + nerfMembers + [("loss", loss), ("optimizer", optimizer),
            ("training", .object([
                ("steps", .int(t.steps)), ("seconds", .double(t.seconds)), ("batch_size", .int(t.batchSize)),
                ("seed", .int(Int(t.seed))), ("threads", .int(t.threads)), ("eval_every_steps", .int(t.evalEverySteps)),
                ("eval_every_seconds", .double(t.evalEverySeconds)), ("checkpoint_every_seconds", .double(t.checkpointEverySeconds)),
            ])),
            ("render", render.json)] + (task == .sdf ? [("mesh_export", meshExport.json)] : []))
    }

    /// instant-ngp's image model: hash grid 16 levels × 2 features, 2^19 entries, base 16 (finest level set to the image size).
    static let defaultEncoding: JSONValue = .object([
        ("otype", .string("HashGrid")), ("n_levels", .int(16)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(19)), ("base_resolution", .int(16)),
    ])
    /// A 64-wide MLP with two hidden ReLU layers and a sigmoid output, no biases.
    static let defaultNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("Sigmoid")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(2)),
    ])
    /// The SDF encoding: a hash grid of 12 levels × 2 features, 2^17 entries per level, base 16 (finest level
    /// 2048 across the unit cube, set by the SDF task): smaller than instant-ngp's 16 × 2^19, so that a CPU
    /// step is cheap enough to converge in seconds (see BENCHMARKS.md).
    static let defaultSDFEncoding: JSONValue = .object([
        ("otype", .string("HashGrid")), ("n_levels", .int(12)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(17)), ("base_resolution", .int(16)),
    ])
    /// The SDF decoder: 64-wide MLP with two hidden ReLU layers and a linear output (instant-ngp's SDF model).
    static let defaultSDFNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("None")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(2)),
    ])
    /// Points per SDF training step.
    static let defaultSDFBatchSize = 1 << 14
    /// Adam for SDF fields.
    static let defaultSDFOptimizer: JSONValue = .object([
        ("otype", .string("Adam")), ("learning_rate", .double(5e-4)), ("beta1", .double(0.9)), ("beta2", .double(0.99)),
        ("epsilon", .double(1e-15)), ("l2_reg", .double(0)),
    ])
    /// The NeRF position encoding: instant-ngp's hash grid (2 features a level, base 16) with 12 levels of
    /// 2^16 entries instead of 16 of 2^19, so that a CPU step stays cheap and in cache (finest level set
    /// from the images; see BENCHMARKS.md for the comparison on lego).
    static let defaultNeRFEncoding: JSONValue = .object([
        ("otype", .string("HashGrid")), ("n_levels", .int(12)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(16)), ("base_resolution", .int(16)),
    ])
    /// instant-ngp's density network: one hidden layer of 64, 16 outputs (column 0 is the raw density).
    static let defaultNeRFDensityNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("None")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(1)),
    ])
    /// instant-ngp's direction encoding: spherical harmonics of degree 4.
    static let defaultNeRFDirectionEncoding: JSONValue = .object([("otype", .string("SphericalHarmonics")), ("degree", .int(4))])
    /// instant-ngp's colour network: two hidden layers of 64, sigmoid RGB.
    static let defaultNeRFColorNetwork: JSONValue = .object([
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("Sigmoid")),
        ("n_neurons", .int(64)), ("n_hidden_layers", .int(2)),
    ])
    /// Samples per NeRF training step (capacity; a step aims at three quarters of it).
    static let defaultNeRFBatchSize = 1 << 16

    /// Adam with instant-ngp's settings.
    static let defaultOptimizer: JSONValue = .object([
        ("otype", .string("Adam")), ("learning_rate", .double(1e-2)), ("beta1", .double(0.9)), ("beta2", .double(0.99)),
        ("epsilon", .double(1e-15)), ("l2_reg", .double(0)),
    ])
}

