import Foundation

/// Memory figures of this process, from /proc.
enum ProcessMemory {
    /// Peak resident memory (VmHWM) in MiB, or nil where /proc is unavailable.
    static func peakResidentMiB() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first
            if let d = digits, let kb = Double(d) { return kb / 1024 }
        }
        return nil
    }
}
