import FieldIO
import Foundation
import Geometry
import TensorCore

/// Renders a distance field through a camera by sphere tracing: a shaded surface, world-space normals
/// (from the field's own gradient, shown as (n + 1)/2) and depth (colour-mapped), each as an RGB image.
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
    /// Normals: nil takes the field's input gradient (back-propagated through the model); a step takes
    /// central differences of the field with that step instead (instant-ngp renders with 5e-4), which
    /// averages out detail finer than the step.
    public var normalStep: Float?

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
            let values = FloatBuffer(count: hits.count)
            let gradients = FloatBuffer(count: hits.count * 3)
            if let h = normalStep {
                centralDifferences(field, points: points, count: hits.count, step: h, gradients: gradients, pool: pool)
            } else {
                field.gradients(points: points.pointer, count: hits.count, distances: values.pointer,
                                gradients: gradients.pointer, pool: pool)
            }
            for (k, i) in hits.enumerated() {
                let g = normalized(SIMD3(gradients[3 * k], gradients[3 * k + 1], gradients[3 * k + 2]))
                normals[i] = g
            }
        }
        return Frame(camera: camera, depth: t, normals: normals)
    }

    /// The field's gradient at `count` points by central differences of step `step` (six evaluations each).
    private func centralDifferences(_ field: DistanceField, points: FloatBuffer, count: Int, step: Float,
                                    gradients: FloatBuffer, pool: WorkerPool) {
        let probes = FloatBuffer(count: count * 18)
        for k in 0..<count {
            for j in 0..<6 {
                for a in 0..<3 {
                    let offset: Float = a == j / 2 ? (j % 2 == 0 ? step : -step) : 0
                    probes[(6 * k + j) * 3 + a] = points[3 * k + a] + offset
                }
            }
        }
        let values = FloatBuffer(count: count * 6)
        field.distances(points: probes.pointer, count: count * 6, output: values.pointer, pool: pool)
        for k in 0..<count {
            for a in 0..<3 { gradients[3 * k + a] = (values[6 * k + 2 * a] - values[6 * k + 2 * a + 1]) / (2 * step) }
        }
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
