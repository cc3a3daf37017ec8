import FieldIO

/// A simple RGB drawing surface: filled rectangles, thick lines and bitmap-font text, clipped to the
/// image (and to `clip` when set). No antialiasing.
public struct Canvas: Sendable {
    /// The drawing so far (3 channels).
    public private(set) var image: Image
    /// When set, drawing is limited to the pixels with x in `clip.x0...clip.x1` and y in `clip.y0...clip.y1`.
    public var clip: (x0: Int, y0: Int, x1: Int, y1: Int)?

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: SIMD3<Float> = SIMD3(repeating: 1)) {
        var pixels = [Float](repeating: 0, count: max(0, width * height * 3))
        for i in 0..<(width * height) {
            pixels[3 * i] = background.x; pixels[3 * i + 1] = background.y; pixels[3 * i + 2] = background.z
        }
        image = Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Sets pixel (x, y) to `color` if it lies inside the image and the clip rectangle.
    public mutating func plot(x: Int, y: Int, color: SIMD3<Float>) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        if let c = clip, x < c.x0 || x > c.x1 || y < c.y0 || y > c.y1 { return }
        let i = (y * image.width + x) * 3
        image.pixels[i] = color.x; image.pixels[i + 1] = color.y; image.pixels[i + 2] = color.z
    }

    /// Fills the rectangle with top-left (x, y) and the given size.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: SIMD3<Float>) {
        for yy in max(y, 0)..<max(max(y, 0), min(y + height, image.height)) {
            for xx in max(x, 0)..<max(max(x, 0), min(x + width, image.width)) { plot(x: xx, y: yy, color: color) }
        }
    }

    /// A straight line between pixel centres `from` and `to` with a square pen `thickness` pixels wide.
    public mutating func line(from: SIMD2<Double>, to: SIMD2<Double>, color: SIMD3<Float>, thickness: Int = 1) {
        guard from.x.isFinite, from.y.isFinite, to.x.isFinite, to.y.isFinite else { return }
        let limit = Double(4 * max(image.width, image.height) + 16)  // keeps far-off points from looping long
        func clamp(_ v: Double) -> Int { Int(max(-limit, min(limit, v)).rounded()) }
        var x0 = clamp(from.x), y0 = clamp(from.y)
        let x1 = clamp(to.x), y1 = clamp(to.y)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let lo = -(thickness - 1) / 2, hi = thickness / 2
        while true {
            for oy in lo...max(lo, hi) { for ox in lo...max(lo, hi) { plot(x: x0 + ox, y: y0 + oy, color: color) } }
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x0 += sx }
            if e2 <= dx { err += dx; y0 += sy }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` block. With
    /// `vertical` the text is turned a quarter left (reading upwards) and (x, y) is its box's top-left.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, color: SIMD3<Float>, vertical: Bool = false) {
        let s = max(1, scale)
        let total = BitmapFont.width(of: text, scale: 1)
        for (i, character) in text.enumerated() {
            let rows = BitmapFont.rows(character)
            for row in 0..<BitmapFont.glyphHeight where rows[row] != 0 {
                for column in 0..<BitmapFont.glyphWidth where rows[row] >> UInt8(BitmapFont.glyphWidth - 1 - column) & 1 == 1 {
                    let u = i * BitmapFont.advance + column
                    let (px, py) = vertical ? (x + row * s, y + (total - 1 - u) * s) : (x + u * s, y + row * s)
                    fill(x: px, y: py, width: s, height: s, color: color)
                }
            }
        }
    }
}
