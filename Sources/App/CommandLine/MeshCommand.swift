import ArgumentParser
import FieldIO

/// `fieldfit mesh RUN_DIR`: marching cubes of a trained run, kept as the short form of `fieldfit export RUN_DIR mesh`
/// (SDF runs: PLY and OBJ in the mesh's units; NeRF runs: a coloured PLY of the density's level set).
struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Marching cubes of a trained SDF or NeRF run (the same as `fieldfit export <run-dir> mesh`).")

    @Argument(help: ArgumentHelp("The run folder of an SDF or NeRF fit.", valueName: "run-dir"))
    var runFolder: String

    @OptionGroup var mesh: MeshExportOptions

    @OptionGroup var worker: WorkerOptions

    func run() throws { try mesh.export(runFolder, worker: worker) }
}
