import Geometry
import ModelLibrary
import TensorCore

/// A trainer's model seen as a distance field for the renderers (call inside `withInferenceParameters`).
struct TrainedDistanceField: DistanceField {
    let trainer: Trainer

    func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        trainer.infer(input: points, output: output, batch: count, pool: pool)
    }

    func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        trainer.inputGradients(input: points, output: distances, gradient: gradients, batch: count, pool: pool)
    }
}
