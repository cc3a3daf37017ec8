import FieldIO

/// Shrinking an image to a target size by area averaging (each output pixel the mean of the input area it
/// covers, partial pixels weighted), for photos larger than `process`'s `--max-size`.
extension Image {
    /// The size that fits `maxSize` on the long side (aspect ratio kept, rounded), or the size itself when
    /// it already fits.
    public static func fittedSize(width: Int, height: Int, maxSize: Int) -> (width: Int, height: Int) {
        let long = max(width, height)
        guard long > maxSize else { return (width, height) }
        let s = Double(maxSize) / Double(long)
        return (max(1, Int((Double(width) * s).rounded())), max(1, Int((Double(height) * s).rounded())))
    }

    /// The image area-averaged down to `newWidth × newHeight` (not larger than it is).
    public func areaResized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth >= 1 && newHeight >= 1 && newWidth <= width && newHeight <= height, "area resize only shrinks")
        if newWidth == width && newHeight == height { return self }
        let c = channels
        // Horizontal then vertical passes, each a list of (source index, weight) spans per output pixel.
        func spans(_ from: Int, _ to: Int) -> [[(Int, Double)]] {
            let step = Double(from) / Double(to)
            return (0..<to).map { o in
                let a = Double(o) * step, b = Double(o + 1) * step
                var s: [(Int, Double)] = []
                var i = Int(a)
                while Double(i) < b && i < from {
                    let w = min(b, Double(i + 1)) - max(a, Double(i))
                    if w > 1e-12 { s.append((i, w / step)) }
                    i += 1
                }
                return s
            }
        }
        let xs = spans(width, newWidth), ys = spans(height, newHeight)
        var rows = [Float](repeating: 0, count: newWidth * height * c)
        for y in 0..<height {
            for (ox, span) in xs.enumerated() {
                for k in 0..<c {
                    var v = 0.0
                    for (ix, w) in span { v += Double(pixels[(y * width + ix) * c + k]) * w }
                    rows[(y * newWidth + ox) * c + k] = Float(v)
                }
            }
        }
        var out = [Float](repeating: 0, count: newWidth * newHeight * c)
        for (oy, span) in ys.enumerated() {
            for x in 0..<newWidth {
                for k in 0..<c {
                    var v = 0.0
                    for (iy, w) in span { v += Double(rows[(iy * newWidth + x) * c + k]) * w }
                    out[(oy * newWidth + x) * c + k] = Float(v)
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }
}
