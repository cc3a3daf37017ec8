import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// One fit of a scene from start (or checkpoint) to its limits, for any task: the training loop,
/// periodic evaluation, progress, checkpoints, the metrics file and the score plot. What is task
/// specific (batches, scores, outputs) comes from the scene's `FitTask`.
final class FitRun {
    let scene: Scene
    let task: FitTask
    let trainer: Trainer
    let pool: WorkerPool
    let folder: RunFolder
    private let quiet: Bool
    private var step = 0
    private var trainingSeconds = 0.0
    /// Network samples trained on in this process (for throughput).
    private var samples = 0
    private var samplesSeconds = 0.0
    private var rng: RandomGenerator
    private var evaluations: [Evaluation] = []
    private let batchInput: FloatBuffer
    private let batchTarget: FloatBuffer
    /// How data-initialised modules were set up (the start-of-run message), or nil.
    let initializationNote: String?
    /// Wall-clock seconds of the data-driven initialisation (k-means, the NeRF pre-fit) before the first step;
    /// not training time. A resume keeps the first run's figure.
    private var initializationSeconds = 0.0
    /// The evaluation schedule and loss average that `advance` keeps (for `fieldfit` and the viewer alike).
    private var lastEvalStep = 0, lastEvalSeconds = 0.0
    private var lossSum = 0.0, lossCount = 0
    /// The step of the last checkpoint written by this process, for the divergence message.
    private var lastCheckpointStep: Int?
    /// Seconds from the command to the end of this process's first training step (nil before it).
    private(set) var firstStepAfter: Double?
    /// Wall-clock seconds of the final evaluation and of the task's outputs (renders) at the end.
    private var finalEvaluationSeconds = 0.0, outputSeconds = 0.0

    /// Sets up a fresh run of `scene`: loads the data, builds the model, creates the run folder. With
    /// `initializeKernels` false the data-driven initialisation is skipped (a resume loads the kernels).
    init(scene original: Scene, quiet: Bool, initializeKernels: Bool = true) throws(FieldError) {
        pool = WorkerPool(threads: original.training.threads > 0 ? original.training.threads : ProcessInfo.processInfo.activeProcessorCount)
        var scene = original
        task = try TaskFactory.makeTask(&scene, pool: pool)
        self.scene = scene
        self.quiet = quiet
        let batch = scene.training.batchSize
        trainer = try TaskFactory.makeTrainer(scene, inputWidth: task.inputWidth, outputWidth: task.outputWidth)
        if let distillation = task as? DistillationTask { _ = try distillation.distillationStep(trainer) }
        if initializeKernels {
            let outcome = try KernelInitialization.run(trainer: trainer, task: task, seed: scene.training.seed, file: scene.file, pool: pool)
            initializationNote = outcome?.note
            initializationSeconds = outcome?.seconds ?? 0
        } else {
            initializationNote = trainer.model.sampleInitializables.isEmpty ? nil : "RBF kernels: from the checkpoint"
        }
        if let lattice = task.inputLattice { for module in trainer.model.latticeCacheables { module.useLattice(lattice) } }
        rng = RandomGenerator(seed: scene.training.seed, stream: 0xBA7C4)
        let batched = task is BatchedFitTask
        batchInput = FloatBuffer(count: batched ? batch * task.inputWidth : 0)
        batchTarget = FloatBuffer(count: batched ? batch * task.outputWidth : 0)
        folder = try RunFolder(path: scene.outputFolder.isEmpty ? "runs/\(scene.name)" : scene.outputFolder)
        try folder.writeConfig(scene.resolvedJSON)
    }

    /// Re-opens the run in `path` and restores its checkpoint (parameters, optimizer state, RNG, history).
    static func resume(from path: String, options: Options) throws(FieldError) -> FitRun {
        var scene = try Scene.loadRun(path)
        options.apply(to: &scene)
        let run = try FitRun(scene: scene, quiet: options.quiet, initializeKernels: false)
        let state = try Checkpoint.load(from: run.folder.checkpointPath, into: run.trainer)
        run.step = state.step
        run.trainingSeconds = state.trainingSeconds
        run.initializationSeconds = state.initializationSeconds
        run.rng = state.rng
        run.evaluations = state.evaluations
        try run.task.restore(tensors: state.taskTensors, file: run.folder.file("checkpoint/task.safetensors"))
        run.samplesSeconds = state.trainingSeconds
        (run.lastEvalStep, run.lastEvalSeconds) = (state.step, state.trainingSeconds)
        return run
    }

    /// Trains until the step or time limit, evaluating, checkpointing and reporting on the way,
    /// then writes the final outputs.
    func run() throws(FieldError) {
        let t = scene.training
        let batch = t.batchSize
        var progress = ProgressLine(quiet: quiet)
        if limitReached && !evaluations.isEmpty {
            throw FieldError(file: folder.path, "the run already has \(step) steps (\(String(format: "%.1f", trainingSeconds)) s); pass --steps or --seconds with a larger total to train further")
        }
        if !quiet {
            print("fieldfit: \(scene.name): \(task.summary), \(trainer.store.count) parameters, batch \(batch), \(pool.threads) threads → \(folder.path)")
            if let note = initializationNote { print("fieldfit: \(note)") }
        }
        var lastCheckpointSeconds = trainingSeconds
        if evaluations.isEmpty && task.evaluatesAtStart { evaluations.append(evaluate(loss: .nan)) }

        while !limitReached {
            let lastLoss: Float
            do { lastLoss = try advance() } catch { progress.finish(); throw error }
            if firstStepAfter == nil {
                firstStepAfter = ProcessClock.secondsSinceStart()
                if !quiet, let s = firstStepAfter { print(String(format: "fieldfit: first step after %.1f s", s)); fflush(nil) }
            }
            if trainingSeconds - lastCheckpointSeconds >= t.checkpointEverySeconds {
                try saveCheckpoint()
                lastCheckpointSeconds = trainingSeconds
            }
            let headline = evaluations.last.map { $0[task.headline.name] }.flatMap { $0.isNaN ? nil : task.headline.format($0) }
            progress.update(step: step, loss: lastLoss, score: headline,
                            samplesPerSecond: Double(samples) / max(trainingSeconds - samplesSeconds, 1e-9),
                            elapsed: trainingSeconds, eta: eta(), force: limitReached)
        }
        progress.finish()
        if evaluations.isEmpty { evaluations.append(evaluate(loss: .nan, final: true)) }
        try saveCheckpoint()
        try writeOutputs()
    }

    /// One step of the fit loop that `fieldfit` and the live viewer share: trains a step, fails with the
    /// divergence error once the loss is no longer finite, and evaluates when the scene's schedule says one is
    /// due — or, when `limited`, at the step that reaches the scene's limit. Returns the step's loss.
    func advance(limited: Bool = true) throws(FieldError) -> Float {
        let loss = trainOneStep()
        guard loss.isFinite else {
            let kept = lastCheckpointStep.map { "the last good checkpoint (step \($0)) is kept in \(folder.checkpointPath)" }
                ?? "no checkpoint had been written yet"
            throw FieldError(file: folder.path, "training diverged: the loss became \(loss) at step \(step); \(kept)")
        }
        lossSum += Double(loss)
        lossCount += 1
        let t = scene.training
        let due = t.evalEverySteps > 0 ? step - lastEvalStep >= t.evalEverySteps : trainingSeconds - lastEvalSeconds >= t.evalEverySeconds
        if due || (limited && limitReached) {
            evaluations.append(evaluate(loss: lossSum / Double(max(lossCount, 1)), final: limited && limitReached))
            lossSum = 0; lossCount = 0
            (lastEvalStep, lastEvalSeconds) = (step, trainingSeconds)
        }
        return loss
    }

    /// Whether the scene's step or time limit is reached.
    var limitReached: Bool {
        let t = scene.training
        return (t.steps > 0 && step >= t.steps) || (t.seconds > 0 && trainingSeconds >= t.seconds)
    }

    /// One training step (the task's batch or its own step), counted in the step number, the training
    /// time and the throughput; returns its loss.
    private func trainOneStep() -> Float {
        let t0 = monotonicSeconds()
        let loss: Float
        switch task {
        case let stepping as SteppingFitTask:
            let result = stepping.trainStep(trainer, step: step, rng: &rng, pool: pool)
            loss = result.loss
            samples += result.samples
        case let batched as BatchedFitTask:
            let batch = scene.training.batchSize
            batched.sampleBatch(batch: batch, input: batchInput.pointer, targets: batchTarget.pointer, rng: &rng, pool: pool)
            loss = trainer.step(input: batchInput.pointer, target: batchTarget.pointer, batch: batch, pool: pool)
            samples += batch
        default: preconditionFailure("FitRun: a task must be batched or stepping")
        }
        trainingSeconds += monotonicSeconds() - t0
        step += 1
        return loss
    }

    /// Steps trained so far (including those of a resumed checkpoint).
    var completedSteps: Int { step }
    /// Seconds spent in training steps so far.
    var secondsTrained: Double { trainingSeconds }
    /// Network samples per second of training in this process.
    var samplesPerSecond: Double { Double(samples) / max(trainingSeconds - samplesSeconds, 1e-9) }
    /// The evaluations so far, oldest first.
    var history: [Evaluation] { evaluations }

    /// Writes the checkpoint now (parameters, optimizer, RNG, history) into the run folder.
    func checkpointNow() throws(FieldError) { try saveCheckpoint() }

    private func saveCheckpoint() throws(FieldError) {
        defer { lastCheckpointStep = step }
        try Checkpoint.save(trainer: trainer, step: step, trainingSeconds: trainingSeconds,
                            initializationSeconds: initializationSeconds, rng: rng,
                            evaluations: evaluations, taskState: task.checkpointState, taskTensors: task.checkpointTensors(),
                            to: folder.checkpointPath)
    }

    /// Seconds of training left, from whichever limit is nearer.
    private func eta() -> Double? {
        let t = scene.training
        var left: [Double] = []
        if t.seconds > 0 { left.append(max(0, t.seconds - trainingSeconds)) }
        if t.steps > 0, step > 0 { left.append(Double(max(0, t.steps - step)) * trainingSeconds / Double(step)) }
        return left.min()
    }

    /// Scores the field with its inference parameters; `final` marks the evaluation at the fit's limit
    /// (timed, for the end-of-run figures).
    private func evaluate(loss: Double, final: Bool = false) -> Evaluation {
        let t0 = monotonicSeconds()
        let scores = trainer.withInferenceParameters { task.evaluate(trainer, pool: pool, final: final) }
        if final { finalEvaluationSeconds = monotonicSeconds() - t0 }
        return Evaluation(step: step, seconds: trainingSeconds, loss: loss, scores: scores)
    }

    /// Writes the task's outputs, metrics.json and the score plot, and prints the summary line.
    private func writeOutputs() throws(FieldError) {
        let last = evaluations.last!
        let headline = task.headline
        var final: [(key: String, value: JSONValue)] = [("step", .int(step)), ("seconds", .double(trainingSeconds))]
        final += last.scores.map { ($0.name, JSONValue.double($0.value)) }
        let outputsStart = monotonicSeconds()
        try trainer.withInferenceParameters { () throws(FieldError) in
            try task.writeOutputs(trainer, history: evaluations, folder: folder, pool: pool, final: &final, quiet: quiet)
        }
        outputSeconds = monotonicSeconds() - outputsStart
        if let s = firstStepAfter { final.append(("first_step_after_seconds", .double(s))) }
        final.append(("final_evaluation_seconds", .double(finalEvaluationSeconds)))
        final.append(("outputs_seconds", .double(outputSeconds)))
        if let wall = ProcessClock.secondsSinceStart() { final.append(("wall_seconds", .double(wall))) }
        if !quiet {
            print(String(format: "fieldfit: end of run: final evaluation %.1f s, outputs (test views, renders) %.1f s", finalEvaluationSeconds, outputSeconds))
        }
        final.append(("samples_per_second", .double(Double(samples) / max(trainingSeconds - samplesSeconds, 1e-9))))
        final.append(("parameters", .int(trainer.store.count)))
        if !trainer.model.sampleInitializables.isEmpty { final.append(("initialization_seconds", .double(initializationSeconds))) }
        var reached: [(key: String, value: JSONValue)] = []
        for threshold in headline.thresholds {
            let seconds = Evaluation.secondsToReach(threshold, score: headline.name, in: evaluations)
            reached.append((FitRun.thresholdKey(threshold), seconds.map { .double($0) } ?? .null))
        }
        final.append(("seconds_to_\(headline.name)", .object(reached)))
        if let peak = ProcessMemory.peakResidentMiB() { final.append(("peak_memory_mib", .double(peak))) }
        try folder.writeMetrics(.object([
            ("scene", .string(scene.name)), ("task", .string(scene.task)),
            ("evaluations", .array(evaluations.map(\.json))), ("final", .object(final)),
        ]))
        try folder.writePlot(evaluations: evaluations, score: headline.name, label: headline.label,
                             title: "\(scene.name): \(headline.label) over training time")
        if !quiet {
            let reach = headline.thresholds.suffix(3).compactMap { th in
                Evaluation.secondsToReach(th, score: headline.name, in: evaluations).map {
                    "\(FitRun.thresholdKey(th)) at \(String(format: "%.2f", $0)) s"
                }
            }
            print("fieldfit: \(step) steps in \(String(format: "%.2f", trainingSeconds)) s of training, \(headline.format(last[headline.name]))"
                  + (reach.isEmpty ? "" : " (" + reach.joined(separator: ", ") + ")") + " → \(folder.path)")
        }
    }

    /// 35 → "35", 0.995 → "0.995".
    static func thresholdKey(_ v: Double) -> String { v.rounded() == v ? "\(Int(v))" : "\(v)" }
}
