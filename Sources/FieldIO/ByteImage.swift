/// A raster image with 8-bit samples (k/255), as PNG and JPEG files store them: rows top to bottom,
/// channels interleaved (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA; alpha straight). A quarter of an `Image`'s
/// memory: training data stays in this form and is converted to floats sample by sample.
public struct ByteImage: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Samples per pixel, 1–4.
    public var channels: Int
    /// `width · height · channels` samples, row-major, row 0 at the top.
    public var samples: [UInt8]

    /// An image from existing samples; `samples.count` must be `width · height · channels`.
    public init(width: Int, height: Int, channels: Int, samples: [UInt8]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "bad image shape")
        precondition(samples.count == width * height * channels, "sample count does not match the image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// `image` rounded to 8 bits (samples clamped to [0, 1]).
    public init(_ image: Image) {
        self.init(width: image.width, height: image.height, channels: image.channels,
                  samples: SampleConversion.uint8s(image.pixels))
    }

    /// Whether the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The same image with float samples k/255.
    public var floatImage: Image {
        let pixels = samples.withUnsafeBufferPointer { SampleConversion.floats(fromUInt8: $0.baseAddress!, count: $0.count) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Writes pixel by pixel as RGBA (gray repeated into R, G, B; a missing alpha 255) to `rgba`, which
    /// must hold `4 · width · height` bytes.
    public func copyRGBA(to rgba: UnsafeMutablePointer<UInt8>) {
        let c = channels, n = width * height
        samples.withUnsafeBufferPointer { src in
            for p in 0..<n {
                let i = p &* c, o = p &* 4
                switch c {
                case 1: rgba[o] = src[i]; rgba[o &+ 1] = src[i]; rgba[o &+ 2] = src[i]; rgba[o &+ 3] = 255
                case 2: rgba[o] = src[i]; rgba[o &+ 1] = src[i]; rgba[o &+ 2] = src[i]; rgba[o &+ 3] = src[i &+ 1]
                case 3: rgba[o] = src[i]; rgba[o &+ 1] = src[i &+ 1]; rgba[o &+ 2] = src[i &+ 2]; rgba[o &+ 3] = 255
                default: (rgba + o).update(from: src.baseAddress! + i, count: 4)
                }
            }
        }
    }
}
