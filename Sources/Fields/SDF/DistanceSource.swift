import Geometry
import TensorCore

/// The ground truth of an SDF task, in the task's unit-cube coordinates: a `DistanceField` with exact signed
/// distances (negative inside) that can also draw points on its surface. A mesh or an analytic shape.
public protocol DistanceSource: DistanceField, AnyObject {
    /// A point on the surface, drawn roughly uniformly over it.
    func surfacePoint(_ rng: inout RandomGenerator) -> SIMD3<Float>
    /// A surface point with a hint that speeds up distance queries near it (e.g. its triangle), or −1.
    func surfaceSample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, hint: Int32)
    /// Signed distances of points that may carry hints from `surfaceSample` (−1: none).
    func distances(points: UnsafePointer<Float>, hints: UnsafePointer<Int32>, count: Int,
                   output: UnsafeMutablePointer<Float>, pool: WorkerPool)
}

extension DistanceSource {
    /// Sources without hints: the plain surface point.
    public func surfaceSample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, hint: Int32) { (surfacePoint(&rng), -1) }

    /// Sources without hints: the plain query.
    public func distances(points: UnsafePointer<Float>, hints: UnsafePointer<Int32>, count: Int,
                          output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        distances(points: points, count: count, output: output, pool: pool)
    }

    /// Ground truth rendered or meshed directly: gradients by central differences.
    public func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                          gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        centralDifferenceGradients(points: points, count: count, distances: distances, gradients: gradients, pool: pool)
    }
}
