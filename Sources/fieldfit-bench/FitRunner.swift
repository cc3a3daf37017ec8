import FieldIO
import Foundation

/// Runs the release `fieldfit` binary on `scene` for `seconds` of training into a temporary folder and
/// returns the `final` object of its metrics.json (nil, with a message, when the fit fails).
func runFit(fieldfit: String, scene: String, threads: Int, seconds: Double, what: String) -> JSONValue? {
    runFitMetrics(fieldfit: fieldfit, scene: scene, threads: threads, seconds: seconds, what: what)?["final"]
}

/// Runs the release `fieldfit` binary on `scene` for `seconds` of training into a temporary folder and
/// returns its whole metrics.json (evaluations and final figures; nil, with a message, when the fit fails).
func runFitMetrics(fieldfit: String, scene: String, threads: Int, seconds: Double, what: String) -> JSONValue? {
    let out = NSTemporaryDirectory() + "fieldfit-bench-\(what)-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: fieldfit)
    process.arguments = [scene, "--out", out, "--quiet", "--threads", "\(threads)", "--seconds", "\(seconds)"]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        print("bench: cannot run \(fieldfit): \(error)")
        return nil
    }
    guard process.terminationStatus == 0,
          let metrics = try? JSONParser.parse(file: out + "/metrics.json"), metrics["final"] != nil else {
        print("bench: the \(what) fit failed (is ../shared/data there?)")
        return nil
    }
    return metrics
}

/// A number from a JSON value, or nil.
func number(_ v: JSONValue?) -> Double? { if case .number(let d, _)? = v { return d }; return nil }
