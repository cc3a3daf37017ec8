import FieldIO
import Foundation

/// Encodes frames into a video file with Debian's `ffmpeg` (H.264 by libx264, yuv420p so that every player
/// takes it; odd sizes cropped by a pixel to the even dimensions yuv420p needs). Frames go to ffmpeg's stdin
/// as raw RGB24; ffmpeg writes a temporary file next to the target, renamed into place by `finish`, so a
/// failed or interrupted encode leaves no half-written video.
final class VideoEncoder {
    /// Where the video goes.
    let path: String
    let width: Int, height: Int
    private let process: Process
    private let input: FileHandle
    private let temporaryPath: String
    private let errorLog: String
    private var bytes: [UInt8]
    private var finished = false

    /// Starts `ffmpeg` (`executable`, found on PATH unless it is a path) writing `path` at `fps` frames a second
    /// for frames of `width` × `height`. Throws one line when ffmpeg is missing or does not start.
    init(path: String, width: Int, height: Int, fps: Double, executable: String = "ffmpeg") throws(FieldError) {
        guard let ffmpeg = VideoEncoder.find(executable) else {
            throw FieldError(location: "--video", "\(executable) not found on PATH: install Debian's ffmpeg (apt-get install ffmpeg, or tools/setup)")
        }
        let folder = (path as NSString).deletingLastPathComponent
        try FileAccess.makeFolder(folder.isEmpty ? "." : folder)
        self.path = path
        self.width = width
        self.height = height
        let ext = (path as NSString).pathExtension
        temporaryPath = (folder.isEmpty ? "" : folder + "/") + ".\((path as NSString).lastPathComponent).tmp-\(getpid())" + (ext.isEmpty ? "" : "." + ext)
        errorLog = NSTemporaryDirectory() + "fieldfit-ffmpeg-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        bytes = [UInt8](repeating: 0, count: width * height * 3)
        process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-loglevel", "error", "-y",
                             "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(width)x\(height)", "-r", String(fps), "-i", "-",
                             "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                             "-movflags", "+faststart"]
            + (ext.isEmpty ? ["-f", "mp4"] : []) + [temporaryPath]
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: errorLog)
        input = pipe.fileHandleForWriting
        // A dead ffmpeg must give an error on write, not a SIGPIPE that ends fieldfit.
        signal(SIGPIPE, SIG_IGN)
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: errorLog)
            throw FieldError(file: ffmpeg, "cannot be started: \(error.localizedDescription)")
        }
    }

    deinit {
        if !finished { cancel() }
    }

    /// Appends one frame (RGB or RGBA floats in [0, 1], `width` × `height`).
    func append(_ image: Image) throws(FieldError) {
        precondition(image.width == width && image.height == height, "VideoEncoder: frame size")
        let c = image.channels
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<(width * height) {
                for ch in 0..<3 {
                    let v = px[i * c + min(ch, c - 1)]
                    bytes[3 * i + ch] = UInt8(max(0, min(255, (v * 255).rounded())))
                }
            }
        }
        do {
            try input.write(contentsOf: Data(bytes))
        } catch {
            _ = try? finishProcess()
            throw failure("stopped reading frames")
        }
    }

    /// Ends the stream, waits for ffmpeg, and renames the video into place.
    func finish() throws(FieldError) {
        guard try finishProcess() else { throw failure("failed") }
        if rename(temporaryPath, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw FieldError(file: path, "cannot be written: \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(atPath: errorLog)
    }

    /// Stops ffmpeg and removes what it wrote.
    func cancel() {
        if !finished {
            finished = true
            try? input.close()
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: temporaryPath)
        try? FileManager.default.removeItem(atPath: errorLog)
    }

    /// Closes ffmpeg's input and waits for it; whether it succeeded.
    private func finishProcess() throws(FieldError) -> Bool {
        if finished { return false }
        finished = true
        try? input.close()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// The error for a failed encode: ffmpeg's last message line; the partial file and the log removed.
    private func failure(_ what: String) -> FieldError {
        let log = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
        let last = log.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no message"
        try? FileManager.default.removeItem(atPath: temporaryPath)
        try? FileManager.default.removeItem(atPath: errorLog)
        return FieldError(file: path, "ffmpeg \(what) (exit status \(process.isRunning ? -1 : Int(process.terminationStatus))): \(last)")
    }

    /// The executable `name` (a path, or looked up on PATH), or nil.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
