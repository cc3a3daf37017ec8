import TensorCore

/// One measured figure of the benchmark report: what, how much, and the target it is held against.
struct BenchFigure {
    /// What was measured, e.g. "hash grid 2D forward, random order".
    var name: String
    /// The measured value.
    var value: Double
    /// Its unit, e.g. "M pts/s", "s", "dB", "MB".
    var unit: String
    /// The target, in words (e.g. "≥ 7.98 (60 % of 13.3)"), or "" for figures only reported.
    var target: String
    /// Whether the target is met (nil when there is none).
    var met: Bool?
}

/// Wall-clock seconds of `body`, best of `repeats` after one warm-up run.
func bestTime(repeats: Int = 5, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let t0 = monotonicSeconds()
        body()
        best = min(best, monotonicSeconds() - t0)
    }
    return best
}
