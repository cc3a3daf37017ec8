import TensorCore

/// A module applied to every token of a row alike (a shared per-point / per-channel network, PointNet's
/// "shared MLP", the tri-plane paper's 1×1-conv MLP): a row of `tokens` tokens of `inner.inputWidth` floats
/// becomes a row of `tokens` outputs of `inner.outputWidth`. Row-major `[batch, T·d]` is `[batch·T, d]`, so the
/// inner module runs once on `batch·T` rows. Parameters: the inner module's, prefixed `token.`.
public final class PerTokenNetwork: CompositeModule {
    /// The network shared by all tokens.
    public let inner: DifferentiableModule
    /// Tokens per row.
    public let tokens: Int

    /// `inner` applied to each of `tokens` tokens per row.
    public init(_ inner: DifferentiableModule, tokens: Int) {
        precondition(tokens >= 1, "PerTokenNetwork: at least one token")
        self.inner = inner
        self.tokens = tokens
    }

    public var children: [DifferentiableModule] { [inner] }
    public var inputWidth: Int { tokens * inner.inputWidth }
    public var outputWidth: Int { tokens * inner.outputWidth }
    public var parameterTensors: [ParameterTensor] { inner.parameterTensors.map { $0.prefixed("token.") } }
    public func bind(_ binding: ParameterBinding) { inner.bind(binding) }
    public func initializeParameters(_ rng: inout RandomGenerator) { inner.initializeParameters(&rng) }

    /// The inner module's context, sized for `capacity · tokens` rows.
    public func makeContext(capacity: Int) -> ModuleContext {
        TokenContext(capacity: capacity, inner: inner.makeContext(capacity: capacity * tokens))
    }

    final class TokenContext: ModuleContext {
        let inner: ModuleContext
        init(capacity: Int, inner: ModuleContext) { self.inner = inner; super.init(capacity: capacity) }
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        inner.forward(input: input, output: output, batch: batch * tokens, context: (context as? TokenContext)?.inner, pool: pool)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? TokenContext else { preconditionFailure("PerTokenNetwork: wrong context type") }
        inner.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                       batch: batch * tokens, context: ctx.inner, pool: pool)
    }
}
