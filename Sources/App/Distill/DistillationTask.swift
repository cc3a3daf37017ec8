import FieldIO
import ModelLibrary
import Render
import TensorCore

/// One training step of a student against its teacher, made by the student's task (`DistillableFitTask`) or,
/// for batched tasks, `OutputDistillation`.
protocol DistillationStep: AnyObject {
    /// Trains the student one step at `step` (0-based); returns the loss and the student samples used.
    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int)
    /// State to keep in the student's checkpoint (PVD-AL's pools), restored by `restore`.
    func checkpointTensors() -> [SafeTensor]
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError)
}

extension DistillationStep {
    func checkpointTensors() -> [SafeTensor] { [] }
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {}
}

/// A task with its own distillation step (NeRF: PVD's progressive volume distillation). Tasks without one are
/// distilled on their outputs (`OutputDistillation`).
protocol DistillableFitTask: FitTask {
    /// The distillation step of the student `trainer` against `teacher`, allocated once.
    func makeDistillationStep(teacher: DistillationTeacher, settings: DistillSettings, student: Trainer,
                              pool: WorkerPool) throws(FieldError) -> DistillationStep
}

/// The fit loop's task for a student scene: the student's own task (its data, evaluation on the held-out
/// views, outputs, checkpoint state, viewer) with the training step replaced by distillation from the teacher.
/// So a student run is an ordinary run folder: metrics, eval.json, renders, checkpoint, `--resume`.
final class DistillationTask: SteppingFitTask {
    /// The student scene's own task.
    let student: FitTask
    let teacher: DistillationTeacher
    let settings: DistillSettings
    private let pool: WorkerPool
    /// Made on the first step (the student's trainer exists only after the task).
    private var distillation: DistillationStep?
    /// What a checkpoint held for the step, until it is made.
    private var savedTensors: (tensors: [String: SafeTensor], file: String)?

    /// Wraps `student` (the task of a scene with `distill`) and opens its teacher.
    init(student: FitTask, scene: Scene, pool: WorkerPool) throws(FieldError) {
        self.student = student
        self.pool = pool
        settings = scene.distill!
        teacher = try DistillationTeacher(for: scene, inputWidth: student.inputWidth, outputWidth: student.outputWidth)
    }

    /// The distillation step for `trainer`, made on first use.
    func distillationStep(_ trainer: Trainer) throws(FieldError) -> DistillationStep {
        if let d = distillation { return d }
        let d: DistillationStep
        if let distillable = student as? DistillableFitTask {
            d = try distillable.makeDistillationStep(teacher: teacher, settings: settings, student: trainer, pool: pool)
        } else if let batched = student as? BatchedFitTask {
            d = OutputDistillation(task: batched, teacher: teacher, batch: trainer.batchCapacity)
        } else {
            throw FieldError(file: teacher.folder, "runs of this task cannot be distilled")
        }
        if let saved = savedTensors { try d.restore(tensors: saved.tensors, file: saved.file) }
        distillation = d
        return d
    }

    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int) {
        // Made by `FitRun` before its first step (`prepare`); a failure there has been reported already.
        guard let d = distillation ?? (try? distillationStep(trainer)) else { return (.nan, 0) }
        return d.trainStep(trainer, step: step, rng: &rng, pool: pool)
    }

    // Everything else is the student task's.
    var inputWidth: Int { student.inputWidth }
    var outputWidth: Int { student.outputWidth }
    var summary: String { "\(student.summary), distilled (\(settings.method.rawValue)) from \(teacher.folder)" }
    var headline: HeadlineScore { student.headline }
    var checkpointState: JSONValue? { student.checkpointState }
    func checkpointTensors() -> [SafeTensor] { student.checkpointTensors() + (distillation?.checkpointTensors() ?? []) }
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {
        try student.restore(tensors: tensors, file: file)
        if let d = distillation { try d.restore(tensors: tensors, file: file) } else { savedTensors = (tensors, file) }
    }
    func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError) -> InitializationSamples? {
        try student.initializationSamples(rng: &rng, pool: pool)
    }
    var noInitializationReason: String { student.noInitializationReason }
    var inputLattice: InputLattice? { student.inputLattice }
    func evaluate(_ trainer: Trainer, pool: WorkerPool) -> [Evaluation.Score] { student.evaluate(trainer, pool: pool) }
    func evaluate(_ trainer: Trainer, pool: WorkerPool, final: Bool) -> [Evaluation.Score] {
        student.evaluate(trainer, pool: pool, final: final)
    }
    var evaluatesAtStart: Bool { student.evaluatesAtStart }
    func writeOutputs(_ trainer: Trainer, history: [Evaluation], folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], quiet: Bool) throws(FieldError) {
        final.append(("distilled_from", .string(teacher.folder)))
        try student.writeOutputs(trainer, history: history, folder: folder, pool: pool, final: &final, quiet: quiet)
    }
    var liveModes: [LiveMode] { student.liveModes }
    var liveHome: OrbitCamera.Home { student.liveHome }
    var liveUsesCamera: Bool { student.liveUsesCamera }
    var liveCameras: [Camera] { student.liveCameras }
    func prepareLive(_ trainer: Trainer) { student.prepareLive(trainer) }
    func liveRender(_ camera: Camera, mode: LiveMode, fieldVersion: Int, trainer: Trainer, pool: WorkerPool) -> Image {
        student.liveRender(camera, mode: mode, fieldVersion: fieldVersion, trainer: trainer, pool: pool)
    }
}
