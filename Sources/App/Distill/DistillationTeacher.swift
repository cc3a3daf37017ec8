import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// A trained run opened as a frozen teacher: its scene, its model with the checkpoint's inference parameters
/// (the EMA average when it trained with one) in place, and the task state its checkpoint kept (NeRF: the
/// occupancy grid). Nothing of it is trained or written.
final class DistillationTeacher {
    /// The teacher run's scene (its config.json).
    let scene: Scene
    /// The teacher's model; its parameters never change.
    let trainer: Trainer
    /// What the teacher's checkpoint holds besides parameters.
    let checkpoint: Checkpoint.State
    /// The teacher's run folder.
    let folder: String

    /// Opens the teacher of `student` (a scene with `distill`), whose task has `inputWidth` → `outputWidth`.
    init(for student: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        guard let settings = student.distill else { preconditionFailure("DistillationTeacher: the scene has no distill settings") }
        folder = settings.teacher
        _ = try settings.teacherConfig(file: student.file)
        let scene = try Scene.loadRun(folder)
        guard scene.task == student.task else {
            throw FieldError(file: student.file, location: "task", "is \(student.task), but the teacher \(folder) is a \(scene.task) run; a student fits its teacher's task")
        }
        let checkpointPath = (folder as NSString).appendingPathComponent("checkpoint")
        guard FileAccess.exists((checkpointPath as NSString).appendingPathComponent("state.json")) else {
            throw FieldError(file: folder, "the teacher run has no checkpoint (checkpoint/state.json); train it first")
        }
        self.scene = scene
        trainer = try TaskFactory.makeTrainer(scene, inputWidth: inputWidth, outputWidth: outputWidth)
        guard trainer.model.inputWidth == inputWidth, trainer.model.outputWidth == outputWidth else {
            throw FieldError(file: folder, "the teacher's field maps \(trainer.model.inputWidth) → \(trainer.model.outputWidth) values, the student's task \(inputWidth) → \(outputWidth)")
        }
        checkpoint = try Checkpoint.load(from: checkpointPath, into: trainer)
        // Frozen at its inference parameters: copy them in once instead of swapping them every step.
        let store = trainer.store
        let inference = trainer.optimizer.inferenceValues(store)
        if inference != UnsafePointer(store.values.pointer) {
            let copy = [Float](UnsafeBufferPointer(start: inference, count: store.count))
            copy.withUnsafeBufferPointer { store.values.pointer.update(from: $0.baseAddress!, count: store.count) }
        }
    }

    /// The teacher's outputs for `batch` input rows (inference, in chunks of its batch capacity).
    func infer(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, batch: Int, pool: WorkerPool) {
        trainer.infer(input: input, output: output, batch: batch, pool: pool)
    }
}
