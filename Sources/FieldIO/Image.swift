/// A raster image with float samples in [0, 1]: rows top to bottom, channels interleaved.
///
/// Channels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. Alpha is straight (not premultiplied), as PNG stores it.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Samples per pixel, 1–4.
    public var channels: Int
    /// `width · height · channels` samples, row-major, row 0 at the top.
    public var pixels: [Float]

    /// An image from existing samples; `pixels.count` must be `width · height · channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "bad image shape")
        precondition(pixels.count == width * height * channels, "pixel count does not match the image shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every sample set to `value`.
    public init(width: Int, height: Int, channels: Int, fill value: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: max(0, width * height * channels)))
    }

    /// Whether the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// Number of colour channels without alpha: 1 (gray) or 3 (RGB).
    public var colorChannels: Int { channels >= 3 ? 3 : 1 }

    /// The index in `pixels` of sample `channel` of pixel (x, y).
    @inlinable public func index(x: Int, y: Int, channel: Int = 0) -> Int { (y * width + x) * channels + channel }

    /// One sample of pixel (x, y).
    public subscript(x x: Int, y y: Int, channel channel: Int) -> Float {
        get { pixels[index(x: x, y: y, channel: channel)] }
        set { pixels[index(x: x, y: y, channel: channel)] = newValue }
    }

    /// Pixel (x, y) as RGBA: gray is repeated into R, G and B; a missing alpha is 1.
    public func pixel(x: Int, y: Int) -> SIMD4<Float> {
        let i = index(x: x, y: y)
        switch channels {
        case 1: return SIMD4(pixels[i], pixels[i], pixels[i], 1)
        case 2: return SIMD4(pixels[i], pixels[i], pixels[i], pixels[i + 1])
        case 3: return SIMD4(pixels[i], pixels[i + 1], pixels[i + 2], 1)
        default: return SIMD4(pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
        }
    }

    /// A 3-channel RGB copy: alpha is composited over `background` (c·a + bg·(1 − a)) and gray is repeated.
    public func rgb(background: SIMD3<Float> = SIMD3(repeating: 1)) -> Image {
        if channels == 3 { return self }
        let count = width * height
        var out = [Float](repeating: 0, count: count * 3)
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for p in 0..<count {
                    let i = p &* c, o = p &* 3
                    switch c {
                    case 1:
                        d[o] = s[i]; d[o &+ 1] = s[i]; d[o &+ 2] = s[i]
                    case 2:
                        let a = s[i &+ 1], g = s[i] * a
                        d[o] = g + background.x * (1 - a)
                        d[o &+ 1] = g + background.y * (1 - a)
                        d[o &+ 2] = g + background.z * (1 - a)
                    default:
                        let a = s[i &+ 3]
                        d[o] = s[i] * a + background.x * (1 - a)
                        d[o &+ 1] = s[i &+ 1] * a + background.y * (1 - a)
                        d[o &+ 2] = s[i &+ 2] * a + background.z * (1 - a)
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// The alpha channel as a 1-channel image (all ones when there is no alpha).
    public func alpha() -> Image {
        guard hasAlpha else { return Image(width: width, height: height, channels: 1, fill: 1) }
        let c = channels, count = width * height
        var out = [Float](repeating: 0, count: count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<count { dst[p] = src[p &* c &+ c &- 1] }
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }
}
