import Foundation
import TensorCore

/// The coordinates of NeRF's view-direction CAM grid: a direction's azimuth and polar angle, both in [0, 1].
///
/// Directions arrive as NeRFNetwork stores them, `u = (d + 1) / 2` per component. With d = 2u − 1:
/// azimuth a = atan2(d_y, d_x)/(2π) + ½, polar angle e = atan2(√(d_x² + d_y²), d_z)/π (0 looking along +z).
/// (mip-NeRF CAM indexes a 10 × 3 grid by azimuth and elevation the same way, up to the elevation's sign.)
enum ViewAngles {
    /// `angles[i] = (a, e)` for each of `batch` direction rows (3 floats each).
    static func forward(directions: UnsafePointer<Float>, into angles: UnsafeMutablePointer<Float>, batch: Int, pool: WorkerPool) {
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let u = directions + 3 &* i
                let x = 2 * u[0] - 1, y = 2 * u[1] - 1, z = 2 * u[2] - 1
                angles[2 &* i] = atan2(y, x) / (2 * Float.pi) + 0.5
                angles[2 &* i &+ 1] = atan2((x * x + y * y).squareRoot(), z) / Float.pi
            }
        }
    }

    /// Adds dL/du (through the angles) to `directionGradient` rows, given dL/d(a, e) per row.
    static func backward(directions: UnsafePointer<Float>, angleGradient: UnsafePointer<Float>,
                         accumulateInto directionGradient: UnsafeMutablePointer<Float>, batch: Int, pool: WorkerPool) {
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let u = directions + 3 &* i
                let x = 2 * u[0] - 1, y = 2 * u[1] - 1, z = 2 * u[2] - 1
                let rho2 = max(x * x + y * y, 1e-12), rho = rho2.squareRoot(), norm2 = max(rho2 + z * z, 1e-12)
                let ga = angleGradient[2 &* i] / (2 * Float.pi), ge = angleGradient[2 &* i &+ 1] / Float.pi
                let dx = ga * (-y / rho2) + ge * (z / norm2) * (x / rho)
                let dy = ga * (x / rho2) + ge * (z / norm2) * (y / rho)
                let dz = ge * (-rho / norm2)
                let g = directionGradient + 3 &* i
                g[0] += 2 * dx; g[1] += 2 * dy; g[2] += 2 * dz
            }
        }
    }
}
