import TensorCore

/// Owns a model's parameters, loss and optimizer, and runs training steps and inference
/// (tiny-cuda-nn's `Trainer`). All buffers are allocated here, once; a step allocates nothing.
public final class Trainer {
    /// The model being trained.
    public let model: DifferentiableModule
    /// The model's parameters and gradients.
    public let store: ParameterStore
    /// The training loss.
    public let loss: Loss
    /// The optimizer (possibly wrapped: decay, EMA).
    public let optimizer: Optimizer
    /// The largest training batch.
    public let batchCapacity: Int
    private let context: ModuleContext
    private let output: FloatBuffer
    private let outputGradient: FloatBuffer
    private var backup: FloatBuffer?
    /// Modules whose parameters are projected back into their valid set after each update.
    private let constrained: [ParameterConstrained]

    /// Lays out and binds the model's parameters, initialises them from `seed`, and allocates
    /// training buffers for batches of up to `batchCapacity` rows.
    public init(model: DifferentiableModule, loss: Loss, optimizer: Optimizer, batchCapacity: Int, seed: UInt64) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.batchCapacity = batchCapacity
        store = ParameterStore(tensors: model.parameterTensors)
        model.bind(store.binding)
        var rng = RandomGenerator(seed: seed, stream: 0x5EED)
        model.initializeParameters(&rng)
        optimizer.allocate(for: store)
        context = model.makeContext(capacity: batchCapacity)
        constrained = model.moduleTree.compactMap { $0 as? ParameterConstrained }
        output = FloatBuffer(count: batchCapacity * model.outputWidth)
        outputGradient = FloatBuffer(count: batchCapacity * model.outputWidth)
    }

    /// One optimisation step on `batch` rows of `input` and `target`; returns the mean loss.
    @discardableResult
    public func step(input: UnsafePointer<Float>, target: UnsafePointer<Float>, batch: Int, pool: WorkerPool) -> Float {
        let count = batch * model.outputWidth
        return step(input: input, batch: batch, pool: pool) { prediction, gradient in
            loss.evaluate(prediction: prediction, target: target, gradient: gradient, count: count, pool: pool)
        }
    }

    /// One optimisation step for a loss that is not a function of each output row alone (NeRF: colours
    /// composited along rays from per-sample outputs): forward on `batch` rows, then `lossGradient(output,
    /// gradient)` returns the loss and writes dL/doutput for every row, then backward and the update.
    @discardableResult
    public func step(input: UnsafePointer<Float>, batch: Int, pool: WorkerPool,
                     lossGradient: (_ output: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>) -> Float) -> Float {
        precondition(batch <= batchCapacity, "Trainer.step: batch larger than the capacity")
        store.zeroGradients()
        model.forward(input: input, output: output.pointer, batch: batch, context: context, pool: pool)
        let value = lossGradient(UnsafePointer(output.pointer), outputGradient.pointer)
        model.backward(input: input, output: output.pointer, outputGradient: outputGradient.pointer,
                       inputGradient: nil, batch: batch, context: context, pool: pool)
        optimizer.step(store, pool: pool)
        for module in constrained { module.applyConstraints() }
        return value
    }

    /// The model's training context (what `step` runs forward and backward with), for callers that read or feed
    /// a module's intermediate values inside `step`'s loss closure (distillation's feature loss).
    public var trainingContext: ModuleContext { context }

    /// The predictions of the last training step (`[batch, outputWidth]`).
    public var lastOutput: UnsafePointer<Float> { UnsafePointer(output.pointer) }

    /// Runs `body` with the model bound to its inference parameters (e.g. the EMA average), then restores
    /// the training parameters exactly.
    public func withInferenceParameters<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let inference = optimizer.inferenceValues(store)
        if inference == UnsafePointer(store.values.pointer) { return try body() }
        let saved = backup ?? FloatBuffer(count: store.count)
        backup = saved
        saved.copy(from: store.values)
        store.values.pointer.update(from: inference, count: store.count)
        defer { store.values.copy(from: saved) }
        return try body()
    }

    /// Inference on `batch` rows (any size: processed in chunks of the batch capacity, reusing the
    /// training context as scratch, so it allocates nothing). Call inside `withInferenceParameters`
    /// to use averaged weights; not between a step's forward and backward.
    public func infer(input: UnsafePointer<Float>, output out: UnsafeMutablePointer<Float>, batch: Int, pool: WorkerPool) {
        var start = 0
        while start < batch {
            let n = min(batchCapacity, batch - start)
            model.forward(input: input + start * model.inputWidth, output: out + start * model.outputWidth,
                          batch: n, context: context, pool: pool)
            start += n
        }
    }

    /// Outputs and their gradients with respect to the inputs (`[batch, inputWidth]`) of a model with one
    /// output column, e.g. the normals of a distance field. Processed in chunks of the batch capacity
    /// through the training context; parameter gradients are clobbered (the next step clears them), so
    /// call it outside a step, inside `withInferenceParameters` for averaged weights.
    public func inputGradients(input: UnsafePointer<Float>, output out: UnsafeMutablePointer<Float>,
                               gradient: UnsafeMutablePointer<Float>, batch: Int, pool: WorkerPool) {
        precondition(model.outputWidth == 1, "Trainer.inputGradients: the model must have one output")
        var start = 0
        while start < batch {
            let n = min(batchCapacity, batch - start)
            let x = input + start * model.inputWidth
            model.forward(input: x, output: out + start, batch: n, context: context, pool: pool)
            outputGradient.pointer.update(repeating: 1, count: n)
            model.backward(input: x, output: out + start, outputGradient: outputGradient.pointer,
                           inputGradient: gradient + start * model.inputWidth, batch: n, context: context, pool: pool)
            start += n
        }
    }
}
