import ArgumentParser
import FieldIO

/// `fieldfit render RUN_DIR`: renders a trained SDF or NeRF run's views again, without training.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a trained SDF or NeRF run's views again (orbit, the scene's cameras, a camera path, test views).")

    @Argument(help: ArgumentHelp("The run folder a fit wrote.", valueName: "run-dir"))
    var runFolder: String

    @Option(help: ArgumentHelp("Views on the orbit, 0...10000 (default: the scene's).", valueName: "n"))
    var orbit: Int?

    @Option(help: ArgumentHelp("Image width in pixels, 1...8192 (default: the scene's).", valueName: "w"))
    var width: Int?

    @Option(help: ArgumentHelp("Image height in pixels, 1...8192 (default: the scene's).", valueName: "h"))
    var height: Int?

    @Option(help: ArgumentHelp("NeRF runs: also render along a nerfstudio camera_path.json.", valueName: "file"))
    var cameraPath: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("Write the renders into this folder (default: the run's renders/).", valueName: "dir"))
    var outputFolder: String?

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        if let orbit, !(0...10_000).contains(orbit) { throw ValidationError("--orbit: expected an integer in 0...10000, got \(orbit)") }
        for (flag, v) in [("--width", width), ("--height", height)] {
            if let v, !(1...8192).contains(v) { throw ValidationError("\(flag): expected an integer in 1...8192, got \(v)") }
        }
    }

    func run() throws {
        var o = Options()
        o.orbitViews = orbit
        o.width = width
        o.height = height
        o.cameraPath = cameraPath.map(FileAccess.absolute)
        o.outputFolder = outputFolder
        worker.apply(to: &o)
        try TrainedRun(path: runFolder, threads: worker.threads).render(options: o)
    }
}
