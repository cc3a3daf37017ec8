import FieldIO
import Foundation
import Render

/// The folder one run writes: config.json, metrics.json, PNGs and the checkpoint. Created (and checked
/// for writability) before training starts, so a bad output path fails at once.
struct RunFolder {
    /// The folder's path.
    let path: String

    /// Creates the folder if needed.
    init(path: String) throws(FieldError) {
        self.path = path
        try FileAccess.makeFolder(path)
    }

    /// The path of `name` inside the folder.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Where checkpoints go.
    var checkpointPath: String { file("checkpoint") }

    /// Writes the resolved scene.
    func writeConfig(_ json: JSONValue) throws(FieldError) {
        try FileAccess.writeAtomically(JSONWriter.string(json), to: file("config.json"))
    }

    /// Writes metrics.json.
    func writeMetrics(_ json: JSONValue) throws(FieldError) {
        try FileAccess.writeAtomically(JSONWriter.string(json), to: file("metrics.json"))
    }

    /// Writes psnr.png: PSNR over training seconds.
    func writePlot(evaluations: [Evaluation], title: String) throws(FieldError) {
        let points = evaluations.filter { $0.psnr.isFinite }.map { ($0.seconds, $0.psnr) }
        guard points.count >= 2 else { return }
        var plot = LinePlot(width: 800, height: 480, title: title, xLabel: "training seconds", yLabel: "PSNR (dB)")
        plot.add(series: LinePlot.Series(name: "PSNR", points: points.map { (x: $0.0, y: $0.1) }, color: (0.15, 0.4, 0.85)))
        try plot.render().writePNG(to: file("psnr.png"))
    }
}
