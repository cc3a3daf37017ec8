import TensorCore

/// Modules applied one after another (PyTorch's `Sequential`): each one's output row is the next one's input
/// row. Parameters are each module's, prefixed `layer<i>.`. A training context keeps every intermediate batch and
/// its gradient; inference reuses two scratch buffers grown on demand outside training steps.
public final class ModuleChain: CompositeModule {
    /// The modules, first applied first.
    public let modules: [DifferentiableModule]

    /// The chain of `modules`; consecutive widths must agree.
    public init(_ modules: [DifferentiableModule]) {
        precondition(!modules.isEmpty, "ModuleChain: at least one module")
        for (a, b) in zip(modules, modules.dropFirst()) { precondition(a.outputWidth == b.inputWidth, "ModuleChain: width mismatch") }
        self.modules = modules
    }

    public var children: [DifferentiableModule] { modules }
    public var inputWidth: Int { modules[0].inputWidth }
    public var outputWidth: Int { modules[modules.count - 1].outputWidth }

    public var parameterTensors: [ParameterTensor] {
        modules.enumerated().flatMap { i, m in m.parameterTensors.map { $0.prefixed("layer\(i).") } }
    }

    public func bind(_ binding: ParameterBinding) {
        var offset = 0
        for m in modules {
            m.bind(binding.advanced(by: offset))
            offset += m.parameterCount
        }
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        for (i, m) in modules.enumerated() {
            var child = rng.fork(UInt64(i + 1))
            m.initializeParameters(&child)
        }
    }

    /// The intermediate batches (the outputs of all modules but the last), their gradients, and the contexts.
    final class Context: ModuleContext {
        let activations: [FloatBuffer]
        let gradients: [FloatBuffer]
        let contexts: [ModuleContext]
        init(capacity: Int, modules: [DifferentiableModule]) {
            activations = modules.dropLast().map { FloatBuffer(count: capacity * $0.outputWidth) }
            gradients = modules.dropLast().map { FloatBuffer(count: capacity * $0.outputWidth) }
            contexts = modules.map { $0.makeContext(capacity: capacity) }
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, modules: modules) }

    private var scratch = (FloatBuffer(count: 0), FloatBuffer(count: 0))

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let last = modules.count - 1
        if let ctx = context as? Context {
            precondition(batch <= ctx.capacity, "ModuleChain: batch larger than the context")
            var x = input
            for (i, m) in modules.enumerated() {
                let y = i == last ? output : ctx.activations[i].pointer
                m.forward(input: x, output: y, batch: batch, context: ctx.contexts[i], pool: pool)
                x = UnsafePointer(y)
            }
            return
        }
        let widest = modules.dropLast().map(\.outputWidth).max() ?? 0
        if scratch.0.count < batch * widest { scratch = (FloatBuffer(count: batch * widest), FloatBuffer(count: batch * widest)) }
        var x = input
        for (i, m) in modules.enumerated() {
            let y = i == last ? output : (i % 2 == 0 ? scratch.0.pointer : scratch.1.pointer)
            m.forward(input: x, output: y, batch: batch, context: nil, pool: pool)
            x = UnsafePointer(y)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context else { preconditionFailure("ModuleChain: wrong context type") }
        var dy = outputGradient
        for i in stride(from: modules.count - 1, through: 0, by: -1) {
            let x = i == 0 ? input : UnsafePointer(ctx.activations[i - 1].pointer)
            let y = i == modules.count - 1 ? output : UnsafePointer(ctx.activations[i].pointer)
            let dx = i == 0 ? inputGradient : ctx.gradients[i - 1].pointer
            modules[i].backward(input: x, output: y, outputGradient: dy, inputGradient: dx, batch: batch, context: ctx.contexts[i], pool: pool)
            if i > 0 { dy = UnsafePointer(ctx.gradients[i - 1].pointer) }
        }
    }
}
