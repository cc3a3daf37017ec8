import FieldIO
import TensorCore

/// A stack of gated linear units (Activator's gating unit, Abdullah & Aydin 2024) as a decoder, otypes
/// `GLU` and `GatedMLP`:
///
/// ```
/// per hidden layer ℓ:  [a | b] = x·Wℓ (+ bℓ)         Wℓ [in, 2·n_neurons]: gate columns, then value columns
///                      u = norm(gate(a)), v = norm(b)  (the same norm kind for both, no gain/bias)
///                      x ← u ⊙ v                        (n_neurons wide)
/// output:              y = σ_out(x·W_out (+ b_out))
/// ```
/// The gate and value projections share one `[in, 2·n_neurons]` matrix so each layer is one GEMM forward and
/// two backward. `activation` is the gate (`GateActivation`: GELU as Activator, SiLU/Swish, ReLU, Sigmoid);
/// `norm` is `LayerNorm` in Activator, but defaults to `None` here: on hash-grid image fits the norm cost
/// several dB (docs/decoders.md). Init: Xavier-uniform with fan-out n_neurons
/// for the hidden matrices, Xavier for W_out; biases zero except the value half of each hidden layer's,
/// which starts at 1, so each unit starts as gate(a)·(1 + …) rather than the product of two near-zero
/// projections — that product stalled training for ~150 steps on hash-grid features (initialised at
/// ±1e-4); hence biases are on by default here (tcnn's MLPs default them off).
///
/// Parameters: `layer<ℓ>.weight` (matrix `[in, 2·n_neurons]`), `output.weight`, then with `use_biases`
/// `layer<ℓ>.bias` (`[2·n_neurons]`) and `output.bias`.
///
/// Execution as `MLP` (row blocks in fixed slots, per-slot gradient partials added in order): deterministic
/// for any thread count; `forward(context: nil)` uses module-owned scratch (one inference at a time).
public final class GLU: DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["GLU", "GatedMLP"]

    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// Width of each gated layer's output.
    public let width: Int
    /// Gated layers.
    public let hiddenLayers: Int
    /// The gate activation.
    public let gate: GateActivation
    /// The norm applied to the gate and to the value.
    public let norm: FeatureNorm
    /// Activation of the output layer.
    public let outputActivation: Activation
    /// Whether layers have biases.
    public let useBiases: Bool
    /// Rows per block.
    public let chunkRows: Int

    let layers: [DenseLayer]
    let head: DenseLayer
    let parameterCountStored: Int
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A network of the given shape (positive widths, `hiddenLayers ≥ 1`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, gate: GateActivation = .gelu,
                norm: FeatureNorm = .none, outputActivation: Activation = .none, useBiases: Bool = true,
                chunkRows: Int = 256) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && hiddenLayers >= 1 && chunkRows >= 8,
                     "GLU: invalid shape")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.gate = gate
        self.norm = norm
        self.outputActivation = outputActivation
        self.useBiases = useBiases
        self.chunkRows = chunkRows
        var offset = 0
        var ls: [DenseLayer] = []
        for l in 0..<hiddenLayers {
            let i = l == 0 ? inputWidth : width
            ls.append(DenseLayer(inputs: i, outputs: 2 * width, weightOffset: offset, biasOffset: -1))
            offset += i * 2 * width
        }
        var h = DenseLayer(inputs: width, outputs: outputWidth, weightOffset: offset, biasOffset: -1)
        offset += width * outputWidth
        if useBiases {
            for l in 0..<hiddenLayers { ls[l].biasOffset = offset; offset += 2 * width }
            h.biasOffset = offset; offset += outputWidth
        }
        layers = ls
        head = h
        parameterCountStored = offset
        inferenceScratch = FloatBuffer(count: RowBlocks.slots * chunkRows * 4 * width)
    }

    /// A network from the keys `n_neurons` (64), `n_hidden_layers` (2, ≥ 1), `activation` (the gate, "GELU"),
    /// `norm` ("None"), `output_activation` ("None"), `use_biases` (true). The caller's factory reads
    /// `otype`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let width = try config.int("n_neurons", default: 64, in: 1...65_536)
        let hidden = try config.int("n_hidden_layers", default: 2, in: 1...1_000)
        let gate = try config.choice("activation", GateActivation.names, default: "GELU")
        let norm = try config.choice("norm", FeatureNorm.names, default: "None")
        let outAct = try config.choice("output_activation", Activation.names, default: "None")
        let biases = try config.bool("use_biases", default: true)
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: width, hiddenLayers: hidden,
                  gate: GateActivation(name: gate)!, norm: FeatureNorm(name: norm)!,
                  outputActivation: Activation(name: outAct)!, useBiases: biases)
    }

    /// Hidden matrices, the output matrix, then (with biases) the biases.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { ParameterTensor("layer\($0.offset).weight", shape: [$0.element.inputs, 2 * width], kind: .matrix) }
        t.append(ParameterTensor("output.weight", shape: [width, outputWidth], kind: .matrix))
        if useBiases {
            t += (0..<hiddenLayers).map { ParameterTensor("layer\($0).bias", shape: [2 * width], kind: .nonMatrix) }
            t.append(ParameterTensor("output.bias", shape: [outputWidth], kind: .nonMatrix))
        }
        return t
    }

    /// The total number of parameters.
    public var parameterCount: Int { parameterCountStored }

    /// Points the network at its parameter slice.
    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Xavier-uniform weights (fan-out n_neurons for each half of a hidden matrix); zero biases except the
    /// value halves, which start at 1.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let values else { preconditionFailure("GLU.initializeParameters before bind") }
        for layer in layers {
            layer.initializeXavier(values, &rng, fanOut: width)
            if layer.hasBias { (values + layer.biasOffset + width).update(repeating: 1, count: width) }
        }
        head.initializeXavier(values, &rng)
    }

    /// What the training forward pass saves, plus backward scratch.
    final class Context: ModuleContext {
        /// Per layer `[capacity][2·width]`: norm(gate(a)) then norm(b).
        let normalized: FloatBuffer
        /// Per layer `[capacity][width]`: gate'(a).
        let derivatives: FloatBuffer
        /// Per layer `[2][capacity]`: 1/√(…) of the gate's and the value's norm.
        let rstd: FloatBuffer
        /// Per layer `[capacity][width]`: u ⊙ v.
        let hidden: FloatBuffer
        /// The output activation's saved derivative.
        let outputDerivative: FloatBuffer
        /// Per slot: `[chunk][2·width]`, `[chunk][width]` and `[chunk][out]` blocks.
        let scratch: FloatBuffer
        /// Per-slot parameter-gradient partials.
        let partials: FloatBuffer

        init(_ n: GLU, capacity: Int) {
            let cap = max(capacity, 0), l = n.hiddenLayers, w = n.width
            normalized = FloatBuffer(count: l * cap * 2 * w)
            derivatives = FloatBuffer(count: l * cap * w)
            rstd = FloatBuffer(count: n.norm == .none ? 0 : l * 2 * cap)
            hidden = FloatBuffer(count: l * cap * w)
            outputDerivative = FloatBuffer(count: n.outputActivation.savesDerivative ? cap * n.outputWidth : 0)
            scratch = FloatBuffer(count: RowBlocks.slots * n.scratchPerSlot)
            partials = FloatBuffer(count: RowBlocks.slots * n.parameterCountStored)
            super.init(capacity: cap)
        }
    }

    var scratchPerSlot: Int { chunkRows * (3 * width + outputWidth) }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// Computes the output batch; with a context, saves what backward needs.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let values else { preconditionFailure("GLU.forward before bind") }
        if batch <= 0 { return }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "GLU")
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, _ in
            forwardBlock(input: input, output: output, row: row, rows: rows, slot: slot, values: values, context: ctx)
        }
    }

    @inline(__always)
    private func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                              slot: Int, values: UnsafeMutablePointer<Float>, context: Context?) {
        let w = width, w2 = 2 &* width
        let scratch = inferenceScratch.pointer + slot &* chunkRows &* 4 &* w
        var x = input + row &* inputWidth
        var ldx = inputWidth
        for l in 0..<hiddenLayers {
            let a: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
            var derivative: UnsafeMutablePointer<Float>? = nil
            var rstdU: UnsafeMutablePointer<Float>? = nil, rstdV: UnsafeMutablePointer<Float>? = nil
            if let context {
                let cap = context.capacity
                a = context.normalized.pointer + (l &* cap &+ row) &* w2
                h = context.hidden.pointer + (l &* cap &+ row) &* w
                derivative = context.derivatives.pointer + (l &* cap &+ row) &* w
                if norm != .none {
                    rstdU = context.rstd.pointer + (2 &* l &* cap &+ row)
                    rstdV = rstdU! + cap
                }
            } else {
                a = scratch
                h = scratch + chunkRows &* (l & 1 == 0 ? w2 : w2 &+ w)
            }
            let layer = layers[l]
            layer.multiply(x, ldx: ldx, rows: rows, values: values, into: a, ldy: w2)
            if layer.hasBias { Activation.none.forward(a, rows: rows, width: w2, bias: values + layer.biasOffset, derivative: nil) }
            gate.forward(a, ld: w2, rows: rows, width: w, derivative: derivative, ldd: w)
            norm.forward(a, ldx: w2, into: a, ldn: w2, rows: rows, width: w, rstd: rstdU)
            norm.forward(a + w, ldx: w2, into: a + w, ldn: w2, rows: rows, width: w, rstd: rstdV)
            GLU.multiplyHalves(a, rows: rows, width: w, into: h)
            x = UnsafePointer(h)
            ldx = w
        }
        var derivative: UnsafeMutablePointer<Float>? = nil
        if let context, outputActivation.savesDerivative { derivative = context.outputDerivative.pointer + row &* outputWidth }
        head.forward(x, rows: rows, values: values, into: output + row &* outputWidth, activation: outputActivation,
                     derivative: derivative)
    }

    /// `h[r][j] = a[r][j] · a[r][width + j]` (a has row stride 2·width).
    @inline(__always)
    private static func multiplyHalves(_ a: UnsafePointer<Float>, rows: Int, width: Int, into h: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let ar = a + r &* 2 &* width, hr = h + r &* width
            var j = 0
            while j < width {
                let c = min(8, width &- j)
                RowBlocks.store(RowBlocks.load(ar, j, c) * RowBlocks.load(ar, width &+ j, c), hr, j, c)
                j &+= 8
            }
        }
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates parameter gradients and, when asked, overwrites
    /// `inputGradient`.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let values, let gradients else { preconditionFailure("GLU.backward before bind") }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "GLU")!
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
        let w = width, w2 = 2 &* width, cap = context.capacity
        let base = context.scratch.pointer + slot &* scratchPerSlot
        let d = base, p = base + chunkRows &* w2, q = p + chunkRows &* w
        let partial = context.partials.pointer + slot &* parameterCountStored

        var dOut = outputGradient + row &* outputWidth
        if outputActivation != .none {
            let deriv = outputActivation.savesDerivative ? UnsafePointer(context.outputDerivative.pointer + row &* outputWidth) : nil
            outputActivation.backward(from: dOut, output: output + row &* outputWidth, derivative: deriv,
                                      into: q, count: rows &* outputWidth)
            dOut = UnsafePointer(q)
        }
        let last = UnsafePointer(context.hidden.pointer + ((hiddenLayers &- 1) &* cap &+ row) &* w)
        head.accumulateGradients(input: last, ldx: w, outputGradient: dOut, ldz: outputWidth, rows: rows,
                                 partial: partial, overwrite: first)
        head.inputGradient(dOut, ldz: outputWidth, rows: rows, values: values, into: p, ldx: w)

        var l = hiddenLayers - 1
        while l >= 0 {
            let a = UnsafePointer(context.normalized.pointer + (l &* cap &+ row) &* w2)
            let deriv = UnsafePointer(context.derivatives.pointer + (l &* cap &+ row) &* w)
            // dL/du = dh ⊙ v into the gate half, dL/dv = dh ⊙ u into the value half.
            for r in 0..<rows {
                let ar = a + r &* w2, dr = d + r &* w2, pr = p + r &* w
                var j = 0
                while j < w {
                    let c = min(8, w &- j)
                    let g = RowBlocks.load(pr, j, c)
                    RowBlocks.store(g * RowBlocks.load(ar, w &+ j, c), dr, j, c)
                    RowBlocks.store(g * RowBlocks.load(ar, j, c), dr, w &+ j, c)
                    j &+= 8
                }
            }
            if norm != .none {
                let rstdU = UnsafePointer(context.rstd.pointer + (2 &* l &* cap &+ row))
                norm.backward(d, ldd: w2, normalized: a, ldn: w2, rstd: rstdU, rows: rows, width: w,
                              into: d, ldx: w2, accumulate: false)
                norm.backward(d + w, ldd: w2, normalized: a + w, ldn: w2, rstd: rstdU + cap, rows: rows, width: w,
                              into: d + w, ldx: w2, accumulate: false)
            }
            for r in 0..<rows {
                let dr = d + r &* w2, fr = deriv + r &* w
                var j = 0
                while j < w {
                    let c = min(8, w &- j)
                    RowBlocks.store(RowBlocks.load(dr, j, c) * RowBlocks.load(fr, j, c), dr, j, c)
                    j &+= 8
                }
            }
            let layer = layers[l]
            let x: UnsafePointer<Float> = l == 0 ? input + row &* inputWidth
                                                 : UnsafePointer(context.hidden.pointer + ((l &- 1) &* cap &+ row) &* w)
            layer.accumulateGradients(input: x, ldx: layer.inputs, outputGradient: d, ldz: w2, rows: rows,
                                      partial: partial, overwrite: first)
            if l > 0 {
                layer.inputGradient(d, ldz: w2, rows: rows, values: values, into: p, ldx: w)
            } else if let inputGradient {
                layer.inputGradient(d, ldz: w2, rows: rows, values: values, into: inputGradient + row &* inputWidth,
                                    ldx: inputWidth)
            }
            l -= 1
        }
    }
}
