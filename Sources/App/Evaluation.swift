import FieldIO

/// One evaluation of the field during training, as written to metrics.json.
struct Evaluation: Equatable {
    /// Training steps done.
    var step: Int
    /// Seconds of training done (evaluation and I/O excluded).
    var seconds: Double
    /// PSNR of the whole reconstruction, dB.
    var psnr: Double
    /// Mean training loss since the previous evaluation.
    var loss: Double

    var json: JSONValue {
        .object([("step", .int(step)), ("seconds", .double(seconds)), ("psnr", .double(psnr)), ("loss", .double(loss))])
    }

    init(step: Int, seconds: Double, psnr: Double, loss: Double) {
        self.step = step
        self.seconds = seconds
        self.psnr = psnr
        self.loss = loss
    }

    init(json: JSONValue, file: String) throws(FieldError) {
        let o = try ConfigObject(json, file: file, path: "evaluations[]")
        step = try o.int("step", default: 0)
        seconds = try o.double("seconds", default: 0)
        psnr = try o.double("psnr", default: 0)
        loss = try o.double("loss", default: 0)
        try o.finish()
    }

    /// Training seconds at the first evaluation that reached `psnr`, or nil.
    static func secondsToReach(_ psnr: Double, in history: [Evaluation]) -> Double? {
        history.first { $0.psnr >= psnr }?.seconds
    }
}
