import FieldIO
import ModelLibrary
import TensorCore

/// Weighted samples of a task's target, for modules initialised from data (`SampleInitializable`, e.g.
/// NeuRBF's kernels): points in the field's input coordinates and a non-negative weight each.
struct InitializationSamples {
    /// `[count, dimensions]`.
    var points: [Float]
    /// `[count]`.
    var weights: [Float]
    /// Coordinates per point.
    var dimensions: Int
    /// What the weights are, for the start-of-run message (e.g. "Sobel gradient magnitude of 512×512 pixels").
    var description: String
}

/// Runs the data-driven initialisation of every `SampleInitializable` module of a freshly built model, from
/// the task's weighted samples, with a generator derived from the scene's seed (so a run, and its resume,
/// repeat exactly; a resume then loads the checkpointed kernels over it). Returns a line for the start-of-run
/// message, or nil when the model has no such module.
enum KernelInitialization {
    static func run(trainer: Trainer, task: FitTask, seed: UInt64, file: String, pool: WorkerPool) throws(FieldError) -> String? {
        let modules = trainer.model.sampleInitializables
        guard !modules.isEmpty else { return nil }
        var rng = RandomGenerator(seed: seed, stream: 0xD47A_1417)
        guard let samples = try task.initializationSamples(rng: &rng, pool: pool) else {
            return "RBF kernels: on a regular lattice (\(task.noInitializationReason))"
        }
        let clock = ContinuousClock(), start = clock.now
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
        let seconds = Double((clock.now - start).components.attoseconds) / 1e18 + Double((clock.now - start).components.seconds)
        return "RBF kernels: weighted k-means on \(samples.weights.count) samples (\(samples.description)), seed \(seed), "
            + String(format: "%.1f s", seconds)
    }
}
