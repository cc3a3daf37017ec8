import FieldIO
import Foundation

/// The batch's summary table: per field its status, headline score, training and wall seconds; the totals and
/// fields per hour. Printed at the end and written to `OUT/summary.md` and `OUT/summary.json`.
public struct BatchSummary {
    /// The fields' outcomes, in manifest order.
    public let outcomes: [BatchOutcome]
    /// Wall-clock seconds of the batch (nil for `--collect`: the span from the first fit's start to the last's end).
    public let batchWallSeconds: Double?
    /// How the fields ran, e.g. `2 at a time × 1 thread` or `Slurm`.
    public let parallelism: String

    public init(outcomes: [BatchOutcome], batchWallSeconds: Double?, parallelism: String) {
        (self.outcomes, self.batchWallSeconds, self.parallelism) = (outcomes, batchWallSeconds, parallelism)
    }

    /// Fields whose status is `key` (done, failed, interrupted, missing).
    public func count(_ key: String) -> Int { outcomes.filter { $0.statusKey == key }.count }
    /// Fields finished by this batch (not before it).
    var finishedNow: Int { outcomes.filter { $0.status == .done(earlier: false) }.count }

    /// The seconds the fields took: the batch's wall clock, or from the earliest start to the latest finish.
    var spanSeconds: Double? {
        if let batchWallSeconds { return batchWallSeconds }
        let runs = outcomes.compactMap { o in o.finishedAt.map { ($0, o.wallSeconds ?? 0) } }
        guard let end = runs.map({ $0.0 }).max(), let start = runs.map({ $0.0.addingTimeInterval(-$0.1) }).min() else { return nil }
        return end.timeIntervalSince(start)
    }

    /// Fields finished per hour of wall clock (nil when none finished).
    public var fieldsPerHour: Double? {
        let finished = batchWallSeconds == nil ? count("done") : finishedNow
        guard finished > 0, let span = spanSeconds, span > 0 else { return nil }
        return Double(finished) / span * 3600
    }

    /// The totals line.
    var totalsText: String {
        let training = outcomes.compactMap(\.trainingSeconds).reduce(0, +)
        var parts = ["\(outcomes.count) field\(outcomes.count == 1 ? "" : "s"): \(count("done")) done"]
        let earlier = count("done") - finishedNow
        if batchWallSeconds != nil && earlier > 0 { parts[0] += " (\(earlier) earlier)" }
        parts[0] += ", \(count("failed")) failed, \(count("interrupted")) interrupted, \(count("missing")) missing"
        parts.append(String(format: "%.1f s training", training))
        if let span = spanSeconds { parts.append(String(format: "%.1f s wall", span)) }
        if let rate = fieldsPerHour { parts.append(String(format: "%.0f fields per hour", rate)) }
        parts.append(parallelism)
        return parts.joined(separator: "; ")
    }

    /// The table as Markdown (also what is printed).
    public var markdown: String {
        func seconds(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "" }
        var text = "| field | status | score | training s | wall s |\n|---|---|---|---|---|\n"
        for o in outcomes {
            text += "| \(o.name) | \(o.statusText) | \(o.scoreText) | \(seconds(o.trainingSeconds)) | \(seconds(o.wallSeconds)) |\n"
        }
        text += "\n" + totalsText + "\n"
        let failed = outcomes.compactMap { o -> String? in if case .failed(let why) = o.status { return "- \(o.name): \(why)" }; return nil }
        if !failed.isEmpty { text += "\nFailed:\n" + failed.joined(separator: "\n") + "\n" }
        return text
    }

    /// The summary as JSON.
    public var json: JSONValue {
        func opt(_ v: Double?) -> JSONValue { v.map { .double($0) } ?? .null }
        let fields: [JSONValue] = outcomes.map { o in
            var m: [(key: String, value: JSONValue)] = [("name", .string(o.name)), ("status", .string(o.statusKey))]
            if case .failed(let why) = o.status { m.append(("error", .string(why))) }
            if case .done(let earlier) = o.status { m.append(("earlier", .bool(earlier))) }
            m.append(("score", o.score.map { .object([("name", .string($0.name)), ("value", .double($0.value))]) } ?? .null))
            m += [("training_seconds", opt(o.trainingSeconds)), ("wall_seconds", opt(o.wallSeconds))]
            return .object(m)
        }
        return .object([
            ("fields", .array(fields)),
            ("totals", .object([
                ("fields", .int(outcomes.count)), ("done", .int(count("done"))), ("failed", .int(count("failed"))),
                ("interrupted", .int(count("interrupted"))), ("missing", .int(count("missing"))),
                ("training_seconds", .double(outcomes.compactMap(\.trainingSeconds).reduce(0, +))),
                ("wall_seconds", opt(spanSeconds)), ("fields_per_hour", opt(fieldsPerHour)),
                ("parallelism", .string(parallelism)),
            ])),
        ])
    }

    /// Writes summary.md and summary.json into `out`.
    public func write(to out: String) throws(FieldError) {
        try FileAccess.writeAtomically("# fieldfit batch: \(out)\n\n" + markdown, to: (out as NSString).appendingPathComponent("summary.md"))
        try FileAccess.writeAtomically(JSONWriter.string(json), to: (out as NSString).appendingPathComponent("summary.json"))
    }
}
