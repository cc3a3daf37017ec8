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
        let shifted = FloatBuffer(count: count * 3), plus = FloatBuffer(count: count), minus = FloatBuffer(count: count)
        for axis in 0..<3 {
            for sign in [Float(1), -1] {
                for i in 0..<count * 3 { shifted[i] = points[i] }
                for i in 0..<count { shifted[3 * i + axis] += sign * h }
                self.distances(points: shifted.pointer, count: count, output: sign > 0 ? plus.pointer : minus.pointer, pool: pool)
            }
            for i in 0..<count { gradients[3 * i + axis] = (plus[i] - minus[i]) / (2 * h) }
        }
    }
}
