import Foundation

/// The live progress line: step, loss, the task's score at the last evaluation, samples/s, elapsed and ETA.
/// Redrawn in place on a terminal; on a pipe, a plain line at most every few seconds.
struct ProgressLine {
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private let quiet: Bool
    private var lastDraw = -Double.infinity
    private var drewInPlace = false

    init(quiet: Bool) { self.quiet = quiet }

    /// Shows the current state (throttled: 10 redraws/s on a terminal, one line per 2 s on a pipe).
    mutating func update(step: Int, loss: Float, score: String?, samplesPerSecond: Double, elapsed: Double,
                         eta: Double?, force: Bool = false) {
        if quiet { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard force || now - lastDraw >= (isTerminal ? 0.1 : 2.0) else { return }
        lastDraw = now
        var text = "step \(step)  loss \(String(format: "%.3g", loss))"
        if let score { text += "  " + score }
        text += "  \(ProgressLine.rate(samplesPerSecond)) samples/s  \(ProgressLine.clock(elapsed))"
        if let eta { text += "  eta \(ProgressLine.clock(eta))" }
        if isTerminal {
            print("\r\u{1B}[2K" + text, terminator: "")
            drewInPlace = true
        } else {
            print(text)
        }
        fflush(nil)
    }

    /// Ends the in-place line so the next output starts on a fresh line.
    mutating func finish() {
        if drewInPlace { print("") }
        drewInPlace = false
    }

    /// 1234567 → "1.23M".
    static func rate(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%.2fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(format: "%.0f", v)
    }

    /// Seconds as "12.3s" or "4m05s".
    static func clock(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1fs", s) }
        let m = Int(s) / 60
        return String(format: "%dm%02ds", m, Int(s) % 60)
    }
}
