import ArgumentParser
import FieldIO

/// `fieldfit export RUN_DIR mesh|pointcloud|cameras`: what a trained run holds, as files other tools read.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run: mesh (NeRF and SDF runs), pointcloud or cameras (NeRF runs).",
        usage: """
        fieldfit export <run-dir> mesh [--resolution <n>] [--threshold <σ>] [--preview <png>] [--out <file>]
          fieldfit export <run-dir> pointcloud [--points <n>] [--opacity <a>] [--out <file.ply>]
          fieldfit export <run-dir> cameras [--out <file.json>]
        """,
        discussion: """
        Files are written in the dataset's own coordinates (the transforms.json frame), atomically; the \
        default names are mesh.ply, pointcloud.ply, cameras.json (+ cameras.ply) in the run folder.
        """,
        subcommands: [ExportMeshCommand.self, ExportPointCloudCommand.self, ExportCamerasCommand.self])

    @OptionGroup var target: ExportRun

    func run() throws {
        throw FieldError(location: "export", "expected what to export after the run folder: mesh, pointcloud or cameras (see fieldfit export --help)")
    }
}

/// The run an export reads: the `<run-dir>` before the subcommand, shared with it.
struct ExportRun: ParsableArguments {
    @Argument(help: ArgumentHelp("The run folder a fit wrote.", valueName: "run-dir"))
    var runFolder: String

    /// The run folder opened.
    func open(threads: Int?) throws(FieldError) -> TrainedRun { try TrainedRun(path: runFolder, threads: threads) }
}

/// `fieldfit export RUN mesh`.
struct ExportMeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Marching cubes: a NeRF's density (coloured PLY, cropped to the occupied box) or an SDF's zero level set (PLY and OBJ).")

    @OptionGroup var target: ExportRun

    @OptionGroup var mesh: MeshExportOptions

    @OptionGroup var worker: WorkerOptions

    func run() throws { try mesh.export(target.runFolder, worker: worker) }
}

/// The options of a mesh export, shared by `fieldfit export RUN mesh` and `fieldfit mesh RUN`.
struct MeshExportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Marching-cubes cells per axis (NeRF: along the occupied box's longest side), 16...1024 (default 256; SDF: the scene's).", valueName: "n"))
    var resolution: Int?

    @Option(help: ArgumentHelp("NeRF runs: the density σ (per unit-cube length) of the surface, > 0 (default \(Int(NeRFExport.defaultDensityThreshold))).", valueName: "σ"))
    var threshold: Double?

    @Option(help: ArgumentHelp("NeRF runs: also render the mesh to this PNG, seen from the run's first render-path camera.", valueName: "png"))
    var preview: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("The file to write (NeRF: .ply; SDF: .ply or .obj; default: mesh.ply in the run folder, SDF: the scene's formats).", valueName: "file"))
    var outputFile: String?

    func validate() throws {
        if let resolution, !(16...1024).contains(resolution) {
            throw ValidationError("--resolution: expected an integer in 16...1024, got \(resolution)")
        }
        if let threshold, !(threshold > 0 && threshold.isFinite) {
            throw ValidationError("--threshold: expected a positive density, got \(threshold)")
        }
        if let preview, !preview.lowercased().hasSuffix(".png") {
            throw ValidationError("--preview: expected a file name ending in .png, got \"\(preview)\"")
        }
    }

    /// Exports the mesh of the run in `runFolder` with these options.
    func export(_ runFolder: String, worker: WorkerOptions) throws(FieldError) {
        var o = Options()
        o.meshResolution = resolution
        o.outputFolder = outputFile.map(FileAccess.absolute)
        o.export.densityThreshold = threshold
        o.export.previewPath = preview.map(FileAccess.absolute)
        worker.apply(to: &o)
        try TrainedRun(path: runFolder, threads: worker.threads).exportMesh(options: o)
    }
}

/// `fieldfit export RUN pointcloud`.
struct ExportPointCloudCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pointcloud",
        abstract: "A coloured point cloud (PLY) from the expected depth of rays cast from the training views (NeRF runs).")

    @OptionGroup var target: ExportRun

    @Option(help: ArgumentHelp("Rays cast, spread evenly over the training views, 1...100000000 (default \(NeRFExport.defaultPoints)).", valueName: "n"))
    var points: Int?

    @Option(help: ArgumentHelp("Keep a ray's point when its accumulated opacity exceeds this, in [0, 1) (default \(NeRFExport.defaultOpacity)).", valueName: "a"))
    var opacity: Double?

    @Option(name: .customLong("out"), help: ArgumentHelp("The .ply to write (default: pointcloud.ply in the run folder).", valueName: "file"))
    var outputFile: String?

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        if let points, !(1...100_000_000).contains(points) { throw ValidationError("--points: expected an integer in 1...100000000, got \(points)") }
        if let opacity, !(opacity >= 0 && opacity < 1) { throw ValidationError("--opacity: expected a number in [0, 1), got \(opacity)") }
    }

    func run() throws {
        var o = Options()
        o.outputFolder = outputFile.map(FileAccess.absolute)
        o.export.points = points
        o.export.opacityThreshold = opacity
        worker.apply(to: &o)
        try target.open(threads: worker.threads).exportPointCloud(options: o)
    }
}

/// `fieldfit export RUN cameras`.
struct ExportCamerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cameras",
        abstract: "The run's training and test cameras as JSON (intrinsics, camera-to-world) and a PLY of their frustums (NeRF runs).")

    @OptionGroup var target: ExportRun

    @Option(name: .customLong("out"), help: ArgumentHelp("The .json to write; the frustums go to the same name with .ply (default: cameras.json in the run folder).", valueName: "file"))
    var outputFile: String?

    @OptionGroup var worker: WorkerOptions

    func run() throws {
        var o = Options()
        o.outputFolder = outputFile.map(FileAccess.absolute)
        worker.apply(to: &o)
        try target.open(threads: worker.threads).exportCameras(options: o)
    }
}
