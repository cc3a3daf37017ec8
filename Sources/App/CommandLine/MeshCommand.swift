import ArgumentParser
import FieldIO

/// `fieldfit mesh RUN_DIR`: marching cubes of a trained SDF run, written as PLY and OBJ in the mesh's units.
struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Extract the zero level set of a trained SDF run as PLY and OBJ (in the mesh's units).")

    @Argument(help: ArgumentHelp("The run folder of an SDF fit.", valueName: "run-dir"))
    var runFolder: String

    @Option(help: ArgumentHelp("Marching-cubes cells per axis, 16...1024 (default: the scene's, 256).", valueName: "n"))
    var resolution: Int?

    @Option(name: .customLong("out"), help: ArgumentHelp("Write this one file instead; .ply or .obj picks the format.", valueName: "file"))
    var outputFile: String?

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        if let resolution, !(16...1024).contains(resolution) {
            throw ValidationError("--resolution: expected an integer in 16...1024, got \(resolution)")
        }
    }

    func run() throws {
        var o = Options()
        o.meshResolution = resolution
        o.outputFolder = outputFile
        worker.apply(to: &o)
        try TrainedRun(path: runFolder, threads: worker.threads).exportMesh(options: o)
    }
}
