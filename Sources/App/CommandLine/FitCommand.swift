import ArgumentParser
import FieldIO

/// `fieldfit [fit] [SCENE] [options]`: fits a scene file, an embedded scene, or resumes a run.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scene and write its run folder (the default command).",
        discussion: "The same seed and thread count give bit-identical results, and a resumed run continues exactly as if it had never stopped.")

    @Argument(help: ArgumentHelp("A scene file, or an embedded scene: demo, demo-image, demo-sdf (default: the embedded NeRF demo).",
                                 valueName: "scene"))
    var scene: String?

    @Option(help: ArgumentHelp("Continue the run in this folder from its checkpoint, with the optimizer state.", valueName: "run-dir"))
    var resume: String?

    @OptionGroup var overrides: FitOverrides

    func validate() throws {
        if resume != nil && scene != nil { throw ValidationError("--resume: give either a scene file or --resume RUN_DIR, not both") }
    }

    /// The parsed command as the fit loop's options.
    var options: Options {
        var o = Options()
        o.scenePath = scene
        o.resume = resume
        overrides.apply(to: &o)
        return o
    }

    func run() throws {
        let options = self.options
        let run: FitRun
        if let resume = options.resume {
            run = try FitRun.resume(from: resume, options: options)
        } else {
            var scene = try options.scenePath.map { (p: String) throws(FieldError) in
                if !FileAccess.exists(p), let embedded = try EmbeddedScenes.named(p) { return embedded }
                return try Scene.load(p)
            } ?? EmbeddedScenes.defaultScene()
            options.apply(to: &scene)
            run = try FitRun(scene: scene, quiet: options.quiet)
        }
        try run.run()
    }
}
