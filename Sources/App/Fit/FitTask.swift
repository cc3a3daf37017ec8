import FieldIO
import ModelLibrary
import Render
import TensorCore

/// What the fit loop needs from a task (image, SDF, …): training batches, evaluation scores, and the
/// outputs written at the end. The loop itself (`FitRun`) is shared by every task.
public protocol FitTask: AnyObject {
    /// Columns of the field's input (2 for uv, 3 for xyz).
    var inputWidth: Int { get }
    /// Columns of the field's output.
    var outputWidth: Int { get }
    /// One line describing the data, for the start-of-run message (e.g. "512×512 image").
    var summary: String { get }
    /// The score shown on the progress line and plotted over time (e.g. `psnr`).
    var headline: HeadlineScore { get }
    /// Extra state to keep in checkpoints (e.g. the mesh-to-unit-cube transform), or nil.
    var checkpointState: JSONValue? { get }
    /// Arrays to keep in checkpoints (e.g. NeRF's occupancy grid), saved as `task.safetensors`.
    func checkpointTensors() -> [SafeTensor]
    /// Takes back what `checkpointTensors` saved, when a run is resumed or reopened.
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError)
    /// Weighted samples of the target for data-initialised modules (NeuRBF kernels), or nil when the task has none.
    func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError) -> InitializationSamples?
    /// Why `initializationSamples` gave none, for the start-of-run message.
    var noInitializationReason: String { get }
    /// The fixed points the task trains and evaluates on (an image's pixel centres), for modules that cache
    /// per-point work (`LatticeCacheable`), or nil when its inputs are continuous.
    var inputLattice: InputLattice? { get }

    /// Scores the current field (the trainer is already bound to its inference parameters).
    func evaluate(_ trainer: Trainer, pool: WorkerPool) -> [Evaluation.Score]
    /// Scores the current field; `final` marks the evaluation at the end of the fit, which a task may make
    /// fuller than its periodic ones (NeRF: every test pixel instead of a subset). By default `evaluate`.
    func evaluate(_ trainer: Trainer, pool: WorkerPool, final: Bool) -> [Evaluation.Score]
    /// Whether the fit loop evaluates before the first step (true by default; NeRF only when asked).
    var evaluatesAtStart: Bool { get }
    /// Writes the task's outputs into the run folder at the end of a fit, and adds its final figures
    /// to `final` (metrics.json's `final` object).
    func writeOutputs(_ trainer: Trainer, history: [Evaluation], folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], quiet: Bool) throws(FieldError)

    // The live viewer (the task's viewer modes).
    /// The modes the viewer offers, in the order its mode key cycles through them.
    var liveModes: [LiveMode] { get }
    /// The viewer's home pose and frame size.
    var liveHome: OrbitCamera.Home { get }
    /// Whether frames look through the viewer's camera (3D fields), or show one fixed picture that the viewer
    /// pans and zooms (an image); true by default.
    var liveUsesCamera: Bool { get }
    /// Cameras the viewer can step through (NeRF's training views); empty by default.
    var liveCameras: [Camera] { get }
    /// Called once before the first live frame (NeRF: builds the occupancy grid as the fit loop's step-0
    /// evaluation would); nothing by default.
    func prepareLive(_ trainer: Trainer)
    /// The current field through `camera` in `mode`, as RGB (called inside `trainer.withInferenceParameters`).
    /// `fieldVersion` changes whenever the parameters have, for caches.
    func liveRender(_ camera: Camera, mode: LiveMode, fieldVersion: Int, trainer: Trainer, pool: WorkerPool) -> Image
}

extension FitTask {
    public func checkpointTensors() -> [SafeTensor] { [] }
    public func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {}
    public func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError) -> InitializationSamples? { nil }
    public var noInitializationReason: String { "this task has no data-driven kernel initialisation" }
    public var inputLattice: InputLattice? { nil }
    public var liveCameras: [Camera] { [] }
    public var liveUsesCamera: Bool { true }
    public func prepareLive(_ trainer: Trainer) {}
    public func evaluate(_ trainer: Trainer, pool: WorkerPool, final: Bool) -> [Evaluation.Score] { evaluate(trainer, pool: pool) }
    public var evaluatesAtStart: Bool { true }
}

/// A task whose training step is a plain supervised batch: inputs and targets for the trainer's loss.
public protocol BatchedFitTask: FitTask {
    /// Fills a training batch: `[batch, inputWidth]` inputs and `[batch, outputWidth]` targets.
    func sampleBatch(batch: Int, input: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>,
                     rng: inout RandomGenerator, pool: WorkerPool)
}

/// A task that runs its own training step (NeRF: rays, marching, compositing around the network).
public protocol SteppingFitTask: FitTask {
    /// One training step at `step` (0-based); returns the loss and the number of network samples used.
    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int)
}

/// The score a task reports on the progress line and in its plot.
public struct HeadlineScore {
    /// The score's name in `Evaluation.scores` (e.g. `psnr`).
    public var name: String
    /// The plot's axis label (e.g. "PSNR (dB)").
    public var label: String
    /// Formats a value for the progress line (e.g. "psnr 31.20 dB").
    public var format: (Double) -> String
    /// Thresholds whose first-reached training seconds go into metrics.json and the final line.
    public var thresholds: [Double]

    public init(name: String, label: String, format: @escaping (Double) -> String, thresholds: [Double]) {
        (self.name, self.label, self.format, self.thresholds) = (name, label, format, thresholds)
    }
}
