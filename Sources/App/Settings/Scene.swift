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
    /// What is fitted: the registered task the scene's `task` names.
    public let definition: any TaskDefinition
    /// The task's name (`image`, `sdf`, `nerf`, …).
    public var task: String { definition.name }
    /// Where the data comes from (the task's own description of its `data` object).
    public var data: any TaskData
    /// tiny-cuda-nn-style model configuration objects.
    public var encoding: JSONValue
    public var network: JSONValue
    public var loss: JSONValue
    public var optimizer: JSONValue
    /// Training settings.
    public var training: TrainingSettings
    /// How trained fields are rendered (orbit, explicit cameras; for radiance fields also camera paths).
    public var render: RenderSettings
    /// The task's own top-level settings (e.g. NeRF's occupancy grid and colour network).
    public var taskSettings: any TaskSettings
    /// The output folder ("" = `runs/<name>` in the current folder).
    public var outputFolder: String
    /// A student scene's teacher and distillation settings (`distill`), or nil for an ordinary fit.
    public var distill: DistillSettings?

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
    /// `distillTeacher`: the scene is a student of that run (`fieldfit distill`); `json`: the file's content when
    /// the caller already read (and amended) it.
    public static func load(_ path: String, distillTeacher: String? = nil, json given: JSONValue? = nil) throws(FieldError) -> Scene {
        let json: JSONValue
        if let given { json = given } else { json = try JSONParser.parse(file: path) }
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if base.lowercased().hasSuffix(".json") { base.removeLast(5) }
        return try Scene(json: json, file: path, defaultName: base, resolvePathsAgainst: path, distillTeacher: distillTeacher)
    }

    /// Builds a scene from JSON. `resolvePathsAgainst` is the file relative data paths are relative to.
    /// `distillTeacher` (`fieldfit distill TEACHER_RUN`) makes the scene a student of that run (its `distill` object
    /// optional then). A student's task and data default to its teacher's.
    public init(json: JSONValue, file: String, defaultName: String, resolvePathsAgainst: String?,
                distillTeacher: String? = nil) throws(FieldError) {
        let root = try ConfigObject(json, file: file)
        self.file = file
        name = try root.string("name", default: defaultName)
        let paths = ScenePaths(resolvePathsAgainst: resolvePathsAgainst)
        var distillObject = try root.object("distill")
        if distillObject == nil, distillTeacher != nil { distillObject = try ConfigObject(.object([]), file: file, path: "distill") }
        distill = try distillObject.map { (o: ConfigObject) throws(FieldError) in
            try DistillSettings(o, paths: distillTeacher == nil ? paths : ScenePaths(resolvePathsAgainst: nil), teacherOverride: distillTeacher)
        }
        let teacher = try distill.map { (d: DistillSettings) throws(FieldError) in try d.teacherConfig(file: file) }
        let teacherRoot = try teacher.map { (t: (json: JSONValue, path: String)) throws(FieldError) in try ConfigObject(t.json, file: t.path) }
        let teacherTask = try teacherRoot?.string("task")
        let names = TaskRegistry.all.map(\.name)
        let definition = TaskRegistry.definition(named: try root.choice("task", names, default: teacherTask ?? names[0]))!
        self.definition = definition
        if let teacherTask, teacherTask != definition.name, let d = distill {
            throw root.error("task", "is \(definition.name), but the teacher \(d.teacher) is a \(teacherTask) run; a student fits its teacher's task")
        }
        let dataPaths = root.has("data") ? paths : ScenePaths(resolvePathsAgainst: teacher?.path)
        var dataObject = try root.object("data")
        if dataObject == nil { dataObject = try teacherRoot?.object("data") }
        guard let dataObject else {
            throw root.error("data", "missing: say what to fit, e.g. \(definition.dataExample)")
        }
        data = try definition.readData(dataObject, paths: dataPaths)
        try dataObject.finish()

        let defaults = definition.defaults
        encoding = root.value("encoding") ?? defaults.encoding
        network = root.value("network") ?? defaults.network
        for other in TaskRegistry.all where other.name != definition.name {
            for key in other.settingsKeys where !definition.settingsKeys.contains(key) && root.value(key) != nil {
                throw root.error(key, "is only for \(other.name) scenes")
            }
        }
        taskSettings = try definition.readSettings(root, paths: paths)
        loss = root.value("loss") ?? defaults.loss
        optimizer = root.value("optimizer") ?? defaults.optimizer

        var t = TrainingSettings()
        t.batchSize = defaults.batchSize
        t.evalEverySeconds = defaults.evalEverySeconds
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
        render = try RenderSettings(root.object("render"), resolvePathsAgainst: resolvePathsAgainst, radiance: definition.rendersRadiance)
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

    /// The `distill` member of config.json (none for an ordinary fit).
    private var distillJSON: [(key: String, value: JSONValue)] { distill.map { [("distill", $0.json)] } ?? [] }

    /// The scene as JSON, with data paths made absolute: written to the run folder as `config.json`
    /// and read back by `--resume`.
    public var resolvedJSON: JSONValue {
        let t = training
        return .object([
            ("name", .string(name)), ("task", .string(task)), ("data", data.json),
            ("encoding", encoding), ("network", network)] + taskSettings.json + [("loss", loss), ("optimizer", optimizer),
            ("training", .object([
                ("steps", .int(t.steps)), ("seconds", .double(t.seconds)), ("batch_size", .int(t.batchSize)),
                ("seed", .int(Int(t.seed))), ("threads", .int(t.threads)), ("eval_every_steps", .int(t.evalEverySteps)),
                ("eval_every_seconds", .double(t.evalEverySeconds)), ("checkpoint_every_seconds", .double(t.checkpointEverySeconds)),
            ])),
            ("render", render.json)] + taskSettings.trailingJSON + distillJSON)
    }
}
