import TensorCore

/// An encoding followed by a network, as one module (tiny-cuda-nn's `NetworkWithInputEncoding`).
/// Parameters are the encoding's (prefixed `encoding.`) then the network's (prefixed `network.`).
public final class EncodedNetwork: CompositeModule {
    /// The input encoding.
    public let encoding: DifferentiableModule
    /// The network fed with the encoded features.
    public let network: DifferentiableModule

    /// Chains `encoding` into `network`; their widths must agree.
    public init(encoding: DifferentiableModule, network: DifferentiableModule) {
        precondition(encoding.outputWidth == network.inputWidth, "EncodedNetwork: width mismatch")
        self.encoding = encoding
        self.network = network
    }

    public var children: [DifferentiableModule] { [encoding, network] }

    public var inputWidth: Int { encoding.inputWidth }
    public var outputWidth: Int { network.outputWidth }

    public var parameterTensors: [ParameterTensor] {
        encoding.parameterTensors.map { $0.prefixed("encoding.") } + network.parameterTensors.map { $0.prefixed("network.") }
    }

    public func bind(_ binding: ParameterBinding) {
        encoding.bind(binding)
        network.bind(binding.advanced(by: encoding.parameterCount))
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        var encodingRNG = rng.fork(1)
        var networkRNG = rng.fork(2)
        encoding.initializeParameters(&encodingRNG)
        network.initializeParameters(&networkRNG)
    }

    /// Scratch for the chain: the encoded batch, its gradient, and both children's contexts.
    final class Context: ModuleContext {
        let encoded: FloatBuffer
        let encodedGradient: FloatBuffer
        let encodingContext: ModuleContext
        let networkContext: ModuleContext
        /// Inference scratch, grown on first use by `forward(context: nil)` callers through `inferenceScratch`.
        init(capacity: Int, encoding: DifferentiableModule, network: DifferentiableModule) {
            encoded = FloatBuffer(count: capacity * encoding.outputWidth)
            encodedGradient = FloatBuffer(count: capacity * encoding.outputWidth)
            encodingContext = encoding.makeContext(capacity: capacity)
            networkContext = network.makeContext(capacity: capacity)
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext {
        Context(capacity: capacity, encoding: encoding, network: network)
    }

    /// Scratch for inference batches (the encoded features), sized on demand outside training steps.
    private var inferenceScratch = FloatBuffer(count: 0)

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        if let ctx = context as? Context {
            precondition(batch <= ctx.capacity, "EncodedNetwork: batch larger than the context")
            encoding.forward(input: input, output: ctx.encoded.pointer, batch: batch, context: ctx.encodingContext, pool: pool)
            network.forward(input: ctx.encoded.pointer, output: output, batch: batch, context: ctx.networkContext, pool: pool)
        } else {
            let needed = batch * encoding.outputWidth
            if inferenceScratch.count < needed { inferenceScratch = FloatBuffer(count: needed) }
            encoding.forward(input: input, output: inferenceScratch.pointer, batch: batch, context: nil, pool: pool)
            network.forward(input: inferenceScratch.pointer, output: output, batch: batch, context: nil, pool: pool)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context else { preconditionFailure("EncodedNetwork: wrong context type") }
        let encodingNeedsGradient = encoding.parameterCount > 0 || inputGradient != nil
        network.backward(input: ctx.encoded.pointer, output: output, outputGradient: outputGradient,
                         inputGradient: encodingNeedsGradient ? ctx.encodedGradient.pointer : nil,
                         batch: batch, context: ctx.networkContext, pool: pool)
        if encodingNeedsGradient {
            encoding.backward(input: input, output: ctx.encoded.pointer, outputGradient: ctx.encodedGradient.pointer,
                              inputGradient: inputGradient, batch: batch, context: ctx.encodingContext, pool: pool)
        }
    }
}
