import FieldIO
import Foundation
import Render

/// What a classification run measured: held-out accuracy, the per-family confusion matrix, and how it was made.
/// Written as `classify.json` and `confusion.png` (rows: true family, columns: predicted, in `families` order;
/// a cell's colour depth is its share of the row, green on the diagonal and red elsewhere).
struct ClassificationReport {
    var input: String
    var model: String
    var families: [String]
    var trainCount: Int
    var testCount: Int
    var epochs: Int
    var seed: UInt64
    var testFraction: Double
    var trainAccuracy: Double
    /// `confusion[true][predicted]` counts on the test split.
    var confusion: [[Int]]
    var lossCurve: [Float]
    var seconds: Double
    var parameters: Int

    /// Fraction of test items classified correctly.
    var testAccuracy: Double {
        let total = confusion.joined().reduce(0, +)
        return total == 0 ? 0 : Double(families.indices.map { confusion[$0][$0] }.reduce(0, +)) / Double(total)
    }

    /// The counts of predictions `predicted` against the truth `truth`.
    static func confusion(truth: [Int], predicted: [Int], classes: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) { m[t][p] += 1 }
        return m
    }

    var json: JSONValue {
        let perFamily: [(key: String, value: JSONValue)] = families.indices.map { i in
            let n = confusion[i].reduce(0, +)
            return (families[i], .object([("test_count", .int(n)), ("accuracy", .double(n == 0 ? 0 : Double(confusion[i][i]) / Double(n)))]))
        }
        return .object([
            ("input", .string(input)), ("model", .string(model)),
            ("families", .array(families.map { .string($0) })),
            ("train_count", .int(trainCount)), ("test_count", .int(testCount)),
            ("test_fraction", .double(testFraction)), ("epochs", .int(epochs)), ("seed", .int(Int(seed))),
            ("parameters", .int(parameters)),
            ("test_accuracy", .double(testAccuracy)), ("train_accuracy", .double(trainAccuracy)),
            ("chance_accuracy", .double(1 / Double(families.count))),
            ("per_family", .object(perFamily)),
            ("confusion", .array(confusion.map { .array($0.map { .int($0) }) })),
            ("loss_per_epoch", .array(lossCurve.map { .double(Double($0)) })),
            ("seconds", .double(seconds)),
        ])
    }

    /// Writes `classify.json` and `confusion.png` into `folder`.
    func write(to folder: String) throws(FieldError) {
        try FileAccess.makeFolder(folder)
        try FileAccess.writeAtomically(JSONWriter.string(json) + "\n", to: (folder as NSString).appendingPathComponent("classify.json"))
        let png = (folder as NSString).appendingPathComponent("confusion.png")
        try FileAccess.writeAtomically(try PNGCodec.encode(confusionImage(), file: png), to: png)
    }

    /// The confusion matrix as an image: 24-pixel cells holding their counts, family names on the left (true)
    /// and along the top (predicted, reading upwards), the test accuracy underneath.
    func confusionImage(cell: Int = 24) -> Image {
        let k = families.count
        let labelWidth = (families.map(\.count).max() ?? 1) * BitmapFont.advance + 8
        let left = labelWidth, top = labelWidth, side = k * cell + 1
        var canvas = Canvas(width: left + side + 8, height: top + side + 24, background: SIMD3(repeating: 1))
        canvas.fill(x: left, y: top, width: side, height: side, color: SIMD3(repeating: 0.6))
        for t in 0..<k {
            let n = max(confusion[t].reduce(0, +), 1)
            canvas.text(families[t], x: 4, y: top + t * cell + (cell - BitmapFont.capHeight) / 2, color: .zero)
            canvas.text(families[t], x: left + t * cell + (cell - BitmapFont.glyphHeight) / 2, y: 4, color: .zero, vertical: true)
            for p in 0..<k {
                let share = Float(confusion[t][p]) / Float(n)
                let color: SIMD3<Float> = t == p ? SIMD3(1 - 0.8 * share, 1 - 0.35 * share, 1 - 0.8 * share)
                                                 : SIMD3(1 - 0.2 * share, 1 - 0.8 * share, 1 - 0.8 * share)
                let x = left + p * cell + 1, y = top + t * cell + 1
                canvas.fill(x: x, y: y, width: cell - 1, height: cell - 1, color: color)
                if confusion[t][p] > 0 {
                    let text = "\(confusion[t][p])"
                    canvas.text(text, x: x + (cell - 1 - BitmapFont.width(of: text)) / 2, y: y + (cell - 1 - BitmapFont.capHeight) / 2, color: .zero)
                }
            }
        }
        canvas.text(String(format: "%@: test accuracy %.1f%% (%d test)", model, 100 * testAccuracy, testCount),
                    x: 4, y: top + side + 8, color: .zero)
        return canvas.image
    }
}
