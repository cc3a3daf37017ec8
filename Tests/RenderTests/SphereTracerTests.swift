import FieldIO
import Foundation
import Geometry
import Render
import TensorCore
import Testing

/// An analytic sphere as a distance field, with its exact gradient.
private struct SphereField: DistanceField {
    var center = SIMD3<Float>(0.5, 0.5, 0.5)
    var radius: Float = 0.3

    func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        for i in 0..<count { output[i] = length(SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2]) - center) - radius }
    }

    func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        for i in 0..<count {
            let d = SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2]) - center
            distances[i] = length(d) - radius
            let n = normalized(d)
            gradients[3 * i] = n.x; gradients[3 * i + 1] = n.y; gradients[3 * i + 2] = n.z
        }
    }
}

/// Sphere tracing and the SDF renderer against the closed form of a ray meeting a sphere.
struct SphereTracerTests {
    /// The closed-form first hit of a ray with the sphere, or nil.
    private func closedForm(_ o: SIMD3<Float>, _ d: SIMD3<Float>, _ s: SphereField) -> Float? {
        let oc = o - s.center
        let b = dot(oc, d), c = dot(oc, oc) - s.radius * s.radius
        let disc = b * b - c
        guard disc >= 0 else { return nil }
        return -b - disc.squareRoot()
    }

    @Test(arguments: [0, 32])
    func depthAndNormalsMatchTheClosedForm(coarse: Int) {
        let field = SphereField()
        var renderer = SDFRenderer()
        renderer.tracer.coarseResolution = coarse
        let pool = WorkerPool(threads: 2)
        let camera = Camera.lookAt(position: SIMD3(0.5, 0.9, 2.2), target: SIMD3(0.5, 0.5, 0.5), worldUp: SIMD3(0, 1, 0),
                                   fieldOfViewX: 35, width: 96, height: 80)
        let frame = renderer.trace(camera: camera, field: field, grid: renderer.tracer.coarseGrid(field, pool: pool), pool: pool)
        var hits = 0, disagreements = 0
        var worstDepth: Float = 0, worstNormal: Float = 0
        for y in 0..<camera.height {
            for x in 0..<camera.width {
                let i = y * camera.width + x
                let d = camera.direction(x: x, y: y)
                let exact = closedForm(camera.position, d, field)
                // Rays that graze the silhouette may converge either way; judge only clear hits and misses.
                let grazing = exact.map { _ in
                    let oc = camera.position - field.center
                    let b = dot(oc, d)
                    return b * b - (dot(oc, oc) - field.radius * field.radius) < 1e-3
                } ?? false
                if grazing { continue }
                if (exact != nil) != frame.depth[i].isFinite { disagreements += 1; continue }
                guard let t = exact else { continue }
                hits += 1
                worstDepth = max(worstDepth, abs(frame.depth[i] - t))
                let p = camera.position + frame.depth[i] * d
                worstNormal = max(worstNormal, length(frame.normals[i] - normalized(p - field.center)))
            }
        }
        #expect(hits > 1000)
        #expect(disagreements == 0)
        #expect(worstDepth < 5e-3, "depth error \(worstDepth)")
        #expect(worstNormal < 1e-2, "normal error \(worstNormal)")
    }

    @Test func shadedImageShowsTheSphereOnTheBackground() {
        let field = SphereField()
        let renderer = SDFRenderer()
        let pool = WorkerPool(threads: 1)
        let camera = Camera.lookAt(position: SIMD3(0.5, 0.5, 2.0), target: SIMD3(0.5, 0.5, 0.5), worldUp: SIMD3(0, 1, 0),
                                   fieldOfViewX: 40, width: 64, height: 64)
        let frame = renderer.trace(camera: camera, field: field, grid: nil, pool: pool)
        let shaded = renderer.image(frame, mode: .shaded)
        let normals = renderer.image(frame, mode: .normals)
        let depth = renderer.image(frame, mode: .depth)
        // Corner: background; centre: the sphere facing the camera (normal +z → blue channel ≈ 1).
        #expect(shaded.pixels[0] == 1 && shaded.pixels[1] == 1 && shaded.pixels[2] == 1)
        let centre = (32 * 64 + 32) * 3
        #expect(shaded.pixels[centre] < 0.99)
        #expect(normals.pixels[centre + 2] > 0.95)
        #expect(abs(normals.pixels[centre] - 0.5) < 0.05)
        #expect(depth.pixels[0] == 0 && depth.pixels[centre] + depth.pixels[centre + 1] + depth.pixels[centre + 2] > 0)
    }

    @Test func orbitCamerasCircleTheCentreAtTheirDistance() {
        let cams = Camera.orbit(count: 6, center: SIMD3(repeating: 0.5), distance: 2, elevation: 30, worldUp: SIMD3(0, 1, 0),
                                fieldOfViewX: 40, width: 32, height: 32)
        #expect(cams.count == 6)
        for c in cams {
            #expect(abs(length(c.position - SIMD3(repeating: 0.5)) - 2) < 1e-4)
            #expect(abs(c.position.y - 0.5 - 1) < 1e-4)                     // sin 30° · 2
            let centreRay = c.direction(x: 16, y: 16)
            #expect(length(centreRay - normalized(SIMD3(repeating: 0.5) - c.position)) < 0.05)
        }
    }
}
