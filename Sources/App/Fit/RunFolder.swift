import FieldIO
import Foundation
import Render

/// The folder one run writes: config.json, metrics.json, PNGs and the checkpoint. Created (and checked
/// for writability) before training starts, so a bad output path fails at once.
public struct RunFolder {
    /// The folder's path.
    public let path: String

    /// Creates the folder if needed.
    public init(path: String) throws(FieldError) {
        self.path = path
        try FileAccess.makeFolder(path)
    }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Where checkpoints go.
    public var checkpointPath: String { file("checkpoint") }

    /// Writes the resolved scene.
    public func writeConfig(_ json: JSONValue) throws(FieldError) {
        try FileAccess.writeAtomically(JSONWriter.string(json), to: file("config.json"))
    }

    /// Writes metrics.json.
    public func writeMetrics(_ json: JSONValue) throws(FieldError) {
        try FileAccess.writeAtomically(JSONWriter.string(json), to: file("metrics.json"))
    }

    /// Writes `<score>.png`: the score over training seconds.
    public func writePlot(evaluations: [Evaluation], score: String, label: String, title: String) throws(FieldError) {
        let points = evaluations.map { (x: $0.seconds, y: $0[score]) }.filter { $0.y.isFinite }
        guard points.count >= 2 else { return }
        var plot = LinePlot(width: 800, height: 480, title: title, xLabel: "training seconds", yLabel: label)
        plot.add(series: LinePlot.Series(name: score, points: points, color: (0.15, 0.4, 0.85)))
        try plot.render().writePNG(to: file("\(score).png"))
    }
}
