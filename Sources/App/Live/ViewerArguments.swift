import ArgumentParser

/// The command line of `fieldfit-viewer`, declared for swift-argument-parser (GL-free, so `swift test` checks
/// it); `ViewerOptions.parse` turns it into the viewer's options.
struct ViewerArguments: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldfit-viewer",
        abstract: "Show a field live in a window while it trains.",
        discussion: """
        Given a scene file (or demo, demo-image, demo-sdf), it fits it exactly as `fieldfit` would (same run \
        folder, same steps) and redraws the current field as training goes on; given a run folder a fit wrote, \
        it opens the trained field without training (space trains it further). Needs an X display with \
        OpenGL 3.3 (e.g. under xvfb-run).

        keys:
        \(LiveOverlay.keyLines.map { "  " + $0 }.joined(separator: "\n"))
        """)

    @Argument(help: ArgumentHelp("A scene file, an embedded scene (demo, demo-image, demo-sdf) or a run folder (default: the embedded NeRF demo).",
                                 valueName: "scene-or-run"))
    var target: String?

    @OptionGroup var fit: FitOverrides

    @Option(help: ArgumentHelp("Fraction of the worker's time that renders may take while training runs, 0.05...0.95; training gets the rest.",
                               valueName: "f"))
    var renderShare = 0.3

    @Option(help: ArgumentHelp("Window size in pixels, WIDTHxHEIGHT, each 16...8192 (default: the render size, enlarged to ~640).",
                               valueName: "wxh"))
    var size: WindowSize?

    @Option(help: ArgumentHelp("First render mode: rgb, depth, normals, alpha (3D); rgb, target, error (image).", valueName: "m"))
    var mode: LiveMode?

    @Flag(help: "Start with training paused.")
    var paused = false

    @Option(help: ArgumentHelp("When training has finished and the final field is on screen at full resolution, save the checkpoint, write the window to this PNG and quit (a run folder: once its first full-resolution frame is on screen).",
                               valueName: "file"))
    var snapshot: String?

    @Flag(help: "Print UI frames/s and frame times each second, and the time to the first full-resolution frame.")
    var stats = false

    @Option(help: ArgumentHelp("Quit after this many seconds, 0.1...1e6.", valueName: "s"))
    var quitAfter: Double?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Print PSNR and mean/max absolute difference of two PNGs and exit.", valueName: "png"))
    var compare: [String] = []

    func validate() throws {
        guard (0.05...0.95).contains(renderShare) else {
            throw ValidationError("--render-share: expected a number in 0.05...0.95, got \(renderShare)")
        }
        if let quitAfter, !(0.1...1e6).contains(quitAfter) {
            throw ValidationError("--quit-after: expected a number in 0.1...1000000, got \(quitAfter)")
        }
        if !compare.isEmpty && compare.count != 2 { throw ValidationError("--compare: expects two PNG files, got \(compare.count)") }
    }
}

/// A window size given as `WIDTHxHEIGHT`.
struct WindowSize: ExpressibleByArgument {
    var width: Int, height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], (16...8192).contains(w), (16...8192).contains(h) else { return nil }
        (width, height) = (w, h)
    }
}

extension LiveMode: ExpressibleByArgument {
    /// A mode by name, any case.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
