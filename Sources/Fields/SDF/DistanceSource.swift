import TensorCore

/// The ground truth of an SDF task, in the task's unit-cube coordinates: exact signed distances
/// (negative inside) and points on the surface. A mesh or an analytic shape.
public protocol DistanceSource: AnyObject {
    /// Signed distances of `count` xyz rows of `points` into `output` (negative inside).
    func signedDistance(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool)
    /// A point on the surface, drawn roughly uniformly over it.
    func surfacePoint(_ rng: inout RandomGenerator) -> SIMD3<Float>
    /// A surface point with a hint that speeds up distance queries near it (e.g. its triangle), or −1.
    func surfaceSample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, hint: Int32)
    /// Signed distances of points that may carry hints from `surfaceSample` (−1: none).
    func signedDistance(points: UnsafePointer<Float>, hints: UnsafePointer<Int32>, count: Int,
                        output: UnsafeMutablePointer<Float>, pool: WorkerPool)
}

extension DistanceSource {
    /// Sources without hints: the plain surface point.
    public func surfaceSample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, hint: Int32) { (surfacePoint(&rng), -1) }

    /// Sources without hints: the plain query.
    public func signedDistance(points: UnsafePointer<Float>, hints: UnsafePointer<Int32>, count: Int,
                               output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        signedDistance(points: points, count: count, output: output, pool: pool)
    }
}
