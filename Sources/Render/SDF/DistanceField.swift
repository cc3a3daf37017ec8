import TensorCore

/// A signed distance field the renderers can query in batches (a trained network or an analytic
/// shape), in the coordinates the cameras use.
public protocol DistanceField {
    /// Distances of `count` xyz rows of `points` into `output`.
    func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool)
    /// Distances and their gradients (`[count, 3]`) at `count` xyz rows of `points`.
    func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool)
}
