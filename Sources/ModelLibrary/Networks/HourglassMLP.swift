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
/// has no gain or bias of its own (`FeatureNorm`); it defaults to `None` because a norm cost 20+ dB on
/// hash-grid image fits here (docs/decoders.md). Init: Xavier-uniform W1, W2 and W_out, zero biases.
///
/// Parameters: `block<i>.weight1`, `block<i>.weight2` (i in order), `output.weight` (matrices), then with
/// `use_biases` `block<i>.bias1`, `block<i>.bias2`, `output.bias` (non-matrix).
///
/// Execution as `MLP`: fixed slots of row blocks (`RowBlocks`), all blocks of the network on one row block
/// while it is in cache, per-slot gradient partials added in slot order — deterministic for any thread
/// count. `forward(context: nil)` uses scratch owned by the module (one inference at a time per instance).
public final class HourglassMLP: DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["HourglassMLP"]

    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// The wide (residual-stream) width dz.
    public let width: Int
    /// The narrow width dh inside each block.
    public let bottleneck: Int
    /// Residual blocks.
    public let blocks: Int
    /// Activation inside the blocks.
    public let activation: Activation
    /// Activation of the output layer.
    public let outputActivation: Activation
    /// Normalisation at the start of each block.
    public let norm: FeatureNorm
    /// Whether layers have biases.
    public let useBiases: Bool
    /// The seed of the fixed lift.
    public let liftSeed: UInt64
    /// Rows per block.
    public let chunkRows: Int

    /// The fixed lift W_in, `[inputWidth, width]`.
    public let lift: FloatBuffer
    /// Per block: W1 (dz → dh) and W2 (dh → dz).
    let down: [DenseLayer]
    let up: [DenseLayer]
    /// W_out (dz → out).
    let head: DenseLayer
    let parameterCountStored: Int
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A network of the given shape (positive widths, `bottleneck ≤ width`, `blocks ≥ 1`).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, bottleneck: Int = 16, blocks: Int = 3,
                activation: Activation = .relu, outputActivation: Activation = .none, norm: FeatureNorm = .none,
                useBiases: Bool = false, liftSeed: UInt64 = 0, chunkRows: Int = 256) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && bottleneck > 0 && bottleneck <= width
                     && blocks >= 1 && chunkRows >= 8, "HourglassMLP: invalid shape")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.width = width
        self.bottleneck = bottleneck
        self.blocks = blocks
        self.activation = activation
        self.outputActivation = outputActivation
        self.norm = norm
        self.useBiases = useBiases
        self.liftSeed = liftSeed
        self.chunkRows = chunkRows
        var offset = 0
        var d: [DenseLayer] = [], u: [DenseLayer] = []
        for _ in 0..<blocks {
            d.append(DenseLayer(inputs: width, outputs: bottleneck, weightOffset: offset, biasOffset: -1))
            offset += width * bottleneck
            u.append(DenseLayer(inputs: bottleneck, outputs: width, weightOffset: offset, biasOffset: -1))
            offset += width * bottleneck
        }
        var h = DenseLayer(inputs: width, outputs: outputWidth, weightOffset: offset, biasOffset: -1)
        offset += width * outputWidth
        if useBiases {
            for i in 0..<blocks {
                d[i].biasOffset = offset; offset += bottleneck
                u[i].biasOffset = offset; offset += width
            }
            h.biasOffset = offset; offset += outputWidth
        }
        down = d
        up = u
        head = h
        parameterCountStored = offset
        lift = FloatBuffer(count: inputWidth * width)
        var rng = RandomGenerator(seed: liftSeed, stream: 0x4C49_4654)
        let std = 1 / Float(inputWidth).squareRoot()
        for i in 0..<lift.count { lift[i] = rng.nextGaussian() * std }
        inferenceScratch = FloatBuffer(count: RowBlocks.slots * chunkRows * (2 * width + bottleneck))
    }

    /// A network from the keys `n_neurons` (dz, 64), `n_bottleneck` (dh, 16), `n_blocks` (3), `activation`
    /// ("ReLU"), `norm` ("None"), `output_activation` ("None"), `use_biases` (false), `lift_seed` (0).
    /// The caller's factory reads `otype`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let width = try config.int("n_neurons", default: 64, in: 1...65_536)
        let bottleneck = try config.int("n_bottleneck", default: min(16, width), in: 1...65_536)
        let blocks = try config.int("n_blocks", default: 3, in: 1...1_000)
        let act = try config.choice("activation", Activation.names, default: "ReLU")
        let norm = try config.choice("norm", FeatureNorm.names, default: "None")
        let outAct = try config.choice("output_activation", Activation.names, default: "None")
        let biases = try config.bool("use_biases", default: false)
        let seed = try config.int("lift_seed", default: 0, in: 0...Int(Int32.max))
        guard bottleneck <= width else {
            throw config.error("n_bottleneck", "\(bottleneck) is wider than n_neurons (\(width)): an hourglass block is wide–narrow–wide")
        }
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: width, bottleneck: bottleneck, blocks: blocks,
                  activation: Activation(name: act)!, outputActivation: Activation(name: outAct)!,
                  norm: FeatureNorm(name: norm)!, useBiases: biases, liftSeed: UInt64(seed))
    }

    /// Block weights, the output weight, then (with biases) the biases.
    public var parameterTensors: [ParameterTensor] {
        var t: [ParameterTensor] = []
        for i in 0..<blocks {
            t.append(ParameterTensor("block\(i).weight1", shape: [width, bottleneck], kind: .matrix))
            t.append(ParameterTensor("block\(i).weight2", shape: [bottleneck, width], kind: .matrix))
        }
        t.append(ParameterTensor("output.weight", shape: [width, outputWidth], kind: .matrix))
        if useBiases {
            for i in 0..<blocks {
                t.append(ParameterTensor("block\(i).bias1", shape: [bottleneck], kind: .nonMatrix))
                t.append(ParameterTensor("block\(i).bias2", shape: [width], kind: .nonMatrix))
            }
            t.append(ParameterTensor("output.bias", shape: [outputWidth], kind: .nonMatrix))
        }
        return t
    }

    /// The total number of parameters (the fixed lift is not one).
    public var parameterCount: Int { parameterCountStored }

    /// Points the network at its parameter slice.
    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Xavier-uniform weights, zero biases.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let values else { preconditionFailure("HourglassMLP.initializeParameters before bind") }
        for i in 0..<blocks {
            down[i].initializeXavier(values, &rng)
            up[i].initializeXavier(values, &rng)
        }
        head.initializeXavier(values, &rng)
    }

    /// What the training forward pass saves, plus backward scratch.
    final class Context: ModuleContext {
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
        /// The output activation's saved derivative.
        let outputDerivative: FloatBuffer
        /// Per slot: two `[chunk][width]` blocks and one `[chunk][max(bottleneck, out)]` block.
        let scratch: FloatBuffer
        /// Per-slot parameter-gradient partials.
        let partials: FloatBuffer

        init(_ n: HourglassMLP, capacity: Int) {
            let cap = max(capacity, 0)
            normalized = FloatBuffer(count: n.blocks * cap * n.width)
            rstd = FloatBuffer(count: n.norm == .none ? 0 : n.blocks * cap)
            hidden = FloatBuffer(count: n.blocks * cap * n.bottleneck)
            derivatives = FloatBuffer(count: n.activation.savesDerivative ? n.blocks * cap * n.bottleneck : 0)
            stream = FloatBuffer(count: cap * n.width)
            outputDerivative = FloatBuffer(count: n.outputActivation.savesDerivative ? cap * n.outputWidth : 0)
            scratch = FloatBuffer(count: RowBlocks.slots * n.scratchPerSlot)
            partials = FloatBuffer(count: RowBlocks.slots * n.parameterCountStored)
            super.init(capacity: cap)
        }
    }

    var scratchPerSlot: Int { chunkRows * (2 * width + max(bottleneck, outputWidth)) }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> ModuleContext { Context(self, capacity: capacity) }

    // MARK: Forward

    /// Computes the output batch; with a context, saves what backward needs.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let values else { preconditionFailure("HourglassMLP.forward before bind") }
        if batch <= 0 { return }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "HourglassMLP")
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, _ in
            forwardBlock(input: input, output: output, row: row, rows: rows, slot: slot, values: values, context: ctx)
        }
    }

    @inline(__always)
    private func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                              slot: Int, values: UnsafeMutablePointer<Float>, context: Context?) {
        let z: UnsafeMutablePointer<Float>
        let scratch = inferenceScratch.pointer + slot &* chunkRows &* (2 &* width &+ bottleneck)
        if let context { z = context.stream.pointer + row &* width } else { z = scratch }
        Gemm.multiply(.none, .none, m: rows, n: width, k: inputWidth, a: input + row &* inputWidth, b: lift.pointer, c: z)
        for i in 0..<blocks {
            let n: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
            var rstd: UnsafeMutablePointer<Float>? = nil, derivative: UnsafeMutablePointer<Float>? = nil
            if let context {
                n = context.normalized.pointer + (i &* context.capacity &+ row) &* width
                h = context.hidden.pointer + (i &* context.capacity &+ row) &* bottleneck
                if norm != .none { rstd = context.rstd.pointer + (i &* context.capacity &+ row) }
                if activation.savesDerivative {
                    derivative = context.derivatives.pointer + (i &* context.capacity &+ row) &* bottleneck
                }
                norm.forward(z, ldx: width, into: n, ldn: width, rows: rows, width: width, rstd: rstd)
            } else {
                // Inference: without a norm the block reads z itself (before the residual update).
                n = norm == .none ? z : scratch + chunkRows &* width
                h = scratch + 2 &* chunkRows &* width
                norm.forward(z, ldx: width, into: n, ldn: width, rows: rows, width: width, rstd: nil)
            }
            down[i].forward(n, rows: rows, values: values, into: h, activation: activation, derivative: derivative)
            up[i].multiply(h, ldx: bottleneck, rows: rows, values: values, into: z, ldy: width, beta: 1)
            if up[i].hasBias {
                Activation.none.forward(z, rows: rows, width: width, bias: values + up[i].biasOffset, derivative: nil)
            }
        }
        var derivative: UnsafeMutablePointer<Float>? = nil
        if let context, outputActivation.savesDerivative { derivative = context.outputDerivative.pointer + row &* outputWidth }
        head.forward(z, rows: rows, values: values, into: output + row &* outputWidth, activation: outputActivation,
                     derivative: derivative)
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates parameter gradients and, when asked, overwrites
    /// `inputGradient` (through the fixed lift).
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let values, let gradients else { preconditionFailure("HourglassMLP.backward before bind") }
        let ctx = NetworkConfig.context(context, as: Context.self, batch: batch, "HourglassMLP")!
        if batch <= 0 { return }
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, first in
            backwardBlock(output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                          row: row, rows: rows, slot: slot, first: first, values: values, context: ctx)
        }
        RowBlocks.reducePartials(ctx.partials.pointer, count: parameterCountStored,
                                 used: RowBlocks.usedSlots(batch: batch, chunkRows: chunkRows), into: gradients, pool: pool)
    }

    @inline(__always)
    private func backwardBlock(output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                               values: UnsafeMutablePointer<Float>, context: Context) {
        let base = context.scratch.pointer + slot &* scratchPerSlot
        let g = base, dn = base + chunkRows &* width, small = base + 2 &* chunkRows &* width
        let partial = context.partials.pointer + slot &* parameterCountStored

        // Output layer.
        var dOut = outputGradient + row &* outputWidth
        if outputActivation != .none {
            let deriv = outputActivation.savesDerivative ? UnsafePointer(context.outputDerivative.pointer + row &* outputWidth) : nil
            outputActivation.backward(from: dOut, output: output + row &* outputWidth, derivative: deriv,
                                      into: small, count: rows &* outputWidth)
            dOut = UnsafePointer(small)
        }
        let zL = UnsafePointer(context.stream.pointer + row &* width)
        head.accumulateGradients(input: zL, ldx: width, outputGradient: dOut, ldz: outputWidth, rows: rows,
                                 partial: partial, overwrite: first)
        head.inputGradient(dOut, ldz: outputWidth, rows: rows, values: values, into: g, ldx: width)

        // Blocks in reverse: g is dL/dz of the residual stream.
        var i = blocks - 1
        while i >= 0 {
            let plane = i &* context.capacity &+ row
            let n = UnsafePointer(context.normalized.pointer + plane &* width)
            let h = UnsafePointer(context.hidden.pointer + plane &* bottleneck)
            up[i].accumulateGradients(input: h, ldx: bottleneck, outputGradient: g, ldz: width, rows: rows,
                                      partial: partial, overwrite: first)
            up[i].inputGradient(g, ldz: width, rows: rows, values: values, into: small, ldx: bottleneck)
            let deriv = activation.savesDerivative ? UnsafePointer(context.derivatives.pointer + plane &* bottleneck) : nil
            activation.backward(small, output: h, derivative: deriv, count: rows &* bottleneck)
            down[i].accumulateGradients(input: n, ldx: width, outputGradient: small, ldz: bottleneck, rows: rows,
                                        partial: partial, overwrite: first)
            if norm == .none {
                down[i].inputGradient(small, ldz: bottleneck, rows: rows, values: values, into: g, ldx: width, beta: 1)
            } else {
                down[i].inputGradient(small, ldz: bottleneck, rows: rows, values: values, into: dn, ldx: width)
                norm.backward(dn, ldd: width, normalized: n, ldn: width, rstd: context.rstd.pointer + plane,
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
