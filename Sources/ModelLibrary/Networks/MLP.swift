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
/// Execution: the batch is cut into `slots` (8) contiguous row ranges that depend only on the batch size;
/// each worker takes whole slots and walks them in blocks of `chunkRows` rows, running **all layers** on a
/// block while it is in cache: one single-threaded sgemm per layer, then bias + activation in place on the
/// block just written. Backward walks the same blocks through the layers in reverse, keeping dL/dz in two
/// per-slot ping-pong blocks, accumulating weight (and bias) gradients into per-slot partial buffers that
/// are added in slot order at the end. So results are bit-identical for any thread count, and runs repeat.
///
/// `forward` with `context == nil` (inference) uses block scratch owned by the module: do not run inference
/// on one MLP from several threads at once (pass a context to each instead).
public final class MLP: DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["FullyFusedMLP", "MegakernelMLP", "CutlassMLP", "MLP"]
    /// Reduction slots (fixed, so the split — and the rounding — never depends on the thread count).
    public static let slots = RowBlocks.slots
    /// Rows per block by default (tuned on this machine for 64-wide layers).
    public static let defaultChunkRows = 512

    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// Neurons per hidden layer (`n_neurons`).
    public let width: Int
    /// Hidden layers (`n_hidden_layers`).
    public let hiddenLayers: Int
    /// Activation of the hidden layers.
    public let activation: Activation
    /// Activation of the output layer.
    public let outputActivation: Activation
    /// Whether layers have biases.
    public let useBiases: Bool
    /// Rows per block in forward/backward.
    public let chunkRows: Int

    /// Per layer: input width, output width, weight offset, bias offset (−1 without biases).
    let layers: [Layer]
    /// The total number of parameters.
    let parameterCountStored: Int
    /// Columns of a backward scratch block.
    let scratchWidth: Int
    /// Inference block scratch (two ping-pong blocks per slot).
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// One dense layer's shape and where its parameters sit.
    struct Layer {
        var inputs: Int
        var outputs: Int
        var weightOffset: Int
        var biasOffset: Int
    }

    /// An MLP of the given shape (`width ≥ 1`, `hiddenLayers ≥ 0`, positive input/output widths).
    public init(inputWidth: Int, outputWidth: Int, width: Int = 128, hiddenLayers: Int = 5,
                activation: Activation = .relu, outputActivation: Activation = .none, useBiases: Bool = false,
                chunkRows: Int = MLP.defaultChunkRows) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && hiddenLayers >= 0 && chunkRows >= 8,
                     "MLP: invalid shape")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.activation = activation
        self.outputActivation = outputActivation
        self.useBiases = useBiases
        self.chunkRows = chunkRows
        var shapes: [(Int, Int)] = []
        for l in 0...hiddenLayers {
            shapes.append((l == 0 ? inputWidth : width, l == hiddenLayers ? outputWidth : width))
        }
        var offset = 0
        var ls: [Layer] = []
        for (i, o) in shapes {
            ls.append(Layer(inputs: i, outputs: o, weightOffset: offset, biasOffset: -1))
            offset += i * o
        }
        if useBiases {
            for l in ls.indices { ls[l].biasOffset = offset; offset += ls[l].outputs }
        }
        layers = ls
        parameterCountStored = offset
        scratchWidth = max(width, outputWidth)
        inferenceScratch = FloatBuffer(count: MLP.slots * 2 * chunkRows * max(width, 1))
    }

    /// An MLP from tcnn's network keys: `n_neurons` (128), `n_hidden_layers` (5), `activation` ("ReLU"),
    /// `output_activation` ("None"), and our `use_biases` (false). The caller's factory reads `otype`.
    /// Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let width = try config.int("n_neurons", default: 128, in: 1...65_536)
        let hidden = try config.int("n_hidden_layers", default: 5, in: 0...1_000)
        let act = try config.choice("activation", Activation.names, default: "ReLU")
        let outAct = try config.choice("output_activation", Activation.names, default: "None")
        let biases = try config.bool("use_biases", default: false)
        if try config.bool("feedback_alignment", default: false) {
            throw config.error("feedback_alignment", "feedback alignment is not supported")
        }
        guard inputWidth > 0, outputWidth > 0 else {
            throw FieldError(file: config.file, location: config.path,
                             "the network needs positive input and output widths, got \(inputWidth) → \(outputWidth)")
        }
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: width, hiddenLayers: hidden,
                  activation: Activation(name: act)!, outputActivation: Activation(name: outAct)!, useBiases: biases)
    }

    /// `weight0 … weightL` as `[in, out]` matrices, then `bias0 … biasL` when biases are on.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { ParameterTensor("weight\($0.offset)", shape: [$0.element.inputs, $0.element.outputs], kind: .matrix) }
        if useBiases {
            t += layers.enumerated().map { ParameterTensor("bias\($0.offset)", shape: [$0.element.outputs], kind: .nonMatrix) }
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

    /// Xavier-uniform weights (SIREN init with Sine), zero biases.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let values else { preconditionFailure("MLP.initializeParameters before bind") }
        for (l, layer) in layers.enumerated() {
            let fanIn = Float(layer.inputs), fanOut = Float(layer.outputs)
            let scale: Float
            if activation == .sine {
                scale = l == 0 ? 30 / fanIn : (6 / fanIn).squareRoot()
            } else {
                scale = (6 / (fanIn + fanOut)).squareRoot()
            }
            let w = values + layer.weightOffset
            for i in 0..<(layer.inputs * layer.outputs) { w[i] = rng.nextFloat() * 2 * scale - scale }
            if layer.biasOffset >= 0 { (values + layer.biasOffset).update(repeating: 0, count: layer.outputs) }
        }
    }

    /// A context holding every hidden activation for `capacity` rows, plus backward scratch.
    public func makeContext(capacity: Int) -> ModuleContext { MLPContext(self, capacity: capacity) }

    /// The slot count for a batch (each slot gets at least one block).
    @inline(__always)
    private func usedSlots(_ batch: Int) -> Int { RowBlocks.usedSlots(batch: batch, chunkRows: chunkRows) }

    // MARK: Forward

    /// Computes `output = MLP(input)` for `batch` rows; with a context, saves the hidden activations.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let values else { preconditionFailure("MLP.forward before bind") }
        if batch <= 0 { return }
        let ctx: MLPContext?
        if let context {
            guard let c = context as? MLPContext else { preconditionFailure("MLP.forward: not an MLP context") }
            precondition(batch <= c.capacity, "MLP.forward: batch \(batch) exceeds context capacity \(c.capacity)")
            ctx = c
        } else {
            ctx = nil
        }
        forEachBlock(batch: batch, pool: pool) { row, rows, slot, _ in
            forwardBlock(input: input, output: output, row: row, rows: rows, slot: slot, values: values, context: ctx)
        }
    }

    /// Walks the batch the way both passes do (`RowBlocks.forEach`: slots set by the batch, not the thread
    /// count, so results do not depend on it). `body(row, rows, slot, firstBlockOfSlot)`.
    @inline(__always)
    private func forEachBlock(batch: Int, pool: WorkerPool, _ body: (Int, Int, Int, Bool) -> Void) {
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool, body)
    }

    /// All layers on rows `row ..< row + rows`.
    @inline(__always)
    private func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                              slot: Int, values: UnsafeMutablePointer<Float>, context: MLPContext?) {
        var src = input + row &* inputWidth
        let last = hiddenLayers
        for l in 0...last {
            let layer = layers[l]
            let dst: UnsafeMutablePointer<Float>
            var derivative: UnsafeMutablePointer<Float>? = nil
            let act = l == last ? outputActivation : activation
            if l == last {
                dst = output + row &* outputWidth
                if let context, act.savesDerivative { derivative = context.outputDerivative.pointer + row &* outputWidth }
            } else if let context {
                let plane = l &* context.capacity &* width
                dst = context.hidden.pointer + plane + row &* width
                if act.savesDerivative { derivative = context.derivatives.pointer + plane + row &* width }
            } else {
                dst = inferenceScratch.pointer + (slot &* 2 &+ (l & 1)) &* chunkRows &* width
            }
            Gemm.multiply(.none, .none, m: rows, n: layer.outputs, k: layer.inputs,
                          a: src, b: values + layer.weightOffset, c: dst)
            if layer.biasOffset >= 0 {
                act.forward(dst, rows: rows, width: layer.outputs, bias: values + layer.biasOffset, derivative: derivative)
            } else {
                act.forward(dst, count: rows &* layer.outputs, derivative: derivative)
            }
            src = UnsafePointer(dst)
        }
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates weight/bias gradients and, when asked, overwrites
    /// `inputGradient` with dL/dinput.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let values, let gradients else { preconditionFailure("MLP.backward before bind") }
        guard let ctx = context as? MLPContext else { preconditionFailure("MLP.backward: not an MLP context") }
        precondition(batch <= ctx.capacity, "MLP.backward: batch exceeds context capacity")
        if batch <= 0 { return }
        let used = usedSlots(batch)
        forEachBlock(batch: batch, pool: pool) { row, rows, slot, first in
            backwardBlock(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                          row: row, rows: rows, slot: slot, first: first, values: values, context: ctx)
        }
        // gradients += Σ_slot partial (in slot order), split over parameter ranges.
        RowBlocks.reducePartials(ctx.partials.pointer, count: parameterCountStored, used: used, into: gradients, pool: pool)
    }

    /// All layers, in reverse, on rows `row ..< row + rows`.
    @inline(__always)
    private func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                               values: UnsafeMutablePointer<Float>, context: MLPContext) {
        let last = hiddenLayers
        let blockSize = chunkRows &* scratchWidth
        var ping = context.scratch.pointer + slot &* 2 &* blockSize
        var pong = ping + blockSize
        let partial = context.partials.pointer + slot &* parameterCountStored
        let beta: Float = first ? 0 : 1

        // dL/dz of the output layer.
        var dz: UnsafePointer<Float>
        let dy = outputGradient + row &* outputWidth
        if outputActivation == .none {
            dz = dy
        } else {
            let deriv = outputActivation.savesDerivative ? UnsafePointer(context.outputDerivative.pointer + row &* outputWidth) : nil
            outputActivation.backward(from: dy, output: output + row &* outputWidth, derivative: deriv,
                                      into: ping, count: rows &* outputWidth)
            dz = UnsafePointer(ping)
            swap(&ping, &pong)
        }

        var l = last
        while l >= 0 {
            let layer = layers[l]
            let src: UnsafePointer<Float> = l == 0
                ? input + row &* inputWidth
                : UnsafePointer(context.hidden.pointer + (l &- 1) &* context.capacity &* width + row &* width)
            // dW_l (+)= srcᵀ · dz
            Gemm.multiply(.transpose, .none, m: layer.inputs, n: layer.outputs, k: rows,
                          a: src, b: dz, beta: beta, c: partial + layer.weightOffset)
            if layer.biasOffset >= 0 {
                RowBlocks.accumulateColumnSums(dz, rows: rows, width: layer.outputs, into: partial + layer.biasOffset, overwrite: first)
            }
            if l == 0 {
                if let inputGradient {
                    Gemm.multiply(.none, .transpose, m: rows, n: layer.inputs, k: layer.outputs,
                                  a: dz, b: values + layer.weightOffset, c: inputGradient + row &* inputWidth)
                }
            } else {
                // dA_{l} = dz · Wᵀ, then through the hidden activation of layer l−1 (whose output is src).
                Gemm.multiply(.none, .transpose, m: rows, n: layer.inputs, k: layer.outputs,
                              a: dz, b: values + layer.weightOffset, c: ping)
                let deriv = activation.savesDerivative
                    ? UnsafePointer(context.derivatives.pointer + (l &- 1) &* context.capacity &* width + row &* width) : nil
                activation.backward(ping, output: src, derivative: deriv, count: rows &* width)
                dz = UnsafePointer(ping)
                swap(&ping, &pong)
            }
            l -= 1
        }
    }
}
