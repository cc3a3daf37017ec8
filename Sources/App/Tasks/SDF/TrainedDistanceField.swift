import Geometry
import ModelLibrary
import Render
import TensorCore

/// A trainer's model seen as a distance field for the renderers (call inside `withInferenceParameters`).
public struct TrainedDistanceField: DistanceField {
    /// The trainer whose model is the field.
    public let trainer: Trainer

    /// The field of `trainer`'s model (one input row of x, y, z; one output, the distance).
    public init(trainer: Trainer) { self.trainer = trainer }

    /// The model's outputs at `count` points.
    public func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        trainer.infer(input: points, output: output, batch: count, pool: pool)
    }

    /// The model's outputs and their input gradients (back-propagated) at `count` points.
    public func gradients(points: UnsafePointer<Float>, count: Int, distances: UnsafeMutablePointer<Float>,
                   gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        trainer.inputGradients(input: points, output: distances, gradient: gradients, batch: count, pool: pool)
    }

    /// One cell of the model's finest grid level in unit-cube units (1 / its scale), or nil without a grid encoding.
    var finestCellSize: Float? {
        let scales = trainer.model.moduleTree.compactMap { ($0 as? GridEncoding)?.geometry.levels.last?.scale }
        return scales.max().map { 1 / $0 }
    }

    /// The normal estimate the scene's `render` settings ask for: differences of step `normal_step`, by default
    /// `SDFRenderer.defaultNormalStepCells` cells of the finest grid level (`SDFRenderer.defaultNormalStep`
    /// without a grid; issue 23's measurement, BENCHMARKS.md), or the field's own gradient.
    func normalEstimate(_ settings: RenderSettings) -> NormalEstimate {
        let step = settings.normalStep.map { Float($0) }
            ?? finestCellSize.map { SDFRenderer.defaultNormalStepCells * $0 } ?? SDFRenderer.defaultNormalStep
        switch settings.normals {
        case "gradient": return .fieldGradient
        case "tetrahedron": return .tetrahedron(step: step)
        default: return .centralDifferences(step: step)
        }
    }
}
