import FieldIO

/// A rendered frame handed from the viewer's worker to its window: RGBA8 pixels, top row first.
public struct LiveFrame: Sendable {
    public var width: Int
    public var height: Int
    /// `width × height × 4` bytes, rows top to bottom.
    public var rgba: [UInt8]
    /// Fraction of full resolution it was rendered at.
    public var scale: Double
    /// The view (camera and mode) and field versions it shows.
    public var viewVersion: Int
    public var fieldVersion: Int
    /// Seconds the render took.
    public var seconds: Double
    /// Counts frames, so the window uploads each only once.
    public var serial: Int

    /// Converts an RGB (or gray) image to RGBA8 bytes, rounding as the PNG writer does.
    public static func rgbaBytes(_ image: Image) -> [UInt8] {
        let n = image.width * image.height, c = image.channels
        var bytes = [UInt8](repeating: 255, count: n * 4)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for k in 0..<3 {
                    let v = p[i * c + (c >= 3 ? k : 0)]
                    bytes[4 * i + k] = UInt8((min(max(v.isNaN ? 0 : v, 0), 1) * 255).rounded())
                }
            }
        }
        return bytes
    }
}
