import ArgumentParser

/// The options that override a scene's training settings, shared by `fieldfit fit` and `fieldfit-viewer`.
public struct FitOverrides: ParsableArguments {
    @Option(name: .customLong("out"), help: ArgumentHelp("Write the run folder here (default: runs/<scene name>); `batch`: the folder of run folders.", valueName: "dir"))
    var outputFolder: String?

    @Option(help: ArgumentHelp("Train for this many seconds in total (replaces the scene's limits).", valueName: "s"))
    var seconds: Double?

    @Option(help: ArgumentHelp("Train for this many steps in total (replaces the scene's limits).", valueName: "n"))
    var steps: Int?

    @Option(help: ArgumentHelp("Seed for initialisation and sampling, 0...\(Options.largestSeed).", valueName: "n"))
    var seed: UInt64?

    @OptionGroup var worker: WorkerOptions

    public init() {}

    public func validate() throws {
        if let seconds, !(seconds > 0 && seconds.isFinite) {
            throw ValidationError("--seconds: expected a positive number of seconds, got \(seconds)")
        }
        if let steps, steps <= 0 { throw ValidationError("--steps: expected a positive integer, got \(steps)") }
        if let seed, seed > Options.largestSeed {
            throw ValidationError("--seed: expected an integer in 0...\(Options.largestSeed) (JSON keeps integers exactly up to 2^53), got \(seed)")
        }
    }

    /// Writes the overrides into `options`.
    func apply(to options: inout Options) {
        options.outputFolder = outputFolder
        options.seconds = seconds
        options.steps = steps
        options.seed = seed
        worker.apply(to: &options)
    }
}
