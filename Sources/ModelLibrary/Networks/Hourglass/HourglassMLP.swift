import FieldIO
import TensorCore

/// The Hourglass MLP ("Rethinking the shape convention of an MLP", Chen et al. 2025), otype `HourglassMLP`:
/// wide–narrow–wide residual blocks whose skip connections run in a wide space reached by a fixed random lift.
///
/// ```
/// z₀ = x·W_in                                  W_in [in, dz]: fixed random, N(0, 1/in), not trained
/// zᵢ₊₁ = zᵢ + σ(norm(zᵢ)·W1ᵢ (+ b1ᵢ))·W2ᵢ (+ b2ᵢ)   W1ᵢ [dz, dh], W2ᵢ [dh, dz], i < n_blocks
/// y = σ_out(z_L·W_out (+ b_out))                W_out [dz, out]
/// ```
/// `dz` = `n_neurons`, `dh` = `n_bottleneck` (≤ dz). W_in is not a parameter: it is regenerated from
/// `lift_seed` whenever the network is built, so checkpoints and resumed runs see the same lift. `norm`
/// has no gain or bias of its own (`FeatureNorm`); it defaults to `None` because LayerNorm cost 13 dB on
/// hash-grid image fits here (docs/decoders.md). Init: Xavier-uniform W1, W2 and W_out, zero biases.
///
/// Parameters: `block<i>.weight1`, `block<i>.weight2` (i in order), `output.weight` (matrices), then with
/// `use_biases` `block<i>.bias1`, `block<i>.bias2`, `output.bias` (non-matrix).
///
/// Execution as `MLP` (`RowBlockNetwork`): fixed slots of row blocks, all blocks of the network on one row
/// block while it is in cache, per-slot gradient partials added in slot order — deterministic for any
/// thread count. `forward(context: nil)` uses scratch owned by the module (one inference at a time per instance).
public final class HourglassMLP: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["HourglassMLP"]

    /// The wide (residual-stream) width dz.
    public let width: Int
    /// The narrow width dh inside each block.
    public let bottleneck: Int
    /// Residual blocks.
    public let blocks: Int
    /// Activation inside the blocks.
    public let activation: Activation
    /// Normalisation at the start of each block.
    public let norm: FeatureNorm
    /// Whether layers have biases.
    public let useBiases: Bool
    /// The seed of the fixed lift.
    public let liftSeed: UInt64

    /// The fixed lift W_in, `[inputWidth, width]`.
    public let lift: FloatBuffer
    /// Per block: W1 (dz → dh) and W2 (dh → dz).
    let down: [DenseLayer]
    let up: [DenseLayer]
    /// W_out (dz → out).
    let head: DenseLayer

    /// A network of the given shape (positive widths, `bottleneck ≤ width`, `blocks ≥ 1`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, bottleneck: Int = 16, blocks: Int = 3,
                activation: Activation = .relu, outputActivation: Activation = .none, norm: FeatureNorm = .none,
                useBiases: Bool = false, liftSeed: UInt64 = 0, chunkRows: Int = 256) {
        precondition(width > 0 && bottleneck > 0 && bottleneck <= width && blocks >= 1, "HourglassMLP: invalid shape")
        self.width = width
        self.bottleneck = bottleneck
        self.blocks = blocks
        self.activation = activation
        self.norm = norm
        self.useBiases = useBiases
        self.liftSeed = liftSeed
        var layout = ParameterLayout()
        var d: [DenseLayer] = [], u: [DenseLayer] = []
        for _ in 0..<blocks {
            d.append(DenseLayer(inputs: width, outputs: bottleneck, layout: &layout))
            u.append(DenseLayer(inputs: bottleneck, outputs: width, layout: &layout))
        }
        var h = DenseLayer(inputs: width, outputs: outputWidth, layout: &layout)
        if useBiases {
            for i in 0..<blocks {
                d[i].placeBias(&layout)
                u[i].placeBias(&layout)
            }
            h.placeBias(&layout)
        }
        down = d
        up = u
        head = h
        lift = FloatBuffer(count: inputWidth * width)
        var rng = RandomGenerator(seed: liftSeed, stream: 0x4C49_4654)
        let std = 1 / Float(inputWidth).squareRoot()
        for i in 0..<lift.count { lift[i] = rng.nextGaussian() * std }
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: chunkRows,
                   parameterCount: layout.count,
                   context: Context.self, inferenceScratchPerSlot: chunkRows * (2 * width + bottleneck))
    }

    /// A network from the keys `n_neurons` (dz, 64), `n_bottleneck` (dh, 16), `n_blocks` (3), `activation`
    /// ("ReLU"), `norm` ("None"), `output_activation` ("None"), `use_biases` (false), `lift_seed` (0).
    /// The caller's factory reads `otype`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let shape = try NetworkConfig.shape(config, hiddenLayers: 3, depthKey: "n_blocks", biases: false)
        let bottleneck = try config.int("n_bottleneck", default: min(16, shape.width), in: 1...65_536)
        let act = try config.choice("activation", Activation.names, default: "ReLU")
        let norm = try config.choice("norm", FeatureNorm.names, default: "None")
        let seed = try config.int("lift_seed", default: 0, in: 0...Int(Int32.max))
        guard bottleneck <= shape.width else {
            throw config.error("n_bottleneck", "\(bottleneck) is wider than n_neurons (\(shape.width)): an hourglass block is wide–narrow–wide")
        }
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: shape.width, bottleneck: bottleneck,
                  blocks: shape.hiddenLayers, activation: Activation(name: act)!, outputActivation: shape.outputActivation,
                  norm: FeatureNorm(name: norm)!, useBiases: shape.useBiases, liftSeed: UInt64(seed))
    }

    /// Block weights, the output weight, then (with biases) the biases.
    public var parameterTensors: [ParameterTensor] {
        var t: [ParameterTensor] = []
        for i in 0..<blocks { t += [down[i].weightTensor("block\(i).weight1"), up[i].weightTensor("block\(i).weight2")] }
        t.append(head.weightTensor("output.weight"))
        if useBiases {
            for i in 0..<blocks { t += [down[i].biasTensor("block\(i).bias1"), up[i].biasTensor("block\(i).bias2")] }
            t.append(head.biasTensor("output.bias"))
        }
        return t
    }

    /// Xavier-uniform weights, zero biases.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for i in 0..<blocks {
            down[i].initializeXavier(values, &rng)
            up[i].initializeXavier(values, &rng)
        }
        head.initializeXavier(values, &rng)
    }

    /// What the training forward pass saves, plus backward scratch (per slot: two `[chunk][width]` blocks and
    /// one `[chunk][max(bottleneck, out)]` block).
    final class Context: RowBlockContext {
        /// norm(zᵢ) per block, `[blocks][capacity][width]`.
        let normalized: FloatBuffer
        /// 1/√(…) per block and row, `[blocks][capacity]`.
        let rstd: FloatBuffer
        /// σ(norm(zᵢ)·W1ᵢ) per block, `[blocks][capacity][bottleneck]`.
        let hidden: FloatBuffer
        /// σ' per block when the activation saves it.
        let derivatives: FloatBuffer
        /// The final residual stream z_L, `[capacity][width]`.
        let stream: FloatBuffer

        init(_ n: HourglassMLP, capacity: Int) {
            let cap = max(capacity, 0)
            normalized = FloatBuffer(count: n.blocks * cap * n.width)
            rstd = FloatBuffer(count: n.norm == .none ? 0 : n.blocks * cap)
            hidden = FloatBuffer(count: n.blocks * cap * n.bottleneck)
            derivatives = FloatBuffer(count: n.activation.savesDerivative ? n.blocks * cap * n.bottleneck : 0)
            stream = FloatBuffer(count: cap * n.width)
            super.init(n, capacity: cap, scratchPerSlot: n.chunkRows * (2 * n.width + max(n.bottleneck, n.outputWidth)))
        }
    }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// The forward pass on one block of rows.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let context = context.map { unsafeDowncast($0, to: Context.self) }
        let scratch = inferenceScratch(slot: slot)
        let z = context.map { $0.rows($0.stream, plane: 0, row: row, width: width) } ?? scratch
        Gemm.multiply(.none, .none, m: rows, n: width, k: inputWidth, a: input + row &* inputWidth, b: lift.pointer, c: z)
        for i in 0..<blocks {
            let n: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
            var rstd: UnsafeMutablePointer<Float>? = nil, derivative: UnsafeMutablePointer<Float>? = nil
            if let context {
                n = context.rows(context.normalized, plane: i, row: row, width: width)
                h = context.rows(context.hidden, plane: i, row: row, width: bottleneck)
                if norm != .none { rstd = context.rows(context.rstd, plane: i, row: row, width: 1) }
                if activation.savesDerivative { derivative = context.rows(context.derivatives, plane: i, row: row, width: bottleneck) }
            } else {
                // Inference: without a norm the block reads z itself (before the residual update).
                n = norm == .none ? z : scratch + chunkRows &* width
                h = scratch + 2 &* chunkRows &* width
            }
            norm.forward(z, ldx: width, into: n, ldn: width, rows: rows, width: width, rstd: rstd)
            down[i].forward(n, rows: rows, values: values, into: h, activation: activation, derivative: derivative)
            up[i].multiply(h, ldx: bottleneck, rows: rows, values: values, into: z, ldy: width, beta: 1)
            if up[i].hasBias {
                Activation.none.forward(z, rows: rows, width: width, bias: values + up[i].biasOffset, derivative: nil)
            }
        }
        head.forward(z, rows: rows, values: values, into: output + row &* outputWidth, activation: outputActivation,
                     derivative: outputDerivative(context, row: row))
    }

    // MARK: Backward

    /// The backward pass on one block of rows.
    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let context = unsafeDowncast(context, to: Context.self)
        let base = context.scratch(slot: slot)
        let g = base, dn = base + chunkRows &* width, small = base + 2 &* chunkRows &* width
        let partial = context.partials(slot: slot)

        // Output layer.
        let dOut = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: context, scratch: small)
        head.backward(input: context.rows(context.stream, plane: 0, row: row, width: width), ldx: width, outputGradient: dOut,
                      ldz: outputWidth, rows: rows, values: values, partial: partial, overwrite: first, inputGradient: g, ldd: width)

        // Blocks in reverse: g is dL/dz of the residual stream.
        var i = blocks - 1
        while i >= 0 {
            let n = UnsafePointer(context.rows(context.normalized, plane: i, row: row, width: width))
            let h = UnsafePointer(context.rows(context.hidden, plane: i, row: row, width: bottleneck))
            up[i].backward(input: h, ldx: bottleneck, outputGradient: g, ldz: width, rows: rows, values: values,
                           partial: partial, overwrite: first, inputGradient: small, ldd: bottleneck)
            let deriv = activation.savesDerivative
                ? UnsafePointer(context.rows(context.derivatives, plane: i, row: row, width: bottleneck)) : nil
            activation.backward(small, output: h, derivative: deriv, count: rows &* bottleneck)
            down[i].accumulateGradients(input: n, ldx: width, outputGradient: small, ldz: bottleneck, rows: rows,
                                        partial: partial, overwrite: first)
            if norm == .none {
                down[i].inputGradient(small, ldz: bottleneck, rows: rows, values: values, into: g, ldx: width, beta: 1)
            } else {
                down[i].inputGradient(small, ldz: bottleneck, rows: rows, values: values, into: dn, ldx: width)
                norm.backward(dn, ldd: width, normalized: n, ldn: width, rstd: context.rows(context.rstd, plane: i, row: row, width: 1),
                              rows: rows, width: width, into: g, ldx: width, accumulate: true)
            }
            i -= 1
        }
        if let inputGradient {
            Gemm.multiply(.none, .transpose, m: rows, n: inputWidth, k: width, a: g, b: lift.pointer,
                          c: inputGradient + row &* inputWidth)
        }
    }
}
