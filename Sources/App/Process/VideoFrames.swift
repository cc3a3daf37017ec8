import FieldIO
import Foundation

/// Frames of a video for a capture, as nerfstudio's and colmap2nerf's video path takes them: `ffmpeg`
/// decodes candidate frames evenly spread over the video, and the sharpest frame (variance of the
/// Laplacian) of each of `target` windows is kept.
struct VideoFrames {
    /// Candidate frames decoded per kept frame (the window size).
    static let candidatesPerFrame = 4

    /// Decodes the candidates of `video` into `scratch` (PNG files) and returns the kept frames' paths in
    /// time order. Errors: a video ffmpeg cannot read, or one with no frames.
    static func extract(_ video: String, target: Int, into scratch: String, threads: Int) throws(FieldError) -> [String] {
        let ffmpeg = try ExternalTool.find("ffmpeg", package: "ffmpeg")
        let ffprobe = try ExternalTool.find("ffprobe", package: "ffmpeg")
        let probe = try ffprobe.run(["-v", "error", "-select_streams", "v:0", "-count_packets",
                                     "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", video])
        let count = Int(probe.output.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "") ?? 0
        guard probe.status == 0, count > 0 else {
            throw FieldError(file: video, "ffmpeg cannot read this video (\(ExternalTool.lastMessage(probe.output))): expected a video file such as .mp4 or .mov, or a folder of photos")
        }
        let every = max(1, count / max(1, target * candidatesPerFrame))
        try FileAccess.makeFolder(scratch)
        let decoded = try ffmpeg.run(["-nostdin", "-v", "error", "-threads", "\(threads)", "-i", video,
                                      "-vf", "select=not(mod(n\\,\(every)))", "-vsync", "vfr", scratch + "/candidate_%06d.png"])
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).filter { $0.hasPrefix("candidate_") }.sorted()
        guard decoded.status == 0, !names.isEmpty else {
            throw FieldError(file: video, "ffmpeg cannot read this video (\(ExternalTool.lastMessage(decoded.output)))")
        }
        let paths = names.map { scratch + "/" + $0 }
        var sharpness = [Double](repeating: 0, count: paths.count)
        for (i, p) in paths.enumerated() { sharpness[i] = try Image.read(p).laplacianSharpness }
        return sharpestPerWindow(sharpness, target: target).map { paths[$0] }
    }

    /// Indices of the sharpest entry of each of `target` equal windows over `sharpness` (all of them when there
    /// are no more than `target`), in order.
    static func sharpestPerWindow(_ sharpness: [Double], target: Int) -> [Int] {
        let n = sharpness.count
        guard n > target, target > 0 else { return Array(0..<n) }
        return (0..<target).map { w in
            let lo = w * n / target, hi = (w + 1) * n / target
            return (lo..<hi).max { sharpness[$0] < sharpness[$1] }!
        }
    }
}
