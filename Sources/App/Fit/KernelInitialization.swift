import FieldIO
import ModelLibrary
import TensorCore

/// Weighted samples of a task's target, for modules initialised from data (`SampleInitializable`, e.g.
/// NeuRBF's kernels): points in the field's input coordinates and a non-negative weight each.
public struct InitializationSamples {
    /// `[count, dimensions]`.
    public var points: [Float]
    /// `[count]`.
    public var weights: [Float]
    /// Coordinates per point.
    public var dimensions: Int
    /// What the weights are, for the start-of-run message (e.g. "Sobel gradient magnitude of 512×512 pixels").
    public var description: String

    public init(points: [Float], weights: [Float], dimensions: Int, description: String) {
        (self.points, self.weights, self.dimensions, self.description) = (points, weights, dimensions, description)
    }
}

/// Runs the data-driven initialisation of every `SampleInitializable` module of a freshly built model, from
/// the task's weighted samples, with a generator derived from the scene's seed (so a run repeats exactly). A
/// resumed run skips it: the kernels are in its checkpoint.
enum KernelInitialization {
    /// What the initialisation did: a line for the start-of-run message, and its wall-clock seconds (the
    /// samples, e.g. the NeRF pre-fit, and the k-means), which are not training time.
    struct Outcome {
        var note: String
        var seconds: Double
    }

    /// Initialises the model's data-driven modules; nil when it has none.
    static func run(trainer: Trainer, task: FitTask, seed: UInt64, file: String, pool: WorkerPool) throws(FieldError) -> Outcome? {
        let modules = trainer.model.sampleInitializables
        guard !modules.isEmpty else { return nil }
        let start = monotonicSeconds()
        var rng = RandomGenerator(seed: seed, stream: 0xD47A_1417)
        guard let samples = try task.initializationSamples(rng: &rng, pool: pool) else {
            return Outcome(note: "RBF kernels: on a regular lattice (\(task.noInitializationReason))", seconds: monotonicSeconds() - start)
        }
        for module in modules where module.sampleDimensions == samples.dimensions {
            do {
                try samples.points.withUnsafeBufferPointer { p throws(FieldError) in
                    try samples.weights.withUnsafeBufferPointer { w throws(FieldError) in
                        try module.initialize(points: p.baseAddress!, weights: w.baseAddress!, count: samples.weights.count,
                                              rng: &rng, pool: pool)
                    }
                }
            } catch {
                throw FieldError(file: file, location: error.location, error.message)
            }
        }
        let seconds = monotonicSeconds() - start
        return Outcome(note: "RBF kernels: weighted k-means on \(samples.weights.count) samples (\(samples.description)), seed \(seed), "
                           + String(format: "%.1f s before training", seconds), seconds: seconds)
    }
}
