import FieldIO
import TensorCore

/// An MLP whose hidden activation is a learnable PolyCom polynomial (`PolyReLU` or `PolyNorm` of order
/// `degree`, degree + 1 coefficients per hidden layer), otype `PolyMLP`. The MLP otypes (`FullyFusedMLP`, `MLP`, …) with
/// `"activation": "PolyReLU"` or `"PolyNorm"` build this network too (the factory routes them here), so a
/// tcnn config can switch activation without changing otype.
///
/// Layers as `MLP`: `in → width` (PolyCom), `hiddenLayers − 1` × `width → width` (PolyCom), `width → out`
/// (output activation); weights `[in, out]`, Xavier-uniform; optional biases (zero-initialised).
///
/// Parameters: `weight0 … weightL` (matrix), with `use_biases` `bias0 … biasL`, then `poly0 … poly{L−1}`
/// (non-matrix, `[degree + 1]` = a0…a_degree, init 0 then 1/degree: 0, 1/3, 1/3, 1/3 at the paper's order 3). Row blocks in fixed slots and per-slot gradient
/// partials (coefficients included) added in slot order: deterministic for any thread count.
/// `forward(context: nil)` uses module-owned scratch (one inference at a time per instance).
public final class PolyMLP: DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["PolyMLP"]

    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// Neurons per hidden layer.
    public let width: Int
    /// Hidden layers (each followed by its own PolyCom activation).
    public let hiddenLayers: Int
    /// The learnable activation.
    public let activation: PolyCom
    /// The polynomial's order r (coefficients a0…ar).
    public let degree: Int
    /// Activation of the output layer.
    public let outputActivation: Activation
    /// Whether layers have biases.
    public let useBiases: Bool
    /// Rows per block.
    public let chunkRows: Int

    let layers: [DenseLayer]
    /// Offset of hidden layer ℓ's coefficients.
    let coefficientOffsets: [Int]
    let parameterCountStored: Int
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A network of the given shape (positive widths, `hiddenLayers ≥ 1`, `degree` in `PolyCom.degrees`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, activation: PolyCom = .polyReLU,
                degree: Int = PolyCom.defaultDegree, outputActivation: Activation = .none, useBiases: Bool = false,
                chunkRows: Int = 256) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && hiddenLayers >= 1 && chunkRows >= 8
                     && PolyCom.degrees.contains(degree), "PolyMLP: invalid shape")
        self.degree = degree
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.outputActivation = outputActivation
        self.useBiases = useBiases
        self.chunkRows = chunkRows
        var offset = 0
        var ls: [DenseLayer] = []
        for l in 0...hiddenLayers {
            let i = l == 0 ? inputWidth : width, o = l == hiddenLayers ? outputWidth : width
            ls.append(DenseLayer(inputs: i, outputs: o, weightOffset: offset, biasOffset: -1))
            offset += i * o
        }
        if useBiases { for l in ls.indices { ls[l].biasOffset = offset; offset += ls[l].outputs } }
        var co: [Int] = []
        for _ in 0..<hiddenLayers { co.append(offset); offset += degree + 1 }
        layers = ls
        coefficientOffsets = co
        parameterCountStored = offset
        inferenceScratch = FloatBuffer(count: RowBlocks.slots * 2 * chunkRows * width)
    }

    /// A network from the keys `n_neurons` (64), `n_hidden_layers` (2, ≥ 1), `activation` ("PolyReLU" or
    /// "PolyNorm"; default PolyReLU, which fits fields far better here — docs/decoders.md), `degree` (3, in 1…6), `output_activation` ("None"), `use_biases` (false).
    /// Errors name the key.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let width = try config.int("n_neurons", default: 64, in: 1...65_536)
        let hidden = try config.int("n_hidden_layers", default: 2, in: 1...1_000)
        let act = try config.choice("activation", PolyCom.names, default: "PolyReLU")
        let degree = try config.int("degree", default: PolyCom.defaultDegree, in: PolyCom.degrees)
        let outAct = try config.choice("output_activation", Activation.names, default: "None")
        let biases = try config.bool("use_biases", default: false)
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: width, hiddenLayers: hidden,
                  activation: PolyCom(name: act)!, degree: degree, outputActivation: Activation(name: outAct)!, useBiases: biases)
    }

    /// Weights, biases (when on), then the coefficients of each hidden layer.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { ParameterTensor("weight\($0.offset)", shape: [$0.element.inputs, $0.element.outputs], kind: .matrix) }
        if useBiases {
            t += layers.enumerated().map { ParameterTensor("bias\($0.offset)", shape: [$0.element.outputs], kind: .nonMatrix) }
        }
        t += (0..<hiddenLayers).map { ParameterTensor("poly\($0)", shape: [degree + 1], kind: .nonMatrix) }
        return t
    }

    /// The total number of parameters.
    public var parameterCount: Int { parameterCountStored }

    /// Points the network at its parameter slice.
    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Xavier-uniform weights, zero biases, PolyCom's initial coefficients.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let values else { preconditionFailure("PolyMLP.initializeParameters before bind") }
        for layer in layers { layer.initializeXavier(values, &rng) }
        let initial = PolyCom.initialCoefficients(degree: degree)
        for o in coefficientOffsets {
            for k in 0...degree { values[o + k] = initial[k] }
        }
    }

    /// What the training forward pass saves, plus backward scratch.
    final class Context: ModuleContext {
        /// Pre-activations per hidden layer, `[hiddenLayers][capacity][width]`.
        let preActivations: FloatBuffer
        /// Activations per hidden layer, same layout.
        let hidden: FloatBuffer
        /// PolyNorm's rstd per hidden layer, `[hiddenLayers][capacity][degree]`.
        let rstd: FloatBuffer
        /// The output activation's saved derivative.
        let outputDerivative: FloatBuffer
        /// Per slot, two ping-pong blocks `[chunk][max(width, out)]`.
        let scratch: FloatBuffer
        /// Per-slot parameter-gradient partials.
        let partials: FloatBuffer

        init(_ n: PolyMLP, capacity: Int) {
            let cap = max(capacity, 0)
            preActivations = FloatBuffer(count: n.hiddenLayers * cap * n.width)
            hidden = FloatBuffer(count: n.hiddenLayers * cap * n.width)
            rstd = FloatBuffer(count: n.hiddenLayers * cap * n.activation.savedPerRow(degree: n.degree))
            outputDerivative = FloatBuffer(count: n.outputActivation.savesDerivative ? cap * n.outputWidth : 0)
            scratch = FloatBuffer(count: RowBlocks.slots * n.scratchPerSlot)
            partials = FloatBuffer(count: RowBlocks.slots * n.parameterCountStored)
            super.init(capacity: cap)
        }
    }

    var scratchPerSlot: Int { 2 * chunkRows * max(width, outputWidth) }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// Computes the output batch; with a context, saves what backward needs.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let values else { preconditionFailure("PolyMLP.forward before bind") }
        if batch <= 0 { return }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "PolyMLP")
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, _ in
            forwardBlock(input: input, output: output, row: row, rows: rows, slot: slot, values: values, context: ctx)
        }
    }

    @inline(__always)
    private func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                              slot: Int, values: UnsafeMutablePointer<Float>, context: Context?) {
        var src = input + row &* inputWidth
        for l in 0..<hiddenLayers {
            let pre: UnsafeMutablePointer<Float>, post: UnsafeMutablePointer<Float>
            var rstd: UnsafeMutablePointer<Float>? = nil
            if let context {
                let plane = (l &* context.capacity &+ row) &* width
                pre = context.preActivations.pointer + plane
                post = context.hidden.pointer + plane
                if activation == .polyNorm { rstd = context.rstd.pointer + (l &* context.capacity &+ row) &* degree }
            } else {
                pre = inferenceScratch.pointer + (slot &* 2 &+ (l & 1)) &* chunkRows &* width
                post = pre
            }
            layers[l].forward(src, rows: rows, values: values, into: pre, activation: .none, derivative: nil)
            activation.forward(pre, into: post, rows: rows, width: width, degree: degree,
                               coefficients: values + coefficientOffsets[l], rstd: rstd)
            src = UnsafePointer(post)
        }
        var derivative: UnsafeMutablePointer<Float>? = nil
        if let context, outputActivation.savesDerivative { derivative = context.outputDerivative.pointer + row &* outputWidth }
        layers[hiddenLayers].forward(src, rows: rows, values: values, into: output + row &* outputWidth,
                                     activation: outputActivation, derivative: derivative)
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates weight, bias and coefficient gradients and, when asked,
    /// overwrites `inputGradient`.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let values, let gradients else { preconditionFailure("PolyMLP.backward before bind") }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "PolyMLP")!
        if batch <= 0 { return }
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, first in
            backwardBlock(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                          row: row, rows: rows, slot: slot, first: first, values: values, context: ctx)
        }
        RowBlocks.reducePartials(ctx.partials.pointer, count: parameterCountStored,
                                 used: RowBlocks.usedSlots(batch: batch, chunkRows: chunkRows), into: gradients, pool: pool)
    }

    @inline(__always)
    private func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                               values: UnsafeMutablePointer<Float>, context: Context) {
        let half = scratchPerSlot / 2
        var ping = context.scratch.pointer + slot &* scratchPerSlot
        var pong = ping + half
        let partial = context.partials.pointer + slot &* parameterCountStored
        let cap = context.capacity

        var dz = outputGradient + row &* outputWidth
        if outputActivation != .none {
            let deriv = outputActivation.savesDerivative ? UnsafePointer(context.outputDerivative.pointer + row &* outputWidth) : nil
            outputActivation.backward(from: dz, output: output + row &* outputWidth, derivative: deriv,
                                      into: ping, count: rows &* outputWidth)
            dz = UnsafePointer(ping)
            swap(&ping, &pong)
        }
        var l = hiddenLayers
        while l >= 0 {
            let layer = layers[l]
            let src: UnsafePointer<Float> = l == 0 ? input + row &* inputWidth
                                                   : UnsafePointer(context.hidden.pointer + ((l &- 1) &* cap &+ row) &* width)
            layer.accumulateGradients(input: src, ldx: layer.inputs, outputGradient: dz, ldz: layer.outputs, rows: rows,
                                      partial: partial, overwrite: first)
            if l == 0 {
                if let inputGradient {
                    layer.inputGradient(dz, ldz: layer.outputs, rows: rows, values: values,
                                        into: inputGradient + row &* inputWidth, ldx: inputWidth)
                }
            } else {
                layer.inputGradient(dz, ldz: layer.outputs, rows: rows, values: values, into: ping, ldx: width)
                let plane = ((l &- 1) &* cap &+ row) &* width
                let rstd = activation == .polyNorm ? UnsafePointer(context.rstd.pointer + ((l &- 1) &* cap &+ row) &* degree) : nil
                let co = coefficientOffsets[l - 1]
                activation.backward(ping, preActivation: context.preActivations.pointer + plane, rstd: rstd,
                                    rows: rows, width: width, degree: degree, coefficients: values + co, into: ping,
                                    coefficientGradient: partial + co, overwrite: first)
                dz = UnsafePointer(ping)
                swap(&ping, &pong)
            }
            l -= 1
        }
    }
}
