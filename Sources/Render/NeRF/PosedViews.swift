import FieldIO
import Geometry
import TensorCore

/// Posed RGBA images ready for ray sampling: each view's camera (unit-cube coordinates) and its pixels
/// packed as straight-alpha RGBA floats, views one after another.
public final class PosedViews {
    /// One camera per view.
    public let cameras: [Camera]
    /// First pixel of each view in `pixels` (in pixels, not floats); one more entry for the end.
    public let offsets: [Int]
    /// RGBA samples of every view.
    public let pixels: FloatBuffer

    /// Views from cameras and their images (any channel count: gray is repeated, a missing alpha is 1).
    /// Each image must have its camera's size.
    public init(cameras: [Camera], images: [Image]) {
        precondition(cameras.count == images.count, "PosedViews: one image per camera")
        self.cameras = cameras
        var offsets = [0]
        for (c, im) in zip(cameras, images) {
            precondition(c.width == im.width && c.height == im.height, "PosedViews: image size differs from its camera")
            offsets.append(offsets.last! + im.width * im.height)
        }
        self.offsets = offsets
        pixels = FloatBuffer(count: offsets.last! * 4)
        for (v, im) in images.enumerated() {
            let base = pixels.pointer + offsets[v] * 4
            for y in 0..<im.height {
                for x in 0..<im.width {
                    let p = im.pixel(x: x, y: y)
                    let i = (y * im.width + x) * 4
                    base[i] = p.x; base[i + 1] = p.y; base[i + 2] = p.z; base[i + 3] = p.w
                }
            }
        }
    }

    /// The number of views.
    public var count: Int { cameras.count }
    /// The number of pixels over all views.
    public var pixelCount: Int { offsets.last! }

    /// Pixel (x, y) of view `v` as RGBA.
    @inline(__always)
    public func pixel(view v: Int, x: Int, y: Int) -> SIMD4<Float> {
        let p = pixels.pointer + (offsets[v] + y * cameras[v].width + x) * 4
        return SIMD4(p[0], p[1], p[2], p[3])
    }

    /// The RGB image of view `v` with its alpha composited over `background`.
    public func image(_ v: Int, background: SIMD3<Float>) -> Image {
        let c = cameras[v]
        let rgba = Array(UnsafeBufferPointer(start: pixels.pointer + offsets[v] * 4, count: c.width * c.height * 4))
        return Image(width: c.width, height: c.height, channels: 4, pixels: rgba).rgb(background: background)
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
