import ArgumentParser

/// `--threads` and `--quiet`, which every command that fits or renders takes.
public struct WorkerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker threads, 1...256 (default: the scene's or run's setting, else one per core).", valueName: "n"))
    var threads: Int?

    @Flag(name: [.short, .long], help: "No progress output; only errors and the final summary.")
    var quiet = false

    public init() {}

    public func validate() throws {
        if let threads, !(1...256).contains(threads) {
            throw ValidationError("--threads: expected an integer in 1...256, got \(threads)")
        }
    }

    /// Writes them into `options`.
    func apply(to options: inout Options) {
        options.threads = threads
        options.quiet = quiet
    }
}
