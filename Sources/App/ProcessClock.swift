import Foundation

/// How long this process has been running, from /proc (so that "first step after X s" counts from the
/// command, not from when the fit loop started).
enum ProcessClock {
    /// Seconds since the process started, or nil where /proc is unavailable.
    static func secondsSinceStart() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let up = uptime.split(separator: " ").first.flatMap({ Double($0) }),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name; `starttime` is field 22 of the line, the 20th after ")".
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return hertz > 0 ? up - ticks / hertz : nil
    }
}
