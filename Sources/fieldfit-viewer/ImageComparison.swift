import FieldIO
import Foundation
import Render

/// `--compare A.png B.png`: how close two images of the same size are (the viewer check compares its
/// screenshot with the offline render of the same camera).
struct ImageComparison {
    var psnr: Double
    var meanAbsoluteDifference: Double
    var maxAbsoluteDifference: Double

    /// "psnr 52.10 dB, mean abs diff 0.0003, max abs diff 0.0039".
    var line: String {
        String(format: "psnr %.2f dB, mean abs diff %.5f, max abs diff %.5f", psnr, meanAbsoluteDifference, maxAbsoluteDifference)
    }

    /// Compares the colour channels of the PNG or JPEG files `a` and `b`.
    static func compare(_ a: String, _ b: String) throws(FieldError) -> ImageComparison {
        let x = try Image.read(a).rgb(), y = try Image.read(b).rgb()
        guard x.width == y.width, x.height == y.height else {
            throw FieldError(file: b, "is \(y.width)×\(y.height), \(a) is \(x.width)×\(x.height)")
        }
        var sum = 0.0, squares = 0.0, largest = 0.0
        for i in 0..<x.pixels.count {
            let d = Double(abs(x.pixels[i] - y.pixels[i]))
            sum += d; squares += d * d; largest = max(largest, d)
        }
        let n = Double(max(x.pixels.count, 1))
        return ImageComparison(psnr: ImageMetrics.psnr(mse: squares / n), meanAbsoluteDifference: sum / n, maxAbsoluteDifference: largest)
    }
}
