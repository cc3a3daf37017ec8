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
/// Execution as `MLP` (`RowBlockNetwork`: row blocks in fixed slots, per-slot gradient partials added in
/// order): deterministic for any thread count; `forward(context: nil)` uses module-owned scratch (one
/// inference at a time).
public final class GLU: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["GLU", "GatedMLP"]

    /// Width of each gated layer's output.
    public let width: Int
    /// Gated layers.
    public let hiddenLayers: Int
    /// The gate activation.
    public let gate: GateActivation
    /// The norm applied to the gate and to the value.
    public let norm: FeatureNorm
    /// Whether layers have biases.
    public let useBiases: Bool

    /// The gated layers' `[in, 2·width]` projections.
    let layers: [DenseLayer]
    /// The output layer.
    let head: DenseLayer

    /// A network of the given shape (positive widths, `hiddenLayers ≥ 1`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, gate: GateActivation = .gelu,
                norm: FeatureNorm = .none, outputActivation: Activation = .none, useBiases: Bool = true,
                chunkRows: Int = 256) {
        precondition(width > 0 && hiddenLayers >= 1, "GLU: invalid shape")
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.gate = gate
        self.norm = norm
        self.useBiases = useBiases
        var layout = ParameterLayout()
        var ls = (0..<hiddenLayers).map { DenseLayer(inputs: $0 == 0 ? inputWidth : width, outputs: 2 * width, layout: &layout) }
        var h = DenseLayer(inputs: width, outputs: outputWidth, layout: &layout)
        if useBiases {
            for l in ls.indices { ls[l].placeBias(&layout) }
            h.placeBias(&layout)
        }
        layers = ls
        head = h
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: chunkRows,
                   parameterCount: layout.count,
                   context: Context.self, inferenceScratchPerSlot: chunkRows * 4 * width)
    }

    /// A network from the keys `n_neurons` (64), `n_hidden_layers` (2, ≥ 1), `activation` (the gate, "GELU"),
    /// `norm` ("None"), `output_activation` ("None"), `use_biases` (true). The caller's factory reads
    /// `otype`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let shape = try NetworkConfig.shape(config, biases: true)
        let gate = try config.choice("activation", GateActivation.names, default: "GELU")
        let norm = try config.choice("norm", FeatureNorm.names, default: "None")
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: shape.width, hiddenLayers: shape.hiddenLayers,
                  gate: GateActivation(name: gate)!, norm: FeatureNorm(name: norm)!,
                  outputActivation: shape.outputActivation, useBiases: shape.useBiases)
    }

    /// Hidden matrices, the output matrix, then (with biases) the biases.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { $0.element.weightTensor("layer\($0.offset).weight") }
        t.append(head.weightTensor("output.weight"))
        if useBiases {
            t += layers.enumerated().map { $0.element.biasTensor("layer\($0.offset).bias") }
            t.append(head.biasTensor("output.bias"))
        }
        return t
    }

    /// Xavier-uniform weights (fan-out n_neurons for each half of a hidden matrix); zero biases except the
    /// value halves, which start at 1.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for layer in layers {
            layer.initializeXavier(values, &rng, fanOut: width)
            if layer.hasBias { (values + layer.biasOffset + width).update(repeating: 1, count: width) }
        }
        head.initializeXavier(values, &rng)
    }

    /// What the training forward pass saves, plus backward scratch (per slot: `[chunk][2·width]`,
    /// `[chunk][width]` and `[chunk][out]` blocks).
    final class Context: RowBlockContext {
        /// Per layer `[capacity][2·width]`: norm(gate(a)) then norm(b).
        let normalized: FloatBuffer
        /// Per layer `[capacity][width]`: gate'(a).
        let derivatives: FloatBuffer
        /// Per layer `[2][capacity]`: 1/√(…) of the gate's and the value's norm.
        let rstd: FloatBuffer
        /// Per layer `[capacity][width]`: u ⊙ v.
        let hidden: FloatBuffer

        init(_ n: GLU, capacity: Int) {
            let cap = max(capacity, 0), l = n.hiddenLayers, w = n.width
            normalized = FloatBuffer(count: l * cap * 2 * w)
            derivatives = FloatBuffer(count: l * cap * w)
            rstd = FloatBuffer(count: n.norm == .none ? 0 : l * 2 * cap)
            hidden = FloatBuffer(count: l * cap * w)
            super.init(n, capacity: cap, scratchPerSlot: n.chunkRows * (3 * w + n.outputWidth))
        }
    }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// The forward pass on one block of rows.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let context = context.map { unsafeDowncast($0, to: Context.self) }
        let w = width, w2 = 2 &* width
        let scratch = inferenceScratch(slot: slot)
        var x = input + row &* inputWidth
        var ldx = inputWidth
        for l in 0..<hiddenLayers {
            let a: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
            var derivative: UnsafeMutablePointer<Float>? = nil
            var rstdU: UnsafeMutablePointer<Float>? = nil, rstdV: UnsafeMutablePointer<Float>? = nil
            if let context {
                a = context.rows(context.normalized, plane: l, row: row, width: w2)
                h = context.rows(context.hidden, plane: l, row: row, width: w)
                derivative = context.rows(context.derivatives, plane: l, row: row, width: w)
                if norm != .none {
                    rstdU = context.rows(context.rstd, plane: 2 &* l, row: row, width: 1)
                    rstdV = rstdU! + context.capacity
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
        head.forward(x, rows: rows, values: values, into: output + row &* outputWidth, activation: outputActivation,
                     derivative: outputDerivative(context, row: row))
    }

    /// `h[r][j] = a[r][j] · a[r][width + j]` (a has row stride 2·width).
    @inline(__always)
    private static func multiplyHalves(_ a: UnsafePointer<Float>, rows: Int, width: Int, into h: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let ar = a + r &* 2 &* width, hr = h + r &* width
            var j = 0
            while j < width {
                let c = min(8, width &- j)
                SIMDLanes.store(SIMDLanes.load(ar + j, c) * SIMDLanes.load(ar + (width &+ j), c), hr + j, c)
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
        let w = width, w2 = 2 &* width
        let d = context.scratch(slot: slot), p = d + chunkRows &* w2, q = p + chunkRows &* w
        let partial = context.partials(slot: slot)

        let dOut = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: context, scratch: q)
        head.backward(input: context.rows(context.hidden, plane: hiddenLayers &- 1, row: row, width: w), ldx: w,
                      outputGradient: dOut, ldz: outputWidth, rows: rows, values: values, partial: partial, overwrite: first,
                      inputGradient: p, ldd: w)

        var l = hiddenLayers - 1
        while l >= 0 {
            let a = UnsafePointer(context.rows(context.normalized, plane: l, row: row, width: w2))
            let deriv = UnsafePointer(context.rows(context.derivatives, plane: l, row: row, width: w))
            // dL/du = dh ⊙ v into the gate half, dL/dv = dh ⊙ u into the value half.
            for r in 0..<rows {
                let ar = a + r &* w2, dr = d + r &* w2, pr = p + r &* w
                var j = 0
                while j < w {
                    let c = min(8, w &- j)
                    let g = SIMDLanes.load(pr + j, c)
                    SIMDLanes.store(g * SIMDLanes.load(ar + (w &+ j), c), dr + j, c)
                    SIMDLanes.store(g * SIMDLanes.load(ar + j, c), dr + (w &+ j), c)
                    j &+= 8
                }
            }
            if norm != .none {
                let rstdU = UnsafePointer(context.rows(context.rstd, plane: 2 &* l, row: row, width: 1))
                norm.backward(d, ldd: w2, normalized: a, ldn: w2, rstd: rstdU, rows: rows, width: w,
                              into: d, ldx: w2, accumulate: false)
                norm.backward(d + w, ldd: w2, normalized: a + w, ldn: w2, rstd: rstdU + context.capacity, rows: rows, width: w,
                              into: d + w, ldx: w2, accumulate: false)
            }
            for r in 0..<rows {
                let dr = d + r &* w2, fr = deriv + r &* w
                var j = 0
                while j < w {
                    let c = min(8, w &- j)
                    SIMDLanes.store(SIMDLanes.load(dr + j, c) * SIMDLanes.load(fr + j, c), dr + j, c)
                    j &+= 8
                }
            }
            let layer = layers[l]
            let x: UnsafePointer<Float> = l == 0 ? input + row &* inputWidth
                                                 : UnsafePointer(context.rows(context.hidden, plane: l &- 1, row: row, width: w))
            let dx = l == 0 ? inputGradient.map { $0 + row &* inputWidth } : p
            layer.backward(input: x, ldx: layer.inputs, outputGradient: d, ldz: w2, rows: rows, values: values,
                           partial: partial, overwrite: first, inputGradient: dx, ldd: layer.inputs)
            l -= 1
        }
    }
}
