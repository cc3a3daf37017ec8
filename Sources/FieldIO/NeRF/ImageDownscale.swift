/// Shrinking an image by an integer factor, as a posed-image dataset's `downscale` option does.
extension Image {
    /// The image shrunk by `factor` with a box filter over `factor × factor` blocks (trailing rows and
    /// columns that do not fill a block are dropped). Colour is averaged weighted by alpha, so transparent
    /// pixels do not darken edges; alpha is averaged plainly.
    public func downscaled(by factor: Int) -> Image {
        precondition(factor >= 1, "downscale factor must be at least 1")
        guard factor > 1 else { return self }
        let w = width / factor, h = height / factor, c = channels
        var out = [Float](repeating: 0, count: w * h * c)
        let alphaChannel = hasAlpha ? c - 1 : -1
        let n = Float(factor * factor)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        var sums = SIMD4<Float>(repeating: 0), plain = SIMD4<Float>(repeating: 0)
                        var alpha: Float = 0
                        for dy in 0..<factor {
                            let row = (y &* factor &+ dy) &* width
                            for dx in 0..<factor {
                                let i = (row &+ x &* factor &+ dx) &* c
                                let a: Float = alphaChannel >= 0 ? src[i &+ alphaChannel] : 1
                                alpha += a
                                for k in 0..<c where k != alphaChannel {
                                    sums[k] += src[i &+ k] * a
                                    plain[k] += src[i &+ k]
                                }
                            }
                        }
                        let o = (y &* w &+ x) &* c
                        for k in 0..<c {
                            if k == alphaChannel { dst[o &+ k] = alpha / n }
                            else { dst[o &+ k] = alpha > 0 ? sums[k] / alpha : plain[k] / n }
                        }
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: c, pixels: out)
    }
}

/// The same box filter on 8-bit images, for training data kept as bytes.
extension ByteImage {
    /// The image shrunk by `factor` as `Image.downscaled(by:)` does (colour averaged weighted by alpha,
    /// alpha plainly; trailing rows and columns that fill no block dropped), rounded to 8 bits. With
    /// `width` / `height`, the output is cut to that size (which must not exceed the full blocks).
    public func downscaled(by factor: Int, width outWidth: Int? = nil, height outHeight: Int? = nil) -> ByteImage {
        precondition(factor >= 1, "downscale factor must be at least 1")
        let w = outWidth ?? width / factor, h = outHeight ?? height / factor
        precondition(w <= width / factor && h <= height / factor, "the output must lie in whole blocks")
        if factor == 1 && w == width && h == height { return self }
        let c = channels, srcWidth = width
        let alphaChannel = hasAlpha ? c - 1 : -1
        let n = UInt32(factor * factor)
        var out = [UInt8](repeating: 0, count: w * h * c)
        samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<w {
                        var weighted = SIMD4<UInt32>(repeating: 0), plain = SIMD4<UInt32>(repeating: 0)
                        var alpha: UInt32 = 0
                        for dy in 0..<factor {
                            let row = (y &* factor &+ dy) &* srcWidth
                            for dx in 0..<factor {
                                let i = (row &+ x &* factor &+ dx) &* c
                                let a: UInt32 = alphaChannel >= 0 ? UInt32(src[i &+ alphaChannel]) : 255
                                alpha &+= a
                                for k in 0..<c where k != alphaChannel {
                                    weighted[k] &+= UInt32(src[i &+ k]) &* a
                                    plain[k] &+= UInt32(src[i &+ k])
                                }
                            }
                        }
                        let o = (y &* w &+ x) &* c
                        for k in 0..<c {
                            if k == alphaChannel { dst[o &+ k] = UInt8((alpha &+ n / 2) / n) }
                            else if alpha > 0 { dst[o &+ k] = UInt8((weighted[k] &+ alpha / 2) / alpha) }
                            else { dst[o &+ k] = UInt8((plain[k] &+ n / 2) / n) }
                        }
                    }
                }
            }
        }
        return ByteImage(width: w, height: h, channels: c, samples: out)
    }
}
