import FieldIO

/// The command line of `fieldfit`, parsed.
public struct Options: Equatable {
    /// The scene file to fit (nil: the embedded demo scene, unless resuming).
    public var scenePath: String?
    /// Overrides the output folder.
    public var outputFolder: String?
    /// Overrides the training-time limit (seconds of training, in total).
    public var seconds: Double?
    /// Overrides the step limit (steps in total).
    public var steps: Int?
    /// Overrides the seed.
    public var seed: UInt64?
    /// Overrides the number of worker threads.
    public var threads: Int?
    /// No progress line; only errors and the final summary.
    public var quiet = false
    /// Continue the run in this folder from its checkpoint.
    public var resume: String?
    /// Print the usage and exit.
    public var help = false

    /// The usage text for `--help`.
    public static let usage = """
    usage: fieldfit [SCENE.json] [options]
           fieldfit --resume RUN_DIR [options]

    Fits a neural field to the scene's data and writes a run folder: config.json, the reconstruction
    and error PNGs, metrics.json, a PSNR-over-time plot and a checkpoint. With no scene file it fits the
    embedded demo scene (a procedural image; no files needed).

    options:
      --out DIR         write the run folder here (default: runs/<scene name>)
      --seconds S       train for S seconds in total (replaces the scene's limits)
      --steps N         train for N steps in total (replaces the scene's limits)
      --seed N          seed for initialisation and sampling
      --threads N       worker threads (default: one per core)
      --quiet           no progress line
      --resume RUN_DIR  continue that run from its checkpoint, with the optimizer state
      -h, --help        this text
    """

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) throws(FieldError) -> Options {
        var o = Options()
        var i = 0
        func value(_ flag: String) throws(FieldError) -> String {
            i += 1
            guard i < arguments.count else { throw FieldError(location: flag, "expects a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "-h", "--help": o.help = true
            case "--quiet", "-q": o.quiet = true
            case "--out": o.outputFolder = try value(a)
            case "--resume": o.resume = try value(a)
            case "--seconds":
                let v = try value(a)
                guard let s = Double(v), s > 0, s.isFinite else { throw FieldError(location: a, "expected a positive number of seconds, got \"\(v)\"") }
                o.seconds = s
            case "--steps":
                let v = try value(a)
                guard let n = Int(v), n > 0 else { throw FieldError(location: a, "expected a positive integer, got \"\(v)\"") }
                o.steps = n
            case "--seed":
                let v = try value(a)
                guard let n = UInt64(v) else { throw FieldError(location: a, "expected a non-negative integer, got \"\(v)\"") }
                o.seed = n
            case "--threads":
                let v = try value(a)
                guard let n = Int(v), (1...256).contains(n) else { throw FieldError(location: a, "expected an integer in 1...256, got \"\(v)\"") }
                o.threads = n
            default:
                if a.hasPrefix("-") { throw FieldError(location: a, "unknown option (see fieldfit --help)") }
                guard o.scenePath == nil else { throw FieldError(location: a, "only one scene file can be given") }
                o.scenePath = a
            }
            i += 1
        }
        if o.resume != nil && o.scenePath != nil {
            throw FieldError(location: "--resume", "give either a scene file or --resume RUN_DIR, not both")
        }
        return o
    }

    /// Applies the overrides to a scene's settings.
    public func apply(to scene: inout Scene) {
        if seconds != nil || steps != nil {
            scene.training.seconds = seconds ?? 0
            scene.training.steps = steps ?? 0
        }
        if let seed { scene.training.seed = seed }
        if let threads { scene.training.threads = threads }
        if let outputFolder { scene.outputFolder = outputFolder }
    }
}
