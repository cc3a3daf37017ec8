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
