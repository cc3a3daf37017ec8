import Foundation
import TensorCore

/// Shapes with an exact signed distance function, for the embedded demo scene and the tests.
/// A shape is a union of disjoint primitives, so the minimum of their distances is exact everywhere.
public final class AnalyticShape: DistanceSource {
    /// One primitive, in unit-cube coordinates.
    public enum Primitive: Equatable, Sendable {
        /// A ball.
        case sphere(center: SIMD3<Float>, radius: Float)
        /// A box with rounded edges (`halfSize` includes the rounding).
        case roundedBox(center: SIMD3<Float>, halfSize: SIMD3<Float>, rounding: Float)
        /// A torus around the y axis.
        case torus(center: SIMD3<Float>, majorRadius: Float, minorRadius: Float)

        /// The exact signed distance at `p`.
        @inline(__always)
        func distance(_ p: SIMD3<Float>) -> Float {
            switch self {
            case let .sphere(c, r):
                let d = p - c
                return (d * d).sum().squareRoot() - r
            case let .roundedBox(c, h, r):
                let d = p - c
                let q = d.replacing(with: -d, where: d .< 0) - (h - SIMD3(repeating: r))
                let outside = pointwiseMax(q, .zero)
                return (outside * outside).sum().squareRoot() + min(max(q.x, max(q.y, q.z)), 0) - r
            case let .torus(c, R, r):
                let d = p - c
                let ring = (d.x * d.x + d.z * d.z).squareRoot() - R
                return (ring * ring + d.y * d.y).squareRoot() - r
            }
        }
    }

    /// The shapes `named` understands.
    public static let names = ["sphere", "trio"]

    /// The primitives of the union.
    public let primitives: [Primitive]

    /// A union of disjoint primitives.
    public init(_ primitives: [Primitive]) {
        precondition(!primitives.isEmpty, "AnalyticShape: no primitives")
        self.primitives = primitives
    }

    /// A named shape: `sphere` (radius 0.3 at the centre) or `trio` (a rounded box, a ball and a torus).
    public static func named(_ name: String) -> AnalyticShape? {
        switch name {
        case "sphere": return AnalyticShape([.sphere(center: SIMD3(repeating: 0.5), radius: 0.3)])
        case "trio":
            return AnalyticShape([
                .roundedBox(center: SIMD3(0.3, 0.3, 0.5), halfSize: SIMD3(0.16, 0.16, 0.22), rounding: 0.04),
                .sphere(center: SIMD3(0.7, 0.32, 0.45), radius: 0.2),
                .torus(center: SIMD3(0.5, 0.72, 0.5), majorRadius: 0.22, minorRadius: 0.07),
            ])
        default: return nil
        }
    }

    /// The exact signed distance at `p`.
    @inline(__always)
    public func distance(_ p: SIMD3<Float>) -> Float {
        var d = Float.infinity
        for primitive in primitives { d = min(d, primitive.distance(p)) }
        return d
    }

    public func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        pool.parallelRanges(count, granularity: 256) { _, range in
            for i in range {
                output[i] = self.distance(SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2]))
            }
        }
    }

    /// A uniform point of the box projected onto the surface along the distance gradient (exact for an
    /// exact SDF away from its medial axis).
    public func surfacePoint(_ rng: inout RandomGenerator) -> SIMD3<Float> {
        while true {
            let p = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            let d = distance(p)
            let h: Float = 1e-3
            var g = SIMD3<Float>.zero
            for axis in 0..<3 {
                var e = SIMD3<Float>.zero
                e[axis] = h
                g[axis] = (distance(p + e) - distance(p - e)) / (2 * h)
            }
            let length = (g * g).sum().squareRoot()
            guard length > 0.5 else { continue }
            let q = p - d * g / length
            if abs(distance(q)) < 1e-4 { return q }
        }
    }
}
