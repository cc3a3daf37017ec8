import FieldIO
import TensorCore

/// A network of quadratic neurons (Fan et al., "Expressivity and Trainability of Quadratic Networks"),
/// otype `QuadraticMLP`, trained the ReLinear way.
///
/// Every layer (hidden and output) is `y = σ((x·W_r + b_r) ⊙ (x·W_g + b_g) + (x⊙x)·W_b + c)`, with the hidden
/// activation on hidden layers and the output activation on the last. Shapes as `MLP` (`in → width`,
/// `hiddenLayers − 1` × `width → width`, `width → out`; `hiddenLayers` may be 0).
///
/// ReLinear: init W_r Kaiming-normal N(0, 2/fan-in), b_r = 0, W_g = 0, b_g = 1, W_b = 0, c = 0, so the
/// network starts as a plain (biased) MLP; the quadratic groups g (W_g, b_g) and b (W_b, c) then train at
/// `quadratic_lr_scale` × the optimizer's learning rate (their tensors carry `learningRateScale`, which Adam
/// honours), the "shrunk learning rate" of the paper (its SGD used 1e-5 against 0.1; with Adam's normalised
/// steps we default to 0.1 — see docs/decoders.md for the measurements behind it).
///
/// Parameters, per layer ℓ: `layer<ℓ>.weight_r`, `layer<ℓ>.weight_g`, `layer<ℓ>.weight_b` (matrix `[in, out]`),
/// then per layer `layer<ℓ>.bias_r`, `layer<ℓ>.bias_g`, `layer<ℓ>.bias_c` (non-matrix `[out]`). Biases are
/// part of the neuron, always on. Row blocks in fixed slots with per-slot gradient partials added in order
/// (`RowBlockNetwork`): deterministic for any thread count; `forward(context: nil)` uses module-owned scratch.
public final class QuadraticMLP: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["QuadraticMLP"]
    /// The default learning-rate multiplier of the quadratic groups.
    public static let defaultQuadraticLearningRateScale: Float = 0.1

    /// Neurons per hidden layer.
    public let width: Int
    /// Hidden layers.
    public let hiddenLayers: Int
    /// Activation of the hidden layers.
    public let activation: Activation
    /// Learning-rate multiplier of the g and b groups.
    public let quadraticLearningRateScale: Float

    /// One quadratic layer: three dense maps (r with b_r, g with b_g, b with c).
    struct Layer {
        var r: DenseLayer
        var g: DenseLayer
        var b: DenseLayer
        var inputs: Int { r.inputs }
        var outputs: Int { r.outputs }
    }

    /// The quadratic layers, input first.
    let layers: [Layer]
    /// Widest input and output over the layers.
    let widestInput: Int
    let widestOutput: Int

    /// A network of the given shape (positive widths, `hiddenLayers ≥ 0`, scale in [0, 1]).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, activation: Activation = .relu,
                outputActivation: Activation = .none,
                quadraticLearningRateScale: Float = QuadraticMLP.defaultQuadraticLearningRateScale, chunkRows: Int = 256) {
        precondition(width > 0 && hiddenLayers >= 0 && (0...1).contains(quadraticLearningRateScale), "QuadraticMLP: invalid shape")
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.quadraticLearningRateScale = quadraticLearningRateScale
        var layout = ParameterLayout()
        var ls: [Layer] = (0...hiddenLayers).map { l in
            let i = l == 0 ? inputWidth : width, o = l == hiddenLayers ? outputWidth : width
            return Layer(r: DenseLayer(inputs: i, outputs: o, layout: &layout), g: DenseLayer(inputs: i, outputs: o, layout: &layout),
                         b: DenseLayer(inputs: i, outputs: o, layout: &layout))
        }
        for l in ls.indices {
            ls[l].r.placeBias(&layout)
            ls[l].g.placeBias(&layout)
            ls[l].b.placeBias(&layout)
        }
        layers = ls
        let wi = max(inputWidth, hiddenLayers > 0 ? width : 0), wo = max(outputWidth, hiddenLayers > 0 ? width : 0)
        widestInput = wi
        widestOutput = wo
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: chunkRows,
                   parameterCount: layout.count,
                   context: Context.self, inferenceScratchPerSlot: chunkRows * (2 * wo + wi + 2 * width))
    }

    /// A network from the keys `n_neurons` (64), `n_hidden_layers` (2), `activation` ("ReLU"),
    /// `output_activation` ("None") and `quadratic_lr_scale` (0.1, in [0, 1]). Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let shape = try NetworkConfig.shape(config, depths: 0...1_000, biases: nil)
        let act = try config.choice("activation", Activation.names, default: "ReLU")
        let scale = try config.double("quadratic_lr_scale", default: Double(QuadraticMLP.defaultQuadraticLearningRateScale),
                                      in: 0...1)
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: shape.width, hiddenLayers: shape.hiddenLayers,
                  activation: Activation(name: act)!, outputActivation: shape.outputActivation,
                  quadraticLearningRateScale: Float(scale))
    }

    /// Per layer the three weight matrices, then per layer the three biases; the g and b groups carry the
    /// quadratic learning-rate scale.
    public var parameterTensors: [ParameterTensor] {
        let s = quadraticLearningRateScale
        var t: [ParameterTensor] = []
        for (l, layer) in layers.enumerated() {
            t += [layer.r.weightTensor("layer\(l).weight_r"), layer.g.weightTensor("layer\(l).weight_g", learningRateScale: s),
                  layer.b.weightTensor("layer\(l).weight_b", learningRateScale: s)]
        }
        for (l, layer) in layers.enumerated() {
            t += [layer.r.biasTensor("layer\(l).bias_r"), layer.g.biasTensor("layer\(l).bias_g", learningRateScale: s),
                  layer.b.biasTensor("layer\(l).bias_c", learningRateScale: s)]
        }
        return t
    }

    /// ReLinear: W_r Kaiming-normal, b_r = 0, W_g = 0, b_g = 1, W_b = 0, c = 0.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for layer in layers {
            let n = layer.inputs * layer.outputs, o = layer.outputs
            let std = (2 / Float(layer.inputs)).squareRoot()
            let wr = values + layer.r.weightOffset
            for i in 0..<n { wr[i] = rng.nextGaussian() * std }
            (values + layer.g.weightOffset).update(repeating: 0, count: n)
            (values + layer.b.weightOffset).update(repeating: 0, count: n)
            (values + layer.r.biasOffset).update(repeating: 0, count: o)
            (values + layer.g.biasOffset).update(repeating: 1, count: o)
            (values + layer.b.biasOffset).update(repeating: 0, count: o)
        }
    }

    /// What the training forward pass saves, plus backward scratch (per slot: dz, dR, dG, next-dz blocks
    /// `[chunk][widest]` and a `[chunk][widestInput]` block).
    final class Context: RowBlockContext {
        /// Per layer `[capacity][out]` each: R = x·W_r + b_r and G = x·W_g + b_g (offsets in `factorOffsets`).
        let factors: FloatBuffer
        /// Start of layer ℓ's R (G follows after capacity·out).
        let factorOffsets: [Int]
        /// Hidden-layer outputs, `[hiddenLayers][capacity][width]`.
        let hidden: FloatBuffer
        /// Saved hidden-activation derivatives (when the activation saves them).
        let derivatives: FloatBuffer

        init(_ n: QuadraticMLP, capacity: Int) {
            let cap = max(capacity, 0)
            var offsets: [Int] = []
            var total = 0
            for layer in n.layers { offsets.append(total); total += 2 * cap * layer.outputs }
            factors = FloatBuffer(count: total)
            factorOffsets = offsets
            hidden = FloatBuffer(count: n.hiddenLayers * cap * n.width)
            derivatives = FloatBuffer(count: n.activation.savesDerivative ? n.hiddenLayers * cap * n.width : 0)
            super.init(n, capacity: cap, scratchPerSlot: n.chunkRows * (4 * max(n.widestOutput, n.widestInput) + n.widestInput))
        }
    }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// The forward pass on one block of rows.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let context = context.map { unsafeDowncast($0, to: Context.self) }
        let c = chunkRows
        let scratch = inferenceScratch(slot: slot)
        let squares = scratch + 2 &* c &* widestOutput
        var src = input + row &* inputWidth
        for l in 0...hiddenLayers {
            let layer = layers[l]
            let o = layer.outputs
            let last = l == hiddenLayers
            let act = last ? outputActivation : activation
            let r: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>
            var derivative: UnsafeMutablePointer<Float>? = nil
            if let context {
                let cap = context.capacity
                r = context.factors.pointer + context.factorOffsets[l] + row &* o
                g = r + cap &* o
                if last {
                    y = output + row &* outputWidth
                    derivative = outputDerivative(context, row: row)
                } else {
                    y = context.rows(context.hidden, plane: l, row: row, width: width)
                    if act.savesDerivative { derivative = context.rows(context.derivatives, plane: l, row: row, width: width) }
                }
            } else {
                r = scratch
                g = scratch + c &* widestOutput
                y = last ? output + row &* outputWidth : squares + c &* widestInput + (l & 1) &* c &* width
            }
            let i = layer.inputs
            QuadraticMLP.square(src, count: rows &* i, into: squares)
            layer.r.multiply(src, ldx: i, rows: rows, values: values, into: r, ldy: o)
            layer.g.multiply(src, ldx: i, rows: rows, values: values, into: g, ldy: o)
            layer.b.multiply(squares, ldx: i, rows: rows, values: values, into: y, ldy: o)
            QuadraticMLP.combine(r: r, g: g, y: y, rows: rows, width: o, biasR: values + layer.r.biasOffset,
                                 biasG: values + layer.g.biasOffset, biasC: values + layer.b.biasOffset)
            act.forward(y, count: rows &* o, derivative: derivative)
            src = UnsafePointer(y)
        }
    }

    /// `out[i] = x[i]²`.
    @inline(__always)
    private static func square(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i < count {
            let c = min(8, count &- i)
            let v = SIMDLanes.load(x + i, c)
            SIMDLanes.store(v * v, out + i, c)
            i &+= 8
        }
    }

    /// Adds the biases to R and G (in place) and `y += R ⊙ G + c`, row by row.
    @inline(__always)
    private static func combine(r: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                                rows: Int, width: Int, biasR: UnsafePointer<Float>, biasG: UnsafePointer<Float>,
                                biasC: UnsafePointer<Float>) {
        for row in 0..<rows {
            let base = row &* width
            var j = 0
            while j < width {
                let c = min(8, width &- j)
                let rv = SIMDLanes.load(r + (base &+ j), c) + SIMDLanes.load(biasR + j, c)
                let gv = SIMDLanes.load(g + (base &+ j), c) + SIMDLanes.load(biasG + j, c)
                SIMDLanes.store(rv, r + (base &+ j), c)
                SIMDLanes.store(gv, g + (base &+ j), c)
                SIMDLanes.store(SIMDLanes.load(y + (base &+ j), c) + rv * gv + SIMDLanes.load(biasC + j, c), y + (base &+ j), c)
                j &+= 8
            }
        }
    }

    // MARK: Backward

    /// The backward pass on one block of rows.
    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let context = unsafeDowncast(context, to: Context.self)
        let c = chunkRows, cap = context.capacity
        let wide = max(widestOutput, widestInput)
        let base = context.scratch(slot: slot)
        var dz = base                                   // dL/d(pre-activation) of the current layer
        let dR = base + c &* wide, dG = dR + c &* wide
        var next = dG + c &* wide                       // dL/d(output) of the layer below
        let squares = next + c &* wide
        let partial = context.partials(slot: slot)

        var l = hiddenLayers
        while l >= 0 {
            let layer = layers[l]
            let i = layer.inputs, o = layer.outputs
            let last = l == hiddenLayers
            // dz = dy ⊙ σ'.
            if last {
                let dy = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: context, scratch: dz)
                if dy != UnsafePointer(dz) { dz.update(from: dy, count: rows &* o) }
            } else {
                let deriv = activation.savesDerivative ? UnsafePointer(context.rows(context.derivatives, plane: l, row: row, width: width)) : nil
                activation.backward(dz, output: context.rows(context.hidden, plane: l, row: row, width: width), derivative: deriv,
                                    count: rows &* o)
            }
            let r = UnsafePointer(context.factors.pointer + context.factorOffsets[l] + row &* o)
            let g = r + cap &* o
            QuadraticMLP.productGradients(dz, r: r, g: g, count: rows &* o, dR: dR, dG: dG)
            let src: UnsafePointer<Float> = l == 0 ? input + row &* inputWidth
                                                   : UnsafePointer(context.rows(context.hidden, plane: l &- 1, row: row, width: width))
            QuadraticMLP.square(src, count: rows &* i, into: squares)
            layer.r.accumulateGradients(input: src, ldx: i, outputGradient: dR, ldz: o, rows: rows, partial: partial, overwrite: first)
            layer.g.accumulateGradients(input: src, ldx: i, outputGradient: dG, ldz: o, rows: rows, partial: partial, overwrite: first)
            layer.b.accumulateGradients(input: squares, ldx: i, outputGradient: dz, ldz: o, rows: rows, partial: partial,
                                        overwrite: first)
            let dx: UnsafeMutablePointer<Float>?
            if l > 0 { dx = next } else if let inputGradient { dx = inputGradient + row &* inputWidth } else { dx = nil }
            if let dx {
                // dx = dR·W_rᵀ + dG·W_gᵀ + 2x ⊙ (dz·W_bᵀ)
                layer.b.inputGradient(dz, ldz: o, rows: rows, values: values, into: dx, ldx: i)
                QuadraticMLP.scaleBySource(dx, src, count: rows &* i)
                layer.r.inputGradient(dR, ldz: o, rows: rows, values: values, into: dx, ldx: i, beta: 1)
                layer.g.inputGradient(dG, ldz: o, rows: rows, values: values, into: dx, ldx: i, beta: 1)
            }
            if l > 0 { swap(&dz, &next) }
            l -= 1
        }
    }

    /// dR = dz ⊙ G, dG = dz ⊙ R.
    @inline(__always)
    private static func productGradients(_ dz: UnsafePointer<Float>, r: UnsafePointer<Float>, g: UnsafePointer<Float>, count: Int,
                                         dR: UnsafeMutablePointer<Float>, dG: UnsafeMutablePointer<Float>) {
        var i = 0
        while i < count {
            let c = min(8, count &- i)
            let d = SIMDLanes.load(dz + i, c)
            SIMDLanes.store(d * SIMDLanes.load(g + i, c), dR + i, c)
            SIMDLanes.store(d * SIMDLanes.load(r + i, c), dG + i, c)
            i &+= 8
        }
    }

    /// `t[i] *= 2·x[i]`.
    @inline(__always)
    private static func scaleBySource(_ t: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let c = min(8, count &- i)
            SIMDLanes.store(SIMDLanes.load(t + i, c) * (2 * SIMDLanes.load(x + i, c)), t + i, c)
            i &+= 8
        }
    }
}
