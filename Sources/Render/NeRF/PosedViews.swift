import FieldIO
import Geometry
import TensorCore

/// Posed RGBA images ready for ray sampling: each view's camera (unit-cube coordinates) and its pixels
/// packed as straight-alpha RGBA bytes (k/255, a quarter of float storage), views one after another.
/// The ray sampler converts a pixel to floats when it draws it.
public final class PosedViews: @unchecked Sendable {
    /// One camera per view.
    public let cameras: [Camera]
    /// First pixel of each view in `pixels` (in pixels, not bytes); one more entry for the end.
    public let offsets: [Int]
    /// RGBA bytes of every view.
    public let pixels: UnsafeMutablePointer<UInt8>

    /// Storage for one image per camera, sized from the cameras, every pixel transparent black until
    /// `setImage` fills its view.
    public init(cameras: [Camera]) {
        self.cameras = cameras
        var offsets = [0]
        for c in cameras { offsets.append(offsets.last! + c.width * c.height) }
        self.offsets = offsets
        pixels = .allocate(capacity: max(1, offsets.last! * 4))
        pixels.initialize(repeating: 0, count: max(1, offsets.last! * 4))
    }

    /// Views from cameras and their images (any channel count: gray is repeated, a missing alpha is 1),
    /// rounded to 8 bits. Each image must have its camera's size.
    public convenience init(cameras: [Camera], images: [Image]) {
        precondition(cameras.count == images.count, "PosedViews: one image per camera")
        self.init(cameras: cameras)
        for (v, im) in images.enumerated() { setImage(v, ByteImage(im)) }
    }

    deinit { pixels.deallocate() }

    /// Fills view `v` from `image` (which must have the camera's size). Views are disjoint, so different
    /// views may be filled from different threads at once.
    public func setImage(_ v: Int, _ image: ByteImage) {
        precondition(cameras[v].width == image.width && cameras[v].height == image.height, "PosedViews: image size differs from its camera")
        image.copyRGBA(to: pixels + offsets[v] * 4)
    }

    /// The number of views.
    public var count: Int { cameras.count }
    /// The number of pixels over all views.
    public var pixelCount: Int { offsets.last! }
    /// Bytes the pixels take.
    public var byteCount: Int { pixelCount * 4 }

    /// Pixel (x, y) of view `v` as RGBA floats k/255.
    @inline(__always)
    public func pixel(view v: Int, x: Int, y: Int) -> SIMD4<Float> {
        let p = pixels + (offsets[v] &+ y &* cameras[v].width &+ x) &* 4
        return SIMD4(Float(p[0]), Float(p[1]), Float(p[2]), Float(p[3])) * (1 / 255)
    }

    /// View `v` as a 4-channel float image.
    public func rgbaImage(_ v: Int) -> Image {
        let c = cameras[v]
        let bytes = Array(UnsafeBufferPointer(start: pixels + offsets[v] * 4, count: c.width * c.height * 4))
        return ByteImage(width: c.width, height: c.height, channels: 4, samples: bytes).floatImage
    }

    /// The RGB image of view `v` with its alpha composited over `background`.
    public func image(_ v: Int, background: SIMD3<Float>) -> Image {
        rgbaImage(v).rgb(background: background)
    }

    /// Whether every pixel of every view is opaque (alpha 255): a capture without alpha.
    public var isOpaque: Bool {
        let n = pixelCount
        for i in 0..<n where pixels[4 &* i &+ 3] != 255 { return false }
        return true
    }

    /// Whether unit-cube point `p` projects inside some view's image, in front of its camera.
    public func isSeen(_ p: SIMD3<Float>) -> Bool {
        for c in cameras {
            let v = p - c.position
            let z = -dot(v, c.backward)
            guard z > 1e-4 else { continue }
            let x = dot(v, c.right) / z * c.focalX + c.centerX
            let y = -dot(v, c.up) / z * c.focalY + c.centerY
            if x >= 0 && x <= Float(c.width) && y >= 0 && y <= Float(c.height) { return true }
        }
        return false
    }
}
