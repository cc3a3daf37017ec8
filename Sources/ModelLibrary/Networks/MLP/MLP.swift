import FieldIO
import TensorCore

/// A multi-layer perceptron with tiny-cuda-nn's FullyFusedMLP semantics, for otypes `FullyFusedMLP`,
/// `MegakernelMLP`, `CutlassMLP` and `MLP`.
///
/// Layers: `inputWidth → width` (hidden activation), `hiddenLayers − 1` times `width → width` (hidden
/// activation), `width → outputWidth` (output activation); with `hiddenLayers == 0` a single linear layer
/// `inputWidth → outputWidth` with the output activation. Any positive width; no output padding. No biases
/// unless `useBiases` (our `"use_biases": true` extension; bias tensors are non-matrix, initialised to 0).
///
/// Parameters: `weight0 … weightL` (matrix) then `bias0 … biasL` (non-matrix, only with biases). Weight ℓ
/// is stored row-major as `[in, out]` so the layer is `Y = X·W`: forward is sgemm(N,N), the weight gradient
/// `dW = Xᵀ·dZ` sgemm(T,N) and the input gradient `dX = dZ·Wᵀ` sgemm(N,T) — on this machine those three
/// forms run at the same speed, and this layout needs no transposed copy. Init: Xavier-uniform
/// U(±√(6/(in+out))); with Sine, SIREN: the first layer U(±30/in), the others U(±√(6/in)) (as tcnn).
///
/// Execution (`RowBlockNetwork`): the batch is cut into `RowBlocks.slots` (8) contiguous row ranges that
/// depend only on the batch size; each worker takes whole slots and walks them in blocks of `chunkRows` rows,
/// running **all layers** on a block while it is in cache: one single-threaded sgemm per layer, then bias +
/// activation in place on the block just written. Backward walks the same blocks through the layers in
/// reverse, keeping dL/dz in two per-slot ping-pong blocks, accumulating weight (and bias) gradients into
/// per-slot partial buffers that are added in slot order at the end. So results are bit-identical for any
/// thread count, and runs repeat.
///
/// `forward` with `context == nil` (inference) uses block scratch owned by the module: do not run inference
/// on one MLP from several threads at once (pass a context to each instead).
public final class MLP: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["FullyFusedMLP", "MegakernelMLP", "CutlassMLP", "MLP"]
    /// Rows per block by default (tuned on this machine for 64-wide layers).
    public static let defaultChunkRows = 512

    /// Neurons per hidden layer (`n_neurons`).
    public let width: Int
    /// Hidden layers (`n_hidden_layers`).
    public let hiddenLayers: Int
    /// Activation of the hidden layers.
    public let activation: Activation
    /// Whether layers have biases.
    public let useBiases: Bool
    /// NeuRBF's sine-modulated first layer (`first_activation: "SineResidual"`) instead of the hidden
    /// activation on layer 0, or nil.
    let sineResidual: SineResidual?
    /// The [lowest, highest] frequencies of the sine-modulated first layer, or nil without one.
    public var sineFrequencies: ClosedRange<Float>? { sineResidual?.range }

    /// The dense layers, input first.
    let layers: [DenseLayer]
    /// Columns of a backward scratch block.
    let scratchWidth: Int

    /// An MLP of the given shape (`width ≥ 1`, `hiddenLayers ≥ 0`, positive input/output widths).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 128, hiddenLayers: Int = 5,
                activation: Activation = .relu, outputActivation: Activation = .none, useBiases: Bool = false,
                sineFrequencies: ClosedRange<Float>? = nil, chunkRows: Int = MLP.defaultChunkRows) {
        precondition(width > 0 && hiddenLayers >= 0, "MLP: invalid shape")
        precondition(sineFrequencies == nil || hiddenLayers >= 1, "MLP: a sine-modulated first layer needs a hidden layer")
        sineResidual = sineFrequencies.map { SineResidual(width: width, range: $0) }
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.useBiases = useBiases
        var layout = ParameterLayout()
        layers = DenseLayer.stack(inputWidth: inputWidth, width: width, hiddenLayers: hiddenLayers, outputWidth: outputWidth,
                                  biases: useBiases, layout: &layout)
        scratchWidth = max(width, outputWidth)
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: chunkRows,
                   parameterCount: layout.count,
                   context: MLPContext.self, inferenceScratchPerSlot: 2 * chunkRows * width)
    }

    /// An MLP from tcnn's network keys: `n_neurons` (128), `n_hidden_layers` (5), `activation` ("ReLU"),
    /// `output_activation` ("None"), and our `use_biases` (false), `first_activation` ("Same", or
    /// "SineResidual": NeuRBF's z + sin(z·n) on layer 0) with `sine_frequencies` ([10, 100]).
    /// The caller's factory reads `otype`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let shape = try NetworkConfig.shape(config, width: 128, hiddenLayers: 5, depths: 0...1_000, biases: false)
        let act = try config.choice("activation", Activation.names, default: "ReLU")
        if try config.bool("feedback_alignment", default: false) {
            throw config.error("feedback_alignment", "feedback alignment is not supported")
        }
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        let first = try config.choice("first_activation", ["Same", "SineResidual"], default: "Same")
        var sine: ClosedRange<Float>? = nil
        if first == "SineResidual" {
            guard shape.hiddenLayers >= 1 else {
                throw config.error("first_activation", "SineResidual needs at least one hidden layer (n_hidden_layers ≥ 1)")
            }
            var range: ClosedRange<Float> = 10...100
            if let items = try config.array("sine_frequencies") {
                guard items.count == 2, case .number(let a, _) = items[0], case .number(let b, _) = items[1],
                      a > 0, b >= a, b <= 1e6 else {
                    throw config.error("sine_frequencies", "expected [lowest, highest] with 0 < lowest ≤ highest ≤ 1e6")
                }
                range = Float(a)...Float(b)
            }
            sine = range
        } else if config.has("sine_frequencies") {
            throw config.error("sine_frequencies", "only applies with \"first_activation\": \"SineResidual\"")
        }
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: shape.width, hiddenLayers: shape.hiddenLayers,
                  activation: Activation(name: act)!, outputActivation: shape.outputActivation, useBiases: shape.useBiases,
                  sineFrequencies: sine)
    }

    /// `weight0 … weightL` as `[in, out]` matrices, then `bias0 … biasL` when biases are on.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { $0.element.weightTensor("weight\($0.offset)") }
        if useBiases { t += layers.enumerated().map { $0.element.biasTensor("bias\($0.offset)") } }
        return t
    }

    /// Xavier-uniform weights (SIREN init with Sine), zero biases.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for (l, layer) in layers.enumerated() {
            if activation == .sine {
                let fanIn = Float(layer.inputs)
                let scale = l == 0 ? 30 / fanIn : (6 / fanIn).squareRoot()
                let w = values + layer.weightOffset
                for i in 0..<(layer.inputs * layer.outputs) { w[i] = rng.nextFloat() * 2 * scale - scale }
                if layer.hasBias { (values + layer.biasOffset).update(repeating: 0, count: layer.outputs) }
            } else {
                layer.initializeXavier(values, &rng)
            }
        }
    }

    /// A context holding every hidden activation for `capacity` rows, plus backward scratch.
    public func makeContext(capacity: Int) -> ModuleContext { MLPContext(self, capacity: capacity) }

    // MARK: Forward

    /// All layers on rows `row ..< row + rows`.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let context = context.map { unsafeDowncast($0, to: MLPContext.self) }
        var src = input + row &* inputWidth
        let last = hiddenLayers
        for l in 0...last {
            let dst: UnsafeMutablePointer<Float>
            var derivative: UnsafeMutablePointer<Float>? = nil
            if l == last {
                dst = output + row &* outputWidth
                derivative = outputDerivative(context, row: row)
            } else if let context {
                dst = context.rows(context.hidden, plane: l, row: row, width: width)
                if activation.savesDerivative { derivative = context.rows(context.derivatives, plane: l, row: row, width: width) }
            } else {
                dst = inferenceScratch(slot: slot) + (l & 1) &* chunkRows &* width
            }
            if l == 0 && l != last, let sine = sineResidual {
                layers[0].forward(src, rows: rows, values: values, into: dst, activation: .none, derivative: nil)
                sine.forward(dst, rows: rows, derivative: context.map { $0.rows($0.firstDerivative, plane: 0, row: row, width: width) })
            } else {
                layers[l].forward(src, rows: rows, values: values, into: dst, activation: l == last ? outputActivation : activation,
                                  derivative: derivative)
            }
            src = UnsafePointer(dst)
        }
    }

    // MARK: Backward

    /// All layers, in reverse, on rows `row ..< row + rows`.
    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let context = unsafeDowncast(context, to: MLPContext.self)
        let ping = context.scratch(slot: slot)
        denseStackBackward(layers, input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                           row: row, rows: rows, first: first, values: values, partial: context.partials(slot: slot),
                           context: context, ping: ping, pong: ping + chunkRows &* scratchWidth,
                           hidden: { UnsafePointer(context.rows(context.hidden, plane: $0, row: row, width: width)) }) { l, g in
            // Through the hidden activation of layer l (from its output, or its saved derivative).
            if l == 0, let sine = sineResidual {
                sine.backward(g, derivative: context.rows(context.firstDerivative, plane: 0, row: row, width: width), count: rows &* width)
                return
            }
            let deriv = activation.savesDerivative ? UnsafePointer(context.rows(context.derivatives, plane: l, row: row, width: width)) : nil
            activation.backward(g, output: context.rows(context.hidden, plane: l, row: row, width: width), derivative: deriv,
                                count: rows &* width)
        }
    }
}
