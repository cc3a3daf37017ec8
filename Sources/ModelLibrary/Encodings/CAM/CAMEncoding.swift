import FieldIO
import TensorCore

/// CAM as an encoding (otype `CAM`): a nested encoding (e.g. Frequency or HashGrid) followed by a `CAMTrunk`
/// whose grids are indexed by the raw input point, so the modulated features can feed **any** decoder
/// from the factory (its output is `n_neurons` wide). The paper's image model is this with an RFF/Frequency
/// encoding, 3 modulated layers and a linear (sigmoid) output network — an MLP with `n_hidden_layers` 0.
///
/// Parameters: `encoding.*` (the nested encoding's) then `cam.*` (the trunk's). dL/dinput adds the nested
/// encoding's input gradient and the grids' coordinate gradient.
public final class CAMEncoding: CompositeModule {
    /// The nested encoding of the input point.
    public let encoding: DifferentiableModule
    /// The modulated layers (grids indexed by the input point).
    public let trunk: CAMTrunk

    /// `encoding` then `trunk`; the trunk takes the encoding's output and the encoding's input as coordinates.
    public init(encoding: DifferentiableModule, trunk: CAMTrunk) {
        precondition(trunk.featureWidth == encoding.outputWidth && trunk.coordinateWidth == encoding.inputWidth,
                     "CAMEncoding: widths do not match")
        self.encoding = encoding
        self.trunk = trunk
    }

    /// Reads `encoding` (the nested encoding object, built by `makeNested`) and the trunk's keys (see
    /// `CAMTrunk.init(config:…)`); the grid is indexed by the `inputWidth`-D input point.
    public convenience init(config: ConfigObject, inputWidth: Int,
                            makeNested: (ConfigObject, Int) throws(FieldError) -> DifferentiableModule) throws(FieldError) {
        guard let nestedConfig = try config.object("encoding") else {
            throw config.error("encoding", "missing: CAM needs a nested encoding of the input, e.g. {\"otype\": \"Frequency\"}")
        }
        let nested = try makeNested(nestedConfig, inputWidth)
        let trunk = try CAMTrunk(config: config, featureWidth: nested.outputWidth, coordinateWidth: inputWidth,
                                 coordinates: "input of this task", defaultResolution: [inputWidth == 2 ? 32 : 64])
        self.init(encoding: nested, trunk: trunk)
    }

    public var inputWidth: Int { encoding.inputWidth }
    public var outputWidth: Int { trunk.width }
    /// The nested encoding (the trunk holds no nested modules).
    public var children: [DifferentiableModule] { [encoding] }

    public var parameterTensors: [ParameterTensor] {
        encoding.parameterTensors.map { $0.prefixed("encoding.") } + trunk.parameterTensors.map { $0.prefixed("cam.") }
    }

    public func bind(_ binding: ParameterBinding) {
        encoding.bind(binding)
        trunk.bind(binding.advanced(by: encoding.parameterCount))
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        var e = rng.fork(1), t = rng.fork(2)
        encoding.initializeParameters(&e)
        trunk.initializeParameters(&t)
    }

    /// The encoded batch and its gradient, the trunk's coordinate gradient, and the children's contexts.
    final class Context: ModuleContext {
        let encoded, encodedGradient, coordinateGradient: FloatBuffer
        let encodingContext: ModuleContext?
        let trunkContext: CAMTrunk.Context?
        init(capacity: Int, cam: CAMEncoding, training: Bool) {
            let t = training ? capacity : 0
            encoded = FloatBuffer(count: capacity * cam.encoding.outputWidth)
            encodedGradient = FloatBuffer(count: t * cam.encoding.outputWidth)
            coordinateGradient = FloatBuffer(count: t * cam.inputWidth)
            encodingContext = training ? cam.encoding.makeContext(capacity: capacity) : nil
            trunkContext = training ? cam.trunk.makeContext(capacity: capacity) : nil
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, cam: self, training: true) }

    /// Inference scratch, grown (outside training steps) when a larger batch arrives.
    private var inferenceScratch: Context?

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let ctx: Context
        if let c = context as? Context {
            precondition(batch <= c.capacity, "CAMEncoding: batch larger than the context")
            ctx = c
        } else {
            if inferenceScratch == nil || inferenceScratch!.capacity < batch {
                inferenceScratch = Context(capacity: batch, cam: self, training: false)
            }
            ctx = inferenceScratch!
        }
        encoding.forward(input: input, output: ctx.encoded.pointer, batch: batch, context: ctx.encodingContext, pool: pool)
        trunk.forward(features: ctx.encoded.pointer, coordinates: input, output: output, batch: batch, context: ctx.trunkContext,
                      pool: pool)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context, let trunkContext = ctx.trunkContext, let encodingContext = ctx.encodingContext else {
            preconditionFailure("CAMEncoding: wrong context type")
        }
        guard batch > 0 else { return }
        let wantsInput = inputGradient != nil
        let encodingNeedsGradient = encoding.parameterCount > 0 || wantsInput
        trunk.backward(features: ctx.encoded.pointer, coordinates: input, output: output, outputGradient: outputGradient,
                       featureGradient: encodingNeedsGradient ? ctx.encodedGradient.pointer : nil,
                       coordinateGradient: wantsInput ? ctx.coordinateGradient.pointer : nil,
                       batch: batch, context: trunkContext, pool: pool)
        if encodingNeedsGradient {
            encoding.backward(input: input, output: ctx.encoded.pointer, outputGradient: ctx.encodedGradient.pointer,
                              inputGradient: inputGradient,
                              batch: batch, context: encodingContext, pool: pool)
        }
        guard let dx = inputGradient else { return }
        // The encoding wrote its input gradient into dx; add the trunk's coordinate gradient.
        let b = ctx.coordinateGradient.pointer
        let n = batch * inputWidth
        pool.parallelRanges(n, granularity: 1_024) { _, range in
            for i in range { dx[i] += b[i] }
        }
    }
}
