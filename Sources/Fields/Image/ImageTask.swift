import CPrefetch
import TensorCore

/// The image task: learn uv ∈ [0,1]² → pixel values of one image (row 0 at the top, v down).
///
/// Training batches are stratified over the image and come out in Morton (Z-curve) order, so
/// neighbouring samples hit neighbouring grid cells: every stratum gets one random pixel, and pixel
/// centres are used as inputs, which is exactly where the reconstruction is evaluated.
public final class ImageTask {
    /// Image width in pixels.
    public let width: Int
    /// Image height in pixels.
    public let height: Int
    /// Values per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA); the network's output width.
    public let channels: Int
    /// The target pixels, row-major, interleaved channels, in [0, 1].
    public let target: FloatBuffer

    /// A task for an image given as row-major interleaved values in [0, 1].
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels) && pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        target = FloatBuffer(pixels)
    }

    /// Input width of the field (u, v).
    public var inputWidth: Int { 2 }
    /// Number of pixels.
    public var pixelCount: Int { width * height }

    /// Fills `input` (`[batch, 2]` uv) and `targets` (`[batch, channels]`) with a stratified batch in Morton order.
    public func sampleBatch(batch: Int, input: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>,
                            rng: inout RandomGenerator) {
        var side = 1
        while side * side < batch { side *= 2 }
        let strata = side * side, shift = side.trailingZeroBitCount   // side is a power of two: ·/side is >> shift
        let offset = Double(rng.nextFloat())
        let scale = Double(strata) / Double(batch)
        let w = width, h = height, c = channels
        let invW = 1 / Float(w), invH = 1 / Float(h)
        let src = UnsafePointer(target.pointer)
        // The target pixels are read at random and are mostly out of cache (a step streams the optimiser's
        // state), so each pixel's line is fetched `lookahead` samples before it is copied: the misses overlap
        // instead of stalling one after another. The draws happen in the same order as without it.
        let lookahead = ImageTask.sampleLookahead
        withUnsafeTemporaryAllocation(of: Int.self, capacity: lookahead) { pending in
            let ring = pending.baseAddress!
            for k in 0..<(batch &+ lookahead) {
                // Sample k − lookahead's pixel is copied first: its ring slot is the one sample k takes.
                let j = k &- lookahead
                if j >= 0 {
                    let s = src + ring[j & (lookahead &- 1)], t = targets + j &* c
                    for i in 0..<c { t[i] = s[i] }
                }
                if k < batch {
                    let m = Int((Double(k) + offset) * scale)
                    let sx = Int(ImageTask.compact(UInt32(truncatingIfNeeded: m)))
                    let sy = Int(ImageTask.compact(UInt32(truncatingIfNeeded: m >> 1)))
                    let x0 = (sx &* w) &>> shift, x1 = max(x0 &+ 1, ((sx &+ 1) &* w) &>> shift)
                    let y0 = (sy &* h) &>> shift, y1 = max(y0 &+ 1, ((sy &+ 1) &* h) &>> shift)
                    let px = min(w - 1, x0 &+ rng.nextInt(below: x1 &- x0))
                    let py = min(h - 1, y0 &+ rng.nextInt(below: y1 &- y0))
                    input[2 &* k] = (Float(px) + 0.5) * invW
                    input[2 &* k &+ 1] = (Float(py) + 0.5) * invH
                    let pixel = (py &* w &+ px) &* c
                    fieldfit_prefetch(src + pixel)
                    ring[k & (lookahead &- 1)] = pixel
                }
            }
        }
    }

    /// Samples between a target pixel's prefetch and its copy in `sampleBatch` (a power of two).
    static let sampleLookahead = 32

    /// The uv of every pixel centre, row-major (`[pixelCount, 2]`), for reconstructing the whole image:
    /// bit for bit the points `sampleBatch` trains on.
    public func pixelCentres() -> FloatBuffer {
        let uv = FloatBuffer(count: pixelCount * 2)
        let invW = 1 / Float(width), invH = 1 / Float(height)
        for y in 0..<height {
            for x in 0..<width {
                uv[2 * (y * width + x)] = (Float(x) + 0.5) * invW
                uv[2 * (y * width + x) + 1] = (Float(y) + 0.5) * invH
            }
        }
        return uv
    }

    /// Mean squared error of `prediction` (`[pixelCount, channels]`) against the target, values clamped to [0, 1].
    public func meanSquaredError(_ prediction: UnsafePointer<Float>) -> Double {
        let n = pixelCount * channels
        let t = target.pointer
        var sum: Double = 0
        var i = 0
        while i < n {
            var partial: Float = 0
            let end = min(n, i + 4096)
            while i < end {
                let d = min(max(prediction[i], 0), 1) - t[i]
                partial += d * d
                i += 1
            }
            sum += Double(partial)
        }
        return sum / Double(n)
    }

    /// Takes every other bit of `x` (bits 0, 2, 4, ...) and packs them: Morton decode of one axis.
    @inline(__always)
    static func compact(_ v: UInt32) -> UInt32 {
        var x = v & 0x5555_5555
        x = (x | (x >> 1)) & 0x3333_3333
        x = (x | (x >> 2)) & 0x0F0F_0F0F
        x = (x | (x >> 4)) & 0x00FF_00FF
        x = (x | (x >> 8)) & 0x0000_FFFF
        return x
    }
}
