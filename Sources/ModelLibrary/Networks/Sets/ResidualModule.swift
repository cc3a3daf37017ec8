import TensorCore

/// `y = x + f(x)` for a module `f` whose output is as wide as its input (a transformer's feed-forward half).
/// Parameters: `f`'s, prefixed `residual.`.
public final class ResidualModule: CompositeModule {
    /// The module added to its input.
    public let inner: DifferentiableModule

    /// The residual connection around `inner` (input and output widths must agree).
    public init(_ inner: DifferentiableModule) {
        precondition(inner.inputWidth == inner.outputWidth, "ResidualModule: the inner module must keep the width")
        self.inner = inner
    }

    public var children: [DifferentiableModule] { [inner] }
    public var inputWidth: Int { inner.inputWidth }
    public var outputWidth: Int { inner.outputWidth }
    public var parameterTensors: [ParameterTensor] { inner.parameterTensors.map { $0.prefixed("residual.") } }
    public func bind(_ binding: ParameterBinding) { inner.bind(binding) }
    public func initializeParameters(_ rng: inout RandomGenerator) { inner.initializeParameters(&rng) }

    /// `f(x)` (backward needs it as the inner module's output), and the inner context.
    final class Context: ModuleContext {
        let innerOutput: FloatBuffer
        let inner: ModuleContext
        init(capacity: Int, inner: DifferentiableModule) {
            innerOutput = FloatBuffer(count: capacity * inner.outputWidth)
            self.inner = inner.makeContext(capacity: capacity)
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, inner: inner) }

    private var scratch = FloatBuffer(count: 0)

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let count = batch * outputWidth
        let ctx = context as? Context
        if ctx == nil && scratch.count < count { scratch = FloatBuffer(count: count) }
        let f = ctx?.innerOutput.pointer ?? scratch.pointer
        inner.forward(input: input, output: f, batch: batch, context: ctx?.inner, pool: pool)
        for i in 0..<count { output[i] = input[i] + f[i] }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context else { preconditionFailure("ResidualModule: wrong context type") }
        inner.backward(input: input, output: ctx.innerOutput.pointer, outputGradient: outputGradient, inputGradient: inputGradient,
                       batch: batch, context: ctx.inner, pool: pool)
        guard let dx = inputGradient else { return }
        for i in 0..<(batch * inputWidth) { dx[i] += outputGradient[i] }
    }
}
