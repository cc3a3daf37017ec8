import FieldIO

/// The command line of `fieldfit`, parsed.
public struct Options: Equatable {
    /// What `fieldfit` was asked to do.
    public enum Command: Equatable {
        /// Fit a scene (or resume a run).
        case fit
        /// Extract a mesh from a trained SDF run.
        case mesh(run: String)
        /// Render a trained run's views again.
        case render(run: String)
    }

    /// The command (the default is a fit).
    public var command = Command.fit
    /// `mesh`: marching-cubes cells per axis (nil: the scene's setting).
    public var meshResolution: Int?
    /// `render`: views on the orbit (nil: the scene's setting).
    public var orbitViews: Int?
    /// `render`: image size (nil: the scene's setting).
    public var width: Int?
    public var height: Int?
    /// render (NeRF runs): a nerfstudio camera_path.json to render along.
    public var cameraPath: String?
    /// The scene file to fit (nil: the embedded NeRF demo scene, unless resuming).
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
           fieldfit mesh RUN_DIR [--resolution N] [--out FILE]
           fieldfit render RUN_DIR [--orbit N] [--width W] [--height H] [--camera-path FILE] [--out DIR]

    Fits a neural field to the scene's data and writes a run folder: config.json, metrics.json, a
    score-over-time plot, a checkpoint, and the task's outputs (image: the reconstruction and error
    PNGs; sdf: sphere-traced renders and a marching-cubes mesh; nerf: the held-out views, eval.json
    and rgb/depth/alpha renders). With no scene file it fits the embedded NeRF demo (coloured shapes
    fieldfit renders itself; no files needed); `fieldfit demo-image` and `fieldfit demo-sdf` fit the
    embedded image and SDF scenes.

    `mesh` extracts the zero level set of a trained SDF run as PLY and OBJ (in the mesh's units);
    `render` writes a trained SDF or NeRF run's views again (orbit, the scene's cameras, a NeRF scene's
    camera path and test views) without training.

    options:
      --out DIR         write the run folder here (default: runs/<scene name>)
      --seconds S       train for S seconds in total (replaces the scene's limits)
      --steps N         train for N steps in total (replaces the scene's limits)
      --seed N          seed for initialisation and sampling
      --threads N       worker threads (default: one per core)
      --quiet           no progress line
      --resume RUN_DIR  continue that run from its checkpoint, with the optimizer state
      --resolution N    mesh: marching-cubes cells per axis, 16...1024 (default: the scene's, 256)
      --orbit N         render: views on the orbit (default: the scene's)
      --width W, --height H   render: image size in pixels (default: the scene's)
      --camera-path FILE      render (NeRF runs): also render along a nerfstudio camera_path.json
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
        func integer(_ flag: String, _ range: ClosedRange<Int>) throws(FieldError) -> Int {
            let v = try value(flag)
            guard let n = Int(v), range.contains(n) else {
                throw FieldError(location: flag, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(v)\"")
            }
            return n
        }
        if let first = arguments.first, first == "mesh" || first == "render" {
            guard arguments.count >= 2, !arguments[1].hasPrefix("-") else {
                throw FieldError(location: first, "expects a run folder: fieldfit \(first) RUN_DIR")
            }
            o.command = first == "mesh" ? .mesh(run: arguments[1]) : .render(run: arguments[1])
            i = 2
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--resolution": o.meshResolution = try integer(a, 16...1024)
            case "--orbit": o.orbitViews = try integer(a, 0...10_000)
            case "--width": o.width = try integer(a, 1...8192)
            case "--height": o.height = try integer(a, 1...8192)
            case "--camera-path": o.cameraPath = FileAccess.absolute(try value(a))
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
        if o.command != .fit {
            if let p = o.scenePath { throw FieldError(location: p, "unexpected argument after the run folder") }
            if o.resume != nil { throw FieldError(location: "--resume", "does not go with mesh or render") }
        } else if o.meshResolution != nil || o.orbitViews != nil || o.width != nil || o.height != nil || o.cameraPath != nil {
            throw FieldError(location: o.meshResolution != nil ? "--resolution" : (o.orbitViews != nil ? "--orbit" : "--width"),
                             "only goes with fieldfit mesh or fieldfit render")
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
