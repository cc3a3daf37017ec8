import FieldIO
import Foundation

/// The command line of `fieldfit-viewer`, parsed (GL-free, so `swift test` checks it).
public struct ViewerOptions: Equatable {
    /// The scene file, embedded scene name or run folder (nil: the embedded NeRF demo).
    public var target: String?
    /// The fit overrides `fieldfit` also takes (`--steps`, `--seconds`, `--seed`, `--threads`, `--out`).
    public var fit = Options()
    /// Fraction of the worker's time renders may take while training runs.
    public var renderShare = 0.3
    /// Window size in screen pixels (nil: the render size, enlarged to about 640 pixels).
    public var windowWidth: Int?
    public var windowHeight: Int?
    /// The mode shown first.
    public var mode = LiveMode.rgb
    /// Start with training paused.
    public var paused = false
    /// Test mode: when training has finished and the full-resolution frame of the final field is on
    /// screen, write the window's pixels to this PNG and quit (the checkpoint is saved first). For a
    /// reopened run: as soon as its full-resolution frame is on screen.
    public var snapshot: String?
    /// Print the UI frame rate and frame times once a second, and the time to the first full frame.
    public var stats = false
    /// Quit after this many seconds (for measurements).
    public var quitAfter: Double?
    /// Compare two PNGs (PSNR, mean and max absolute difference) and exit; needs no display.
    public var compare: (String, String)?
    /// Print the usage and exit.
    public var help = false

    /// Equal when every option is (the `--compare` pair compared member by member).
    public static func == (a: ViewerOptions, b: ViewerOptions) -> Bool {
        a.target == b.target && a.fit == b.fit && a.renderShare == b.renderShare && a.windowWidth == b.windowWidth
            && a.windowHeight == b.windowHeight && a.mode == b.mode && a.paused == b.paused && a.snapshot == b.snapshot
            && a.stats == b.stats && a.quitAfter == b.quitAfter && a.compare?.0 == b.compare?.0 && a.compare?.1 == b.compare?.1
            && a.help == b.help
    }

    /// An empty set of options.
    public init() {}

    /// The usage text for `--help`.
    public static var usage: String {
        """
        usage: fieldfit-viewer [SCENE.json | EMBEDDED_SCENE | RUN_DIR] [options]

        Opens a window that shows the field live. Given a scene file (or demo, demo-image, demo-sdf), it
        fits it exactly as `fieldfit` would (same run folder, same steps) and redraws the current field as
        training goes on; given a run folder a fit wrote, it opens the trained field without training
        (space trains it further). Needs an X display with OpenGL 3.3 (e.g. under xvfb-run).

        options:
          --steps N, --seconds S   training limits (replace the scene's)
          --seed N, --threads N, --out DIR   as for fieldfit
          --render-share F   fraction of the worker's time that renders may take while training
                             runs, 0.05...0.95 (default 0.3); training gets the rest
          --size WxH         window size in pixels (default: the render size, enlarged to ~640)
          --mode M           first render mode: rgb, depth, normals, alpha (3D); rgb, target, error (image)
          --paused           start with training paused
          --snapshot FILE    when training has finished and the final field is on screen at full
                             resolution, save the checkpoint, write the window to FILE (PNG) and quit
                             (a run folder: once its first full-resolution frame is on screen)
          --stats            print UI frames/s and frame times each second, and the time to the first
                             full-resolution frame
          --quit-after S     quit after S seconds
          --compare A.png B.png   print PSNR and mean/max absolute difference of two PNGs and exit
          -h, --help         this text

        keys:
        \(LiveOverlay.keyLines.map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) throws(FieldError) -> ViewerOptions {
        var o = ViewerOptions()
        var fitArguments: [String] = []
        var i = 0
        func value(_ flag: String) throws(FieldError) -> String {
            i += 1
            guard i < arguments.count else { throw FieldError(location: flag, "expects a value") }
            return arguments[i]
        }
        func number(_ flag: String, _ range: ClosedRange<Double>) throws(FieldError) -> Double {
            let v = try value(flag)
            guard let x = Double(v), range.contains(x) else {
                throw FieldError(location: flag, "expected a number in \(range.lowerBound)...\(range.upperBound), got \"\(v)\"")
            }
            return x
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "-h", "--help": o.help = true
            case "--steps", "--seconds", "--seed", "--threads", "--out":
                fitArguments += [a, try value(a)]
            case "--render-share": o.renderShare = try number(a, 0.05...0.95)
            case "--size":
                let v = try value(a)
                let parts = v.lowercased().split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (16...8192).contains(parts[0]), (16...8192).contains(parts[1]) else {
                    throw FieldError(location: a, "expected WIDTHxHEIGHT with each in 16...8192, got \"\(v)\"")
                }
                o.windowWidth = parts[0]; o.windowHeight = parts[1]
            case "--mode":
                let v = try value(a)
                guard let m = LiveMode(rawValue: v.lowercased()) else {
                    throw FieldError(location: a, "expected one of \(LiveMode.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(v)\"")
                }
                o.mode = m
            case "--paused": o.paused = true
            case "--snapshot": o.snapshot = try value(a)
            case "--stats": o.stats = true
            case "--quit-after": o.quitAfter = try number(a, 0.1...1e6)
            case "--compare":
                let first = try value(a)
                o.compare = (first, try value(a))
            default:
                if a.hasPrefix("-") { throw FieldError(location: a, "unknown option (see fieldfit-viewer --help)") }
                guard o.target == nil else { throw FieldError(location: a, "only one scene file or run folder can be given") }
                o.target = a
            }
            i += 1
        }
        o.fit = try Options.parse(fitArguments)
        return o
    }

    /// What `target` names: a run folder (a folder with config.json), else a scene file or embedded scene.
    public var source: LiveSession.Source {
        guard let t = target else { return .defaultScene }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: t, isDirectory: &isFolder), isFolder.boolValue { return .run(t) }
        return .scene(t)
    }
}
