import FieldIO
import Fields
import Foundation
import ModelLibrary
import Render
import TensorCore

/// One fit of an image scene from start (or checkpoint) to its limits: the training loop, periodic
/// evaluation, progress, checkpoints, and the run folder's outputs.
final class ImageFitRun {
    let scene: Scene
    let task: ImageTask
    let trainer: Trainer
    let pool: WorkerPool
    let folder: RunFolder
    private let quiet: Bool
    private var step = 0
    private var trainingSeconds = 0.0
    private var rng: RandomGenerator
    private var evaluations: [Evaluation] = []
    private let batchInput: FloatBuffer
    private let batchTarget: FloatBuffer
    private let pixelInput: FloatBuffer
    private let reconstruction: FloatBuffer

    /// Sets up a fresh run of `scene`: loads the data, builds the model, creates the run folder.
    init(scene original: Scene, quiet: Bool) throws(FieldError) {
        var scene = original
        task = try ImageFitRun.loadTask(scene)
        scene.encoding = ImageFitRun.withAutomaticLevelScale(scene.encoding, finestResolution: max(task.width, task.height))
        self.scene = scene
        self.quiet = quiet
        pool = WorkerPool(threads: scene.training.threads > 0 ? scene.training.threads : ProcessInfo.processInfo.activeProcessorCount)
        let batch = scene.training.batchSize
        trainer = try ModelFactory.makeTrainer(
            encoding: scene.encoding, network: scene.network, loss: scene.loss, optimizer: scene.optimizer,
            inputWidth: task.inputWidth, outputWidth: task.channels, batchCapacity: batch,
            seed: scene.training.seed, file: scene.file)
        rng = RandomGenerator(seed: scene.training.seed, stream: 0xBA7C4)
        batchInput = FloatBuffer(count: batch * task.inputWidth)
        batchTarget = FloatBuffer(count: batch * task.channels)
        pixelInput = task.pixelCentres()
        reconstruction = FloatBuffer(count: task.pixelCount * task.channels)
        folder = try RunFolder(path: scene.outputFolder.isEmpty ? "runs/\(scene.name)" : scene.outputFolder)
        try folder.writeConfig(scene.resolvedJSON)
    }

    /// Re-opens the run in `path` and restores its checkpoint (parameters, optimizer state, RNG, history).
    static func resume(from path: String, options: Options) throws(FieldError) -> ImageFitRun {
        let configPath = (path as NSString).appendingPathComponent("config.json")
        guard FileAccess.exists(configPath) else {
            throw FieldError(file: path, "is not a run folder (no config.json); give the folder a fit wrote")
        }
        var scene = try Scene(json: try JSONParser.parse(file: configPath), file: configPath,
                              defaultName: "run", resolvePathsAgainst: configPath)
        if scene.outputFolder.isEmpty { scene.outputFolder = path }
        options.apply(to: &scene)
        let run = try ImageFitRun(scene: scene, quiet: options.quiet)
        let state = try Checkpoint.load(from: (path as NSString).appendingPathComponent("checkpoint"), into: run.trainer)
        run.step = state.step
        run.trainingSeconds = state.trainingSeconds
        run.rng = state.rng
        run.evaluations = state.evaluations
        return run
    }

    /// Loads the scene's image (or makes the procedural one).
    static func loadTask(_ scene: Scene) throws(FieldError) -> ImageTask {
        switch scene.data {
        case .file(let path):
            let image = try Image.read(path)
            return ImageTask(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels)
        case let .procedural(name, width, height):
            guard let pixels = ProceduralImage.make(name, width: width, height: height) else {
                throw FieldError(file: scene.file, location: "data.procedural", "unknown procedural image \"\(name)\"")
            }
            return ImageTask(width: width, height: height, channels: 3, pixels: pixels)
        }
    }

    /// instant-ngp's rule for image grids: unless the scene says otherwise, the level scale makes the
    /// finest level as fine as the image.
    static func withAutomaticLevelScale(_ encoding: JSONValue, finestResolution: Int) -> JSONValue {
        guard case .object(var members) = encoding,
              let otype = encoding["otype"], case .string(let name) = otype,
              ["hashgrid", "grid", "densegrid", "tiledgrid"].contains(name.lowercased()),
              !members.contains(where: { $0.key.lowercased() == "per_level_scale" }) else { return encoding }
        func number(_ key: String, _ fallback: Double) -> Double {
            if let m = members.first(where: { $0.key.lowercased() == key }), case .number(let v, _) = m.value { return v }
            return fallback
        }
        let levels = number("n_levels", 16), base = number("base_resolution", 16)
        guard levels > 1, base > 0 else { return encoding }
        let scale = exp(log(max(Double(finestResolution), base) / base) / (levels - 1))
        members.append(("per_level_scale", .double(scale)))
        return .object(members)
    }

    /// Trains until the step or time limit, evaluating, checkpointing and reporting on the way,
    /// then writes the final outputs.
    func run() throws(FieldError) {
        let t = scene.training
        let batch = t.batchSize
        var progress = ProgressLine(quiet: quiet)
        func limitReached() -> Bool {
            (t.steps > 0 && step >= t.steps) || (t.seconds > 0 && trainingSeconds >= t.seconds)
        }
        if limitReached() && !evaluations.isEmpty {
            throw FieldError(file: folder.path, "the run already has \(step) steps (\(String(format: "%.1f", trainingSeconds)) s); pass --steps or --seconds with a larger total to train further")
        }
        if !quiet {
            print("fieldfit: \(scene.name): \(task.width)×\(task.height) image, \(trainer.store.count) parameters, batch \(batch), \(pool.threads) threads → \(folder.path)")
        }
        var lastEvalSeconds = trainingSeconds, lastEvalStep = step, lastCheckpointSeconds = trainingSeconds
        var lossSum = 0.0, lossCount = 0
        var lastLoss: Float = 0
        var lastGood: (step: Int, saved: Bool) = (step, false)
        if evaluations.isEmpty { evaluations.append(evaluate(loss: .nan)) }

        while !limitReached() {
            let t0 = monotonicSeconds()
            task.sampleBatch(batch: batch, input: batchInput.pointer, targets: batchTarget.pointer, rng: &rng)
            lastLoss = trainer.step(input: batchInput.pointer, target: batchTarget.pointer, batch: batch, pool: pool)
            trainingSeconds += monotonicSeconds() - t0
            step += 1
            guard lastLoss.isFinite else {
                progress.finish()
                let kept = lastGood.saved ? "the last good checkpoint (step \(lastGood.step)) is kept in \(folder.checkpointPath)"
                                          : "no checkpoint had been written yet"
                throw FieldError(file: folder.path, "training diverged: the loss became \(lastLoss) at step \(step); \(kept)")
            }
            lossSum += Double(lastLoss)
            lossCount += 1
            let evalDue = t.evalEverySteps > 0 ? step - lastEvalStep >= t.evalEverySteps
                                                : trainingSeconds - lastEvalSeconds >= t.evalEverySeconds
            if evalDue || limitReached() {
                evaluations.append(evaluate(loss: lossSum / Double(max(lossCount, 1))))
                lossSum = 0; lossCount = 0
                lastEvalSeconds = trainingSeconds; lastEvalStep = step
            }
            if trainingSeconds - lastCheckpointSeconds >= t.checkpointEverySeconds {
                try Checkpoint.save(trainer: trainer, step: step, trainingSeconds: trainingSeconds, rng: rng,
                                    evaluations: evaluations, to: folder.checkpointPath)
                lastCheckpointSeconds = trainingSeconds
                lastGood = (step, true)
            }
            progress.update(step: step, loss: lastLoss, psnr: evaluations.last?.psnr,
                            samplesPerSecond: Double(step * batch) / max(trainingSeconds, 1e-9),
                            elapsed: trainingSeconds, eta: eta(), force: limitReached())
        }
        progress.finish()
        try Checkpoint.save(trainer: trainer, step: step, trainingSeconds: trainingSeconds, rng: rng,
                            evaluations: evaluations, to: folder.checkpointPath)
        try writeOutputs()
    }

    /// Seconds of training left, from whichever limit is nearer.
    private func eta() -> Double? {
        let t = scene.training
        var left: [Double] = []
        if t.seconds > 0 { left.append(max(0, t.seconds - trainingSeconds)) }
        if t.steps > 0, step > 0 { left.append(Double(max(0, t.steps - step)) * trainingSeconds / Double(step)) }
        return left.min()
    }

    /// Reconstructs the whole image with the inference parameters into `reconstruction`.
    private func reconstruct() {
        trainer.withInferenceParameters {
            trainer.infer(input: pixelInput.pointer, output: reconstruction.pointer, batch: task.pixelCount, pool: pool)
        }
    }

    /// Reconstructs the image and scores it.
    private func evaluate(loss: Double) -> Evaluation {
        reconstruct()
        let mse = task.meanSquaredError(reconstruction.pointer)
        return Evaluation(step: step, seconds: trainingSeconds, psnr: ImageMetrics.psnr(mse: mse), loss: loss)
    }

    /// Writes the reconstruction, the error map, metrics.json and the PSNR plot.
    private func writeOutputs() throws(FieldError) {
        reconstruct()
        var predicted = [Float](repeating: 0, count: reconstruction.count)
        for i in 0..<reconstruction.count { predicted[i] = min(max(reconstruction[i], 0), 1) }
        let prediction = Image(width: task.width, height: task.height, channels: task.channels, pixels: predicted)
        let target = Image(width: task.width, height: task.height, channels: task.channels, pixels: task.target.array)
        try prediction.writePNG(to: folder.file("reconstruction.png"))
        try errorHeatmap(prediction: prediction, target: target).writePNG(to: folder.file("error.png"))
        let final = evaluations.last!
        let samplesPerSecond = Double(step * scene.training.batchSize) / max(trainingSeconds, 1e-9)
        var finalMembers: [(key: String, value: JSONValue)] = [
            ("step", .int(step)), ("seconds", .double(trainingSeconds)), ("psnr", .double(final.psnr)),
            ("ssim", .double(ImageMetrics.ssim(prediction, target))),
            ("samples_per_second", .double(samplesPerSecond)), ("parameters", .int(trainer.store.count)),
        ]
        var reached: [(key: String, value: JSONValue)] = []
        for threshold in [25.0, 30.0, 35.0, 40.0] {
            reached.append(("\(Int(threshold))", Evaluation.secondsToReach(threshold, in: evaluations).map { .double($0) } ?? .null))
        }
        finalMembers.append(("seconds_to_psnr", .object(reached)))
        if let peak = ProcessMemory.peakResidentMiB() { finalMembers.append(("peak_memory_mib", .double(peak))) }
        try folder.writeMetrics(.object([
            ("scene", .string(scene.name)), ("task", .string(scene.task)),
            ("evaluations", .array(evaluations.map(\.json))), ("final", .object(finalMembers)),
        ]))
        try folder.writePlot(evaluations: evaluations, title: "\(scene.name): PSNR over training time")
        if !quiet {
            let reach = [30.0, 35.0, 40.0].compactMap { th in
                Evaluation.secondsToReach(th, in: evaluations).map { "\(Int(th)) dB at \(String(format: "%.2f", $0)) s" }
            }
            print("fieldfit: \(step) steps in \(String(format: "%.2f", trainingSeconds)) s of training, PSNR \(String(format: "%.2f", final.psnr)) dB"
                  + (reach.isEmpty ? "" : " (" + reach.joined(separator: ", ") + ")") + " → \(folder.path)")
        }
    }
}
