import FieldIO
import ModelLibrary
import TensorCore

/// Distillation of a batched task's field (image, sdf) on its outputs: each step takes the points the task
/// itself would train on (random pixels; surface, near-surface and uniform points), asks the frozen teacher for
/// its outputs there and trains the student towards them with the scene's loss. The task's own targets are
/// not used, only its sampling. (PVD's block-wise feature stages are for radiance fields, whose teacher and
/// student share the density-branch layout; these students fit outputs only.)
final class OutputDistillation: DistillationStep {
    let task: BatchedFitTask
    let teacher: DistillationTeacher
    private let input, targets, teacherTargets: FloatBuffer
    private let batch: Int

    /// Buffers for batches of `batch` rows.
    init(task: BatchedFitTask, teacher: DistillationTeacher, batch: Int) {
        self.task = task
        self.teacher = teacher
        self.batch = batch
        input = FloatBuffer(count: batch * task.inputWidth)
        targets = FloatBuffer(count: batch * task.outputWidth)
        teacherTargets = FloatBuffer(count: batch * task.outputWidth)
    }

    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int) {
        task.sampleBatch(batch: batch, input: input.pointer, targets: targets.pointer, rng: &rng, pool: pool)
        teacher.infer(input.pointer, into: teacherTargets.pointer, batch: batch, pool: pool)
        let loss = trainer.step(input: input.pointer, target: teacherTargets.pointer, batch: batch, pool: pool)
        return (loss, batch)
    }
}
