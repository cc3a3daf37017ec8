import FieldIO
import Foundation
import Geometry
import TensorCore

/// Renders a distance field through a camera by sphere tracing: a shaded surface, world-space normals
/// (estimated by `normals`, shown as (n + 1)/2) and depth (colour-mapped), each as an RGB image.
public struct SDFRenderer {
    /// What an image shows.
    public enum Mode: String, CaseIterable, Sendable {
        case shaded, normals, depth
    }

    /// The tracer (box, thresholds, coarse grid resolution).
    public var tracer = SphereTracer()
    /// Surface colour of the shaded mode.
    public var albedo = SIMD3<Float>(0.78, 0.76, 0.72)
    /// Background of the shaded and normal modes.
    public var background = SIMD3<Float>(1, 1, 1)
    /// How normals are estimated at the hits (the App ties the step to the field's finest grid cell).
    public var normals = NormalEstimate.centralDifferences(step: SDFRenderer.defaultNormalStep)
    /// The default difference step in cells of the field's finest grid level. Measured on the bunny
    /// (`fieldfit-bench --only sdf-normals`, BENCHMARKS.md issue 23): the field's own gradient is off by > 20°
    /// on 6.8 % of the pixels, central differences of ½, 1 and 2 cells on 2.0, 0.96 and 0.41 %; 2 cells is the
    /// smallest step whose vertex normals agree with the mesh as well as its faces do. Larger steps score
    /// slightly better still but average beyond an 800² orbit view's pixel (≈ 3.5 cells) and blur close-ups.
    public static let defaultNormalStepCells: Float = 2
    /// The default difference step in unit-cube units: `defaultNormalStepCells` cells of instant-ngp's finest SDF
    /// level (2048 across), about twice instant-ngp's own 5e-4.
    public static let defaultNormalStep: Float = defaultNormalStepCells / 2047

    /// A renderer over the unit cube.
    public init() {}

    /// The result of tracing one camera: per pixel, the hit distance (+∞ for a miss) and the unit normal.
    public struct Frame {
        public let camera: Camera
        public let depth: [Float]
        public let normals: [SIMD3<Float>]
    }

    /// Traces every pixel of `camera` and computes normals at the hits.
    public func trace(camera: Camera, field: DistanceField, grid: SphereTracer.CoarseGrid?, pool: WorkerPool) -> Frame {
        let n = camera.width * camera.height
        var directions = [SIMD3<Float>](repeating: .zero, count: n)
        for y in 0..<camera.height {
            for x in 0..<camera.width { directions[y * camera.width + x] = camera.direction(x: x, y: y) }
        }
        let origins = [SIMD3<Float>](repeating: camera.position, count: n)
        let t = tracer.trace(origins: origins, directions: directions, field: field, grid: grid, pool: pool)
        let hits = (0..<n).filter { t[$0].isFinite }
        var normals = [SIMD3<Float>](repeating: .zero, count: n)
        if !hits.isEmpty {
            let points = FloatBuffer(count: hits.count * 3)
            for (k, i) in hits.enumerated() {
                let p = origins[i] + t[i] * directions[i]
                points[3 * k] = p.x; points[3 * k + 1] = p.y; points[3 * k + 2] = p.z
            }
            let gradients = FloatBuffer(count: hits.count * 3)
            self.normals.gradients(of: field, points: points.pointer, count: hits.count, gradients: gradients.pointer, pool: pool)
            for (k, i) in hits.enumerated() {
                let g = normalized(SIMD3(gradients[3 * k], gradients[3 * k + 1], gradients[3 * k + 2]))
                normals[i] = g
            }
        }
        return Frame(camera: camera, depth: t, normals: normals)
    }

    /// The image of `frame` in `mode`.
    public func image(_ frame: Frame, mode: Mode) -> Image {
        let camera = frame.camera
        let n = camera.width * camera.height
        var pixels = [Float](repeating: 0, count: n * 3)
        var lo = Float.infinity, hi = -Float.infinity
        if mode == .depth {
            for d in frame.depth where d.isFinite { lo = min(lo, d); hi = max(hi, d) }
        }
        let light = normalized(0.6 * camera.right + 0.8 * camera.up + 1.0 * camera.backward)
        for y in 0..<camera.height {
            for x in 0..<camera.width {
                let i = y * camera.width + x
                var c: SIMD3<Float>
                if !frame.depth[i].isFinite {
                    c = mode == .depth ? .zero : background
                } else {
                    let nrm = frame.normals[i]
                    switch mode {
                    case .normals: c = 0.5 * (nrm + SIMD3(repeating: 1))
                    case .depth: c = ColorMap.turbo(hi > lo ? (frame.depth[i] - lo) / (hi - lo) : 0)
                    case .shaded:
                        let view = -camera.direction(x: x, y: y)
                        let diffuse = max(dot(nrm, light), 0)
                        let halfway = normalized(light + view)
                        let specular = Float(0.25) * pow(max(dot(nrm, halfway), 0), 32)
                        let rim = 0.5 + 0.5 * nrm.y      // sky light from above
                        c = albedo * (0.18 + 0.17 * rim + 0.7 * diffuse) + SIMD3(repeating: specular)
                    }
                }
                for k in 0..<3 { pixels[3 * i + k] = min(max(c[k], 0), 1) }
            }
        }
        return Image(width: camera.width, height: camera.height, channels: 3, pixels: pixels)
    }
}
