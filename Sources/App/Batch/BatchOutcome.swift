import FieldIO
import Foundation

/// Where one field of a batch stands, read from its run folder (and the batch's error file): the summary's row.
public struct BatchOutcome: Equatable, Sendable {
    /// The field's state.
    public enum Status: Equatable, Sendable {
        /// metrics.json is complete (`earlier`: it was finished before this batch started).
        case done(earlier: Bool)
        /// The fit failed; the one-line reason.
        case failed(String)
        /// Started and stopped before the end: a checkpoint but no metrics.json.
        case interrupted
        /// Not run (yet), or its process ended without a word (see its log).
        case missing
    }

    /// The field's name (its run folder under OUT).
    public let name: String
    public var status: Status
    /// The task's headline score (name and value) of the final evaluation.
    public var score: (name: String, value: Double)?
    /// Seconds of training, and wall-clock seconds of the fit's process.
    public var trainingSeconds: Double?
    public var wallSeconds: Double?
    /// When metrics.json was written.
    public var finishedAt: Date?

    public static func == (a: BatchOutcome, b: BatchOutcome) -> Bool {
        a.name == b.name && a.status == b.status && a.score?.name == b.score?.name && a.score?.value == b.score?.value
            && a.trainingSeconds == b.trainingSeconds && a.wallSeconds == b.wallSeconds
    }

    /// The file a failed fit's one-line error goes to.
    static func errorFile(for field: BatchField, in out: String) -> String {
        (out as NSString).appendingPathComponent("batch/errors/\(field.name).txt")
    }

    /// Whether the run folder holds a complete metrics.json (a finished fit).
    static func isFinished(_ folder: String) -> Bool {
        (try? JSONParser.parse(file: folder + "/metrics.json"))?["final"] != nil
    }

    /// The outcome of `field` as its files in `out` tell it.
    static func read(_ field: BatchField, in out: String) -> BatchOutcome {
        let folder = field.runFolder(in: out)
        var outcome = BatchOutcome(name: field.name, status: .missing)
        if let metrics = try? JSONParser.parse(file: folder + "/metrics.json"), let final = metrics["final"] {
            outcome.status = .done(earlier: false)
            outcome.trainingSeconds = number(final["seconds"])
            outcome.wallSeconds = number(final["wall_seconds"])
            if case .object(let members) = final,
               let key = members.first(where: { $0.key.hasPrefix("seconds_to_") })?.key {
                let name = String(key.dropFirst("seconds_to_".count))
                outcome.score = number(final[name]).map { (name, $0) }
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/metrics.json")
            outcome.finishedAt = attributes?[.modificationDate] as? Date
        } else if let bytes = try? FileAccess.readBytes(errorFile(for: field, in: out)) {
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "failed"
            outcome.status = .failed(line)
        } else if FileAccess.exists(folder + "/checkpoint/state.json") {
            outcome.status = .interrupted
        }
        return outcome
    }

    private static func number(_ v: JSONValue?) -> Double? { if case .number(let d, _)? = v { return d }; return nil }

    /// The status as the summary shows it.
    var statusText: String {
        switch status {
        case .done(let earlier): return earlier ? "done (earlier)" : "done"
        case .failed: return "failed"
        case .interrupted: return "interrupted"
        case .missing: return "missing"
        }
    }

    /// The status as summary.json writes it.
    var statusKey: String {
        switch status {
        case .done: return "done"
        case .failed: return "failed"
        case .interrupted: return "interrupted"
        case .missing: return "missing"
        }
    }

    /// `iou 0.9731`, or "" without a score.
    var scoreText: String { score.map { "\($0.name) \(String(format: "%.4g", $0.value))" } ?? "" }

    /// The one progress line of a finished field: `torus/torus-003: done, iou 0.9731, 1.23 s training, 3.40 s wall`.
    var progressText: String {
        var parts = [statusText]
        if case .failed(let why) = status { parts.append(why) }
        if !scoreText.isEmpty { parts.append(scoreText) }
        if let t = trainingSeconds { parts.append(String(format: "%.2f s training", t)) }
        if let w = wallSeconds { parts.append(String(format: "%.2f s wall", w)) }
        return "\(name): " + parts.joined(separator: ", ")
    }
}
