import ArgumentParser
import FieldIO
import Foundation

/// `fieldfit process PHOTOS_DIR | VIDEO --out DATA_DIR`: poses a capture with COLMAP and writes a
/// transforms.json dataset (with images, images_2/4/8, sparse_pc.ply, colmap/sparse/0).
struct ProcessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Pose a folder of photos or a video with COLMAP and write a transforms.json dataset.",
        discussion: """
        As nerfstudio's ns-process-data and instant-ngp's colmap2nerf.py: COLMAP (CPU SIFT, headless) \
        extracts features, matches them (exhaustive for photos, sequential for video frames) and maps; a \
        video's frames come from ffmpeg, the sharpest of each window kept. Writes DATA_DIR/transforms.json \
        (read by fieldfit, instant-ngp and nerfstudio), images/ (at most --max-size px), images_2/4/8, \
        sparse_pc.ply and colmap/sparse/0. `tools/setup` installs colmap and ffmpeg.
        """)

    @Argument(help: ArgumentHelp("A folder of photos (.jpg/.png) or a video file.", valueName: "photos-dir | video"))
    var input: String

    @Option(name: .customLong("out"), help: ArgumentHelp("The data folder to write.", valueName: "data-dir"))
    var output: String

    @Option(name: .customLong("max-size"), help: ArgumentHelp("Longest image side in pixels for COLMAP and images/.", valueName: "px"))
    var maxSize = 1600

    @Option(name: .customLong("frames"), help: ArgumentHelp("Frames to keep from a video.", valueName: "n"))
    var frames = 100

    @Option(help: ArgumentHelp("exhaustive | sequential (default: exhaustive for photos, sequential for a video).", valueName: "kind"))
    var matcher: String?

    @Option(name: .customLong("camera-model"), help: ArgumentHelp("COLMAP camera model: \(CaptureProcessing.cameraModels.joined(separator: ", ")).", valueName: "model"))
    var cameraModel = "OPENCV"

    @Option(name: .customLong("aabb-scale"), help: ArgumentHelp("Scene box side, a power of two 1...128 (default: the smallest holding cameras and points).", valueName: "n"))
    var aabbScale: Int?

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        guard (64...16384).contains(maxSize) else { throw ValidationError("--max-size: expected an integer in 64...16384, got \(maxSize)") }
        guard (2...10_000).contains(frames) else { throw ValidationError("--frames: expected an integer in 2...10000, got \(frames)") }
        if let matcher, !["exhaustive", "sequential"].contains(matcher) {
            throw ValidationError("--matcher: expected exhaustive or sequential, got \(matcher)")
        }
        guard CaptureProcessing.cameraModels.contains(cameraModel.uppercased()) else {
            throw ValidationError("--camera-model: expected one of \(CaptureProcessing.cameraModels.joined(separator: ", ")), got \(cameraModel)")
        }
        if let a = aabbScale, !(1...128).contains(a) || a & (a - 1) != 0 {
            throw ValidationError("--aabb-scale: expected a power of two from 1 to 128, got \(a)")
        }
    }

    func run() throws {
        var p = CaptureProcessing(input: input, output: output,
                                  threads: worker.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        p.maxSize = maxSize
        p.videoFrames = frames
        p.matcher = matcher
        p.cameraModel = cameraModel.uppercased()
        p.aabbScale = aabbScale
        p.quiet = worker.quiet
        try p.run()
    }
}
