import FieldIO

/// One evaluation of the field during training, as written to metrics.json: when it happened, the
/// mean training loss since the previous one, and the task's scores (e.g. `psnr`, or `iou`).
public struct Evaluation: Equatable {
    /// Training steps done.
    public var step: Int
    /// Seconds of training done (evaluation and I/O excluded).
    public var seconds: Double
    /// Mean training loss since the previous evaluation (NaN before training).
    public var loss: Double
    /// The task's scores, in the order they are written.
    public var scores: [Score]

    /// One named score.
    public struct Score: Equatable {
        public var name: String
        public var value: Double
    }

    /// The score called `name`, or NaN.
    public subscript(name: String) -> Double { scores.first { $0.name == name }?.value ?? .nan }

    public var json: JSONValue {
        .object([("step", .int(step)), ("seconds", .double(seconds)), ("loss", .double(loss))]
                + scores.map { ($0.name, JSONValue.double($0.value)) })
    }

    public init(step: Int, seconds: Double, loss: Double, scores: [Score]) {
        self.step = step
        self.seconds = seconds
        self.loss = loss
        self.scores = scores
    }

    /// Reads an evaluation written by `json` (a checkpoint's history).
    public init(json: JSONValue, file: String) throws(FieldError) {
        let o = try ConfigObject(json, file: file, path: "evaluations[]")
        step = try o.int("step", default: 0)
        seconds = try o.double("seconds", default: 0)
        loss = try o.double("loss") ?? .nan      // non-finite numbers are written as null
        scores = []
        for member in o.members where !["step", "seconds", "loss"].contains(member.key) {
            scores.append(Score(name: member.key, value: try o.double(member.key) ?? .nan))
        }
        try o.finish()
    }

    /// Training seconds at the first evaluation whose score `name` reached `threshold`, or nil.
    static func secondsToReach(_ threshold: Double, score name: String, in history: [Evaluation]) -> Double? {
        history.first { $0[name] >= threshold }?.seconds
    }
}
