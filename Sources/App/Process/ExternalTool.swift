import FieldIO
import Foundation

/// A Debian command-line tool fieldfit calls as a process (`colmap`, `ffmpeg`, `ffprobe`): found on PATH,
/// run headless with its output kept in a log file, and its failure turned into one line.
struct ExternalTool {
    /// The program's name and resolved path.
    let name: String
    let path: String

    /// The tool named `name` on PATH; a missing tool is an error that says `tools/setup` installs it.
    static func find(_ name: String, package: String) throws(FieldError) -> ExternalTool {
        guard let path = locate(name) else {
            throw FieldError(file: name, "not found on PATH: `tools/setup` installs it (or: apt-get install \(package))")
        }
        return ExternalTool(name: name, path: path)
    }

    /// The path of `name` on PATH, or nil.
    static func locate(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the tool with `arguments`; stdout and stderr go to `log` (nil: captured only). Returns the exit
    /// status and the output. Qt tools run with `QT_QPA_PLATFORM=offscreen` (no display needed).
    @discardableResult
    func run(_ arguments: [String], log: String? = nil) throws(FieldError) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["QT_QPA_PLATFORM"] = "offscreen"
        process.environment = env
        let outFile = log ?? (NSTemporaryDirectory() + "fieldfit-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        guard FileManager.default.createFile(atPath: outFile, contents: nil), let handle = FileHandle(forWritingAtPath: outFile) else {
            throw FieldError(file: outFile, "cannot be written (is the folder writable?)")
        }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            try? handle.close()
            throw FieldError(file: path, "cannot be started: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        try? handle.close()
        let output = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        if log == nil { try? FileManager.default.removeItem(atPath: outFile) }
        return (process.terminationStatus, output)
    }

    /// The last non-empty line of a tool's output that reads like an error (else the last line), for a one-line message.
    static func lastMessage(_ output: String) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let error = lines.last { $0.localizedCaseInsensitiveContains("error") || $0.localizedCaseInsensitiveContains("invalid")
            || $0.localizedCaseInsensitiveContains("failed") }
        return String((error ?? lines.last ?? "no output").prefix(200))
    }
}
