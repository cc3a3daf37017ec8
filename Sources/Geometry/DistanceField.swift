import TensorCore

/// A signed distance field that can be queried in batches (negative inside): a trained network, an analytic
/// shape or a mesh's exact distance. The one distance-field protocol: the sphere tracer and marching cubes
/// take it, and the SDF task's ground truth (`DistanceSource`) refines it.
public protocol DistanceField {
    /// Distances of `count` xyz rows of `points` into `output`.
    func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool)
    /// Distances and their gradients (`[count, 3]`) at `count` xyz rows of `points`.
    func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool)
}

extension DistanceField {
    /// Gradients by central differences (step `h` along each axis) for fields without an analytic gradient.
    public func centralDifferenceGradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                                           gradients: UnsafeMutablePointer<Float>, step h: Float = 1e-4, pool: WorkerPool) {
        self.distances(points: points, count: count, output: distances, pool: pool)
        NormalEstimate.centralDifferences(step: h).gradients(of: self, points: points, count: count, gradients: gradients, pool: pool)
    }
}
