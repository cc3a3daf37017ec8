import FieldIO
import Geometry
import Render

/// Normals of a rendered radiance field, from its expected-depth map: each pixel's surface point is
/// rebuilt from its ray and depth, and the normal is the cross product of the differences to its right
/// and lower neighbours (one-sided at the borders), shown as (n + 1)/2 where opacity > 0.5, black elsewhere.
enum DepthNormals {
    /// The normal image of `out`, rendered through `camera`.
    static func image(_ out: RadianceImage, camera: Camera) -> Image {
        let w = camera.width, h = camera.height
        var points = [SIMD3<Float>](repeating: .zero, count: w * h)
        var solid = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard out.opacity[i] > 0.5 else { continue }
                solid[i] = true
                points[i] = camera.position + (out.depth[i] / out.opacity[i]) * camera.direction(x: x, y: y)
            }
        }
        var pixels = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard solid[i] else { continue }
                let xn = x + 1 < w && solid[i + 1] ? i + 1 : i, xp = x > 0 && solid[i - 1] ? i - 1 : i
                let yn = y + 1 < h && solid[i + w] ? i + w : i, yp = y > 0 && solid[i - w] ? i - w : i
                let dx = points[xn] - points[xp], dy = points[yn] - points[yp]
                var n = cross(dy, dx)
                let len = (n * n).sum().squareRoot()
                guard len > 0 else { continue }
                n /= len
                // Face the camera.
                if (n * (camera.position - points[i])).sum() < 0 { n = -n }
                pixels[3 * i] = 0.5 * (n.x + 1); pixels[3 * i + 1] = 0.5 * (n.y + 1); pixels[3 * i + 2] = 0.5 * (n.z + 1)
            }
        }
        return Image(width: w, height: h, channels: 3, pixels: pixels)
    }
}
