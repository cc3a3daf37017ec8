import FieldIO
import TensorCore

/// An MLP whose hidden activation is a learnable PolyCom polynomial (`PolyReLU` or `PolyNorm` of order
/// `degree`, degree + 1 coefficients per hidden layer), otype `PolyMLP`. The MLP otypes (`FullyFusedMLP`, `MLP`, …)
/// with `"activation": "PolyReLU"` or `"PolyNorm"` build this network too (the factory routes them here), so a
/// tcnn config can switch activation without changing otype.
///
/// Layers as `MLP`: `in → width` (PolyCom), `hiddenLayers − 1` × `width → width` (PolyCom), `width → out`
/// (output activation); weights `[in, out]`, Xavier-uniform; optional biases (zero-initialised).
///
/// Parameters: `weight0 … weightL` (matrix), with `use_biases` `bias0 … biasL`, then `poly0 … poly{L−1}`
/// (non-matrix, `[degree + 1]` = a0…a_degree, init 0 then 1/degree: 0, 1/3, 1/3, 1/3 at the paper's order 3).
/// Row blocks in fixed slots and per-slot gradient partials (coefficients included) added in slot order
/// (`RowBlockNetwork`): deterministic for any thread count. `forward(context: nil)` uses module-owned
/// scratch (one inference at a time per instance).
public final class PolyMLP: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["PolyMLP"]

    /// Neurons per hidden layer.
    public let width: Int
    /// Hidden layers (each followed by its own PolyCom activation).
    public let hiddenLayers: Int
    /// The learnable activation.
    public let activation: PolyCom
    /// The polynomial's order r (coefficients a0…ar).
    public let degree: Int
    /// Whether layers have biases.
    public let useBiases: Bool

    /// The dense layers, input first.
    let layers: [DenseLayer]
    /// Offset of hidden layer ℓ's coefficients.
    let coefficientOffsets: [Int]

    /// A network of the given shape (positive widths, `hiddenLayers ≥ 1`, `degree` in `PolyCom.degrees`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, activation: PolyCom = .polyReLU,
                degree: Int = PolyCom.defaultDegree, outputActivation: Activation = .none, useBiases: Bool = false,
                chunkRows: Int = 256) {
        precondition(width > 0 && hiddenLayers >= 1 && PolyCom.degrees.contains(degree), "PolyMLP: invalid shape")
        self.degree = degree
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.useBiases = useBiases
        var layout = ParameterLayout()
        layers = DenseLayer.stack(inputWidth: inputWidth, width: width, hiddenLayers: hiddenLayers, outputWidth: outputWidth,
                                  biases: useBiases, layout: &layout)
        coefficientOffsets = (0..<hiddenLayers).map { _ in layout.take(degree + 1) }
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: chunkRows,
                   parameterCount: layout.count,
                   context: Context.self, inferenceScratchPerSlot: 2 * chunkRows * width)
    }

    /// A network from the keys `n_neurons` (64), `n_hidden_layers` (2, ≥ 1), `activation` ("PolyReLU" or
    /// "PolyNorm"; default PolyReLU, which fits fields far better here — docs/decoders.md), `degree` (3, in
    /// 1…6), `output_activation` ("None"), `use_biases` (false). Errors name the key.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let shape = try NetworkConfig.shape(config, biases: false)
        let act = try config.choice("activation", PolyCom.names, default: "PolyReLU")
        let degree = try config.int("degree", default: PolyCom.defaultDegree, in: PolyCom.degrees)
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: shape.width, hiddenLayers: shape.hiddenLayers,
                  activation: PolyCom(name: act)!, degree: degree, outputActivation: shape.outputActivation,
                  useBiases: shape.useBiases)
    }

    /// Weights, then (with biases) biases, then each hidden layer's coefficients.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { $0.element.weightTensor("weight\($0.offset)") }
        if useBiases { t += layers.enumerated().map { $0.element.biasTensor("bias\($0.offset)") } }
        t += (0..<hiddenLayers).map { ParameterTensor("poly\($0)", shape: [degree + 1], kind: .nonMatrix) }
        return t
    }

    /// Xavier-uniform weights, zero biases, PolyCom's initial coefficients.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for layer in layers { layer.initializeXavier(values, &rng) }
        let initial = PolyCom.initialCoefficients(degree: degree)
        for o in coefficientOffsets {
            for k in 0...degree { values[o + k] = initial[k] }
        }
    }

    /// What the training forward pass saves, plus backward scratch (per slot, two ping-pong blocks
    /// `[chunk][max(width, out)]`).
    final class Context: RowBlockContext {
        /// Pre-activations per hidden layer, `[hiddenLayers][capacity][width]`.
        let preActivations: FloatBuffer
        /// Activations per hidden layer, same layout.
        let hidden: FloatBuffer
        /// PolyNorm's rstd per hidden layer, `[hiddenLayers][capacity][degree]`.
        let rstd: FloatBuffer

        init(_ n: PolyMLP, capacity: Int) {
            let cap = max(capacity, 0)
            preActivations = FloatBuffer(count: n.hiddenLayers * cap * n.width)
            hidden = FloatBuffer(count: n.hiddenLayers * cap * n.width)
            rstd = FloatBuffer(count: n.hiddenLayers * cap * n.activation.savedPerRow(degree: n.degree))
            super.init(n, capacity: cap, scratchPerSlot: 2 * n.chunkRows * max(n.width, n.outputWidth))
        }
    }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// The forward pass on one block of rows.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let context = context.map { unsafeDowncast($0, to: Context.self) }
        var src = input + row &* inputWidth
        for l in 0..<hiddenLayers {
            let pre: UnsafeMutablePointer<Float>, post: UnsafeMutablePointer<Float>
            var rstd: UnsafeMutablePointer<Float>? = nil
            if let context {
                pre = context.rows(context.preActivations, plane: l, row: row, width: width)
                post = context.rows(context.hidden, plane: l, row: row, width: width)
                if activation == .polyNorm { rstd = context.rows(context.rstd, plane: l, row: row, width: degree) }
            } else {
                pre = inferenceScratch(slot: slot) + (l & 1) &* chunkRows &* width
                post = pre
            }
            layers[l].forward(src, rows: rows, values: values, into: pre, activation: .none, derivative: nil)
            activation.forward(pre, into: post, rows: rows, width: width, degree: degree,
                               coefficients: values + coefficientOffsets[l], rstd: rstd)
            src = UnsafePointer(post)
        }
        layers[hiddenLayers].forward(src, rows: rows, values: values, into: output + row &* outputWidth,
                                     activation: outputActivation, derivative: outputDerivative(context, row: row))
    }

    // MARK: Backward

    /// The backward pass on one block of rows.
    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let context = unsafeDowncast(context, to: Context.self)
        let ping = context.scratch(slot: slot), partial = context.partials(slot: slot)
        denseStackBackward(layers, input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                           row: row, rows: rows, first: first, values: values, partial: partial, context: context,
                           ping: ping, pong: ping + context.scratchPerSlot / 2,
                           hidden: { UnsafePointer(context.rows(context.hidden, plane: $0, row: row, width: width)) }) { l, g in
            // Through PolyCom (from the saved pre-activation), adding the coefficients' gradients.
            let rstd = activation == .polyNorm ? UnsafePointer(context.rows(context.rstd, plane: l, row: row, width: degree)) : nil
            let co = coefficientOffsets[l]
            activation.backward(g, preActivation: context.rows(context.preActivations, plane: l, row: row, width: width),
                                rstd: rstd, rows: rows, width: width, degree: degree, coefficients: values + co, into: g,
                                coefficientGradient: partial + co, overwrite: first)
        }
    }
}
