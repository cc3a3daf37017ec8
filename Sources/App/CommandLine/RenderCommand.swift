import ArgumentParser
import FieldIO

/// `fieldfit render RUN_DIR`: renders a trained SDF or NeRF run's views again, without training.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a trained SDF or NeRF run's views again (orbit, the scene's cameras, a camera path, test views).",
        discussion: """
        NeRF runs render along a path that follows the capture: an orbit when the training cameras surround \
        the scene, else a smooth path through the training cameras (--path interpolate); --path picks \
        another (spiral: around the cameras' mean pose; or a nerfstudio camera_path.json). --video encodes \
        the path's frames with ffmpeg (H.264, yuv420p) instead of writing PNGs.
        """)

    @Argument(help: ArgumentHelp("The run folder a fit wrote.", valueName: "run-dir"))
    var runFolder: String

    @Option(help: ArgumentHelp("Views on the orbit, 0...10000 (default: the scene's).", valueName: "n"))
    var orbit: Int?

    @Option(help: ArgumentHelp("NeRF runs: the render path, orbit | interpolate | spiral | a camera_path.json (default: orbit for captures around the scene, interpolate for forward-facing ones).", valueName: "path"))
    var path: String?

    @Option(help: ArgumentHelp("Views on the render path, 1...10000 (default: the scene's orbit count; with --video, 4 s of video).", valueName: "n"))
    var frames: Int?

    @Option(help: ArgumentHelp("NeRF runs: encode the path's frames into this video (.mp4) with ffmpeg instead of writing PNGs.", valueName: "file"))
    var video: String?

    @Option(help: ArgumentHelp("Frames per second of --video, 1...240 (default 30).", valueName: "n"))
    var fps: Double?

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
        if let frames, !(1...10_000).contains(frames) { throw ValidationError("--frames: expected an integer in 1...10000, got \(frames)") }
        if orbit != nil && frames != nil { throw ValidationError("--frames: give either --frames or --orbit, not both") }
        if let fps, !(fps >= 1 && fps <= 240) { throw ValidationError("--fps: expected frames per second in 1...240, got \(fps)") }
        if fps != nil && video == nil { throw ValidationError("--fps: only with --video FILE") }
        if video != nil && outputFolder != nil { throw ValidationError("--video: writes one file; leave out --out") }
        if video != nil && orbit == 0 { throw ValidationError("--video: needs at least one frame, got --orbit 0") }
        for (flag, v) in [("--width", width), ("--height", height)] {
            if let v, !(1...8192).contains(v) { throw ValidationError("\(flag): expected an integer in 1...8192, got \(v)") }
        }
    }

    func run() throws {
        var o = Options()
        o.orbitViews = frames ?? orbit ?? (video != nil ? Int(4 * (fps ?? 30)) : nil)
        o.renderPath = path.map { NeRFRenderPath.names.contains($0.lowercased()) ? $0 : FileAccess.absolute($0) }
        o.videoPath = video.map(FileAccess.absolute)
        if let fps { o.fps = fps }
        o.width = width
        o.height = height
        o.cameraPath = cameraPath.map(FileAccess.absolute)
        o.outputFolder = outputFolder
        worker.apply(to: &o)
        try TrainedRun(path: runFolder, threads: worker.threads).render(options: o)
    }
}
