import FieldIO
import Foundation

/// Image quality metrics on samples in [0, 1]: MSE, PSNR and SSIM.
///
/// Both images must have the same width and height, otherwise the result is NaN. Alpha is ignored
/// (composite first with `Image.rgb(background:)`); when one image is gray and the other RGB, the gray
/// one is compared as RGB.
public enum ImageMetrics {
    /// Mean squared error over all pixels and colour channels.
    public static func mse(_ prediction: Image, _ target: Image) -> Double {
        guard let (a, b, planes) = colorPlanes(prediction, target) else { return .nan }
        var sum = 0.0
        for c in 0..<planes {
            a[c].withUnsafeBufferPointer { pa in
                b[c].withUnsafeBufferPointer { pb in
                    var rowSum: Double = 0
                    for i in 0..<pa.count {
                        let d = Double(pa[i] - pb[i])
                        rowSum += d * d
                    }
                    sum += rowSum
                }
            }
        }
        return sum / Double(planes * prediction.width * prediction.height)
    }

    /// PSNR in dB of images with values in [0, 1]: 10·log10(1 / MSE); +infinity for identical images.
    public static func psnr(_ prediction: Image, _ target: Image) -> Double {
        psnr(mse: mse(prediction, target))
    }

    /// PSNR in dB for a mean squared error of values in [0, 1]: 10·log10(1 / mse).
    public static func psnr(mse: Double) -> Double {
        if mse.isNaN || mse < 0 { return .nan }
        if mse == 0 { return .infinity }
        return -10 * log10(mse)
    }

    /// Mean SSIM as skimage (`gaussian_weights=True, use_sample_covariance=False, data_range=1`) and
    /// nerfstudio/torchmetrics compute it: an 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03,
    /// averaged over the pixels whose window lies inside the image, then over the colour channels.
    /// NaN when the images differ in size or are smaller than 11×11.
    public static func ssim(_ prediction: Image, _ target: Image) -> Double {
        guard let (a, b, planes) = colorPlanes(prediction, target) else { return .nan }
        let w = prediction.width, h = prediction.height
        guard w >= SSIMWindow.size, h >= SSIMWindow.size else { return .nan }
        var total = 0.0
        for c in 0..<planes { total += SSIMWindow.meanSSIM(a[c], b[c], width: w, height: h) }
        return total / Double(planes)
    }

    /// The colour planes of both images (1 when both are gray, else 3), or nil when their sizes differ.
    static func colorPlanes(_ x: Image, _ y: Image) -> ([[Float]], [[Float]], Int)? {
        guard x.width == y.width, x.height == y.height, x.width > 0, x.height > 0 else { return nil }
        let planes = max(x.colorChannels, y.colorChannels)
        return (split(x, planes: planes), split(y, planes: planes), planes)
    }

    /// The first `planes` colour channels of `image` as separate arrays (gray repeated when needed).
    static func split(_ image: Image, planes: Int) -> [[Float]] {
        let count = image.width * image.height, c = image.channels
        let grayOnly = image.colorChannels == 1
        return (0..<planes).map { p in
            let channel = grayOnly ? 0 : p
            return image.pixels.withUnsafeBufferPointer { src in
                [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    for i in 0..<count { out[i] = src[i &* c &+ channel] }
                    initialized = count
                }
            }
        }
    }
}
