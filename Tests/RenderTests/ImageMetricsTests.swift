import Foundation
import Testing
import FieldIO
@testable import Render

/// The test images of the SSIM reference value: a smooth colour pattern and the same with a fixed
/// integer-hash "noise" added (values as Float, exactly as the one-off NumPy check computed them).
func ssimTestImages() -> (clean: Image, noisy: Image) {
    let w = 40, h = 32
    var clean: [Float] = [], noisy: [Float] = []
    for y in 0..<h {
        for x in 0..<w {
            for c in 0..<3 {
                let v = 0.5 + 0.4 * sin(0.3 * Double(x) + 0.2 * Double(y) + Double(c))
                let n = (Double((x * 7919 + y * 104729 + c * 31) % 1000) / 1000 - 0.5) * 0.2
                clean.append(Float(v))
                noisy.append(Float(v + n))
            }
        }
    }
    return (Image(width: w, height: h, channels: 3, pixels: clean), Image(width: w, height: h, channels: 3, pixels: noisy))
}

@Suite struct ImageMetricsTests {
    @Test func psnrOfAKnownMSE() {
        let a = Image(width: 8, height: 4, channels: 3, fill: 0.5)
        let b = Image(width: 8, height: 4, channels: 3, fill: 0.6)
        #expect(abs(ImageMetrics.mse(a, b) - 0.01) < 1e-8)
        #expect(abs(ImageMetrics.psnr(a, b) - 20) < 1e-5)
        #expect(abs(ImageMetrics.psnr(mse: 1e-4) - 40) < 1e-12)
        #expect(ImageMetrics.psnr(mse: 0) == .infinity && ImageMetrics.psnr(a, a) == .infinity)
        #expect(ImageMetrics.psnr(mse: .nan).isNaN)
    }

    @Test func mseUsesColourChannelsOnly() {
        // Alpha differs wildly, colour is identical: MSE 0.
        let a = Image(width: 2, height: 2, channels: 4, pixels: [Float](repeating: 0.3, count: 16))
        var b = a
        for i in stride(from: 3, to: 16, by: 4) { b.pixels[i] = 1 }
        #expect(ImageMetrics.mse(a, b) == 0)
        // Gray against RGB compares the gray value to each colour channel.
        let gray = Image(width: 1, height: 1, channels: 1, pixels: [0.5])
        let rgb = Image(width: 1, height: 1, channels: 3, pixels: [0.5, 0.7, 0.5])
        #expect(abs(ImageMetrics.mse(gray, rgb) - 0.04 / 3) < 1e-7)
    }

    @Test func mismatchedSizesGiveNaN() {
        let a = Image(width: 12, height: 12, channels: 3, fill: 0)
        let b = Image(width: 12, height: 11, channels: 3, fill: 0)
        #expect(ImageMetrics.mse(a, b).isNaN && ImageMetrics.psnr(a, b).isNaN && ImageMetrics.ssim(a, b).isNaN)
        let small = Image(width: 10, height: 10, channels: 3, fill: 0)
        #expect(ImageMetrics.ssim(small, small).isNaN)
    }

    @Test func ssimOfIdenticalImagesIsOne() {
        let (clean, noisy) = ssimTestImages()
        #expect(abs(ImageMetrics.ssim(clean, clean) - 1) < 1e-6)
        #expect(abs(ImageMetrics.ssim(noisy, noisy) - 1) < 1e-6)
        let flat = Image(width: 11, height: 11, channels: 1, fill: 0.3)
        #expect(abs(ImageMetrics.ssim(flat, flat) - 1) < 1e-6)
    }

    @Test func ssimMatchesAnIndependentReference() {
        // Reference: a one-off NumPy script (not in the project) computing, for every 11×11 window inside
        // the image, the Gaussian-weighted means, variances and covariance and the SSIM formula, in float64;
        // mean over windows, then over channels. scipy.ndimage.gaussian_filter (skimage's method) agrees
        // to 1e-15. SSIM = 0.8988565972342911, MSE = 0.0033348775119304173.
        let (clean, noisy) = ssimTestImages()
        let ssim = ImageMetrics.ssim(noisy, clean)
        #expect(abs(ssim - 0.8988565972342911) < 2e-5, "\(ssim)")
        #expect(ssim < 1)
        #expect(abs(ImageMetrics.ssim(clean, noisy) - ssim) < 1e-6)  // symmetric
        #expect(abs(ImageMetrics.mse(noisy, clean) - 0.0033348775119304173) < 1e-8)
    }

    @Test func ssimFallsWithMoreNoise() {
        let (clean, noisy) = ssimTestImages()
        var noisier = noisy
        for i in noisier.pixels.indices { noisier.pixels[i] += (noisy.pixels[i] - clean.pixels[i]) * 2 }
        #expect(ImageMetrics.ssim(noisier, clean) < ImageMetrics.ssim(noisy, clean))
    }
}
