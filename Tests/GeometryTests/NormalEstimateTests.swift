import Foundation
import Geometry
import TensorCore
import Testing

/// A sphere's exact distance, optionally with a ripple `amplitude · sin(2π x / wavelength)` finer than a normal step.
private struct RippledSphere: DistanceField {
    var center = SIMD3<Float>(0.5, 0.5, 0.5)
    var radius: Float = 0.3
    var amplitude: Float = 0
    var wavelength: Float = 1

    func distance(_ p: SIMD3<Float>) -> Float {
        length(p - center) - radius + amplitude * Float(sin(2 * Double.pi * Double(p.x) / Double(wavelength)))
    }

    func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        for i in 0..<count { output[i] = distance(SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2])) }
    }

    /// The exact gradient, ripple included.
    func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        for i in 0..<count {
            let p = SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2])
            distances[i] = distance(p)
            var g = normalized(p - center)
            g.x += amplitude * 2 * .pi / wavelength * Float(cos(2 * Double.pi * Double(p.x) / Double(wavelength)))
            gradients[3 * i] = g.x; gradients[3 * i + 1] = g.y; gradients[3 * i + 2] = g.z
        }
    }
}

/// Normal estimates of distance fields: finite differences against the exact normal of an analytic sphere.
struct NormalEstimateTests {
    /// `count` points on the sphere's surface pushed off it by up to ±0.01, flattened xyz.
    private func nearSurface(_ sphere: RippledSphere, count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        var xyz: [Float] = []
        for _ in 0..<count {
            let d = normalized(SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()))
            let p = sphere.center + (sphere.radius + rng.nextFloat(-0.01, 0.01)) * d
            xyz += [p.x, p.y, p.z]
        }
        return xyz
    }

    /// The largest angle (degrees) between the estimated and the exact (unrippled) sphere normals.
    private func worstAngle(_ estimate: NormalEstimate, _ sphere: RippledSphere, _ xyz: [Float], threads: Int = 2) -> Float {
        let normals = xyz.withUnsafeBufferPointer {
            estimate.normals(of: sphere, points: $0.baseAddress!, count: xyz.count / 3, pool: WorkerPool(threads: threads))
        }
        var worst: Float = 0
        for (i, n) in normals.enumerated() {
            let exact = normalized(point(xyz, i) - sphere.center)
            worst = max(worst, Float(acos(Double(min(max(dot(n, exact), -1), 1)))) * 180 / .pi)
        }
        return worst
    }

    @Test(arguments: [Float(0.5) / 2047, Float(1) / 2047, Float(5e-4), Float(2) / 2047])
    func centralDifferencesMatchTheSphereNormal(step: Float) {
        let sphere = RippledSphere()
        let xyz = nearSurface(sphere, count: 2000, seed: 3)
        // Second-order accurate: only Float rounding of the differences is left.
        #expect(worstAngle(.centralDifferences(step: step), sphere, xyz) < 0.05)
    }

    @Test func tetrahedronMatchesTheSphereNormal() {
        let sphere = RippledSphere()
        let xyz = nearSurface(sphere, count: 2000, seed: 4)
        // First-order accurate: a bias of about step × curvature (2/2047 / 0.3 ≈ 0.2°).
        #expect(worstAngle(.tetrahedron(step: 2 / 2047), sphere, xyz) < 0.5)
    }

    @Test func fieldGradientIsTheFieldsOwn() {
        let sphere = RippledSphere()
        let xyz = nearSurface(sphere, count: 500, seed: 5)
        #expect(worstAngle(.fieldGradient, sphere, xyz) < 0.05)   // acos of a Float dot product near 1
    }

    @Test func differencesAverageOutDetailFinerThanTheStep() {
        // A ripple of one grid cell's wavelength tilts the exact gradient by up to ~17°; central differences with
        // a step of one wavelength cancel it (sin(x + λ) − sin(x − λ) = 0), up to Float rounding.
        let cell: Float = 1 / 2047
        let sphere = RippledSphere(amplitude: 0.05 * cell, wavelength: cell)
        let xyz = nearSurface(sphere, count: 2000, seed: 6)
        #expect(worstAngle(.fieldGradient, sphere, xyz) > 10)
        #expect(worstAngle(.centralDifferences(step: cell), sphere, xyz) < 0.5)
    }

    @Test func estimatesAreTheSameForAnyThreadCountAndAcrossBatches() {
        let sphere = RippledSphere(amplitude: 1e-4, wavelength: 0.01)
        // More points than one batch of probes (2^15), so the estimate runs in two chunks.
        let xyz = nearSurface(sphere, count: 40_000, seed: 7)
        for estimate in [NormalEstimate.centralDifferences(step: 1e-3), .tetrahedron(step: 1e-3)] {
            let a = xyz.withUnsafeBufferPointer { estimate.normals(of: sphere, points: $0.baseAddress!, count: 40_000, pool: WorkerPool(threads: 1)) }
            let b = xyz.withUnsafeBufferPointer { estimate.normals(of: sphere, points: $0.baseAddress!, count: 40_000, pool: WorkerPool(threads: 2)) }
            #expect(a == b)
            #expect(estimate.evaluationsPerPoint == (estimate == .tetrahedron(step: 1e-3) ? 4 : 6))
        }
    }
}
