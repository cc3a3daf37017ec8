import TensorCore

/// A stack of KAN-family layers with tiny-cuda-nn's network shape, for otypes `KAN` (B-spline), `GRKAN`
/// (group rational), `AFKAN` (activation-function bases) and `SKAN` (single-parameter).
///
/// Layers: `inputWidth → width`, `hiddenLayers − 1` times `width → width`, `width → outputWidth`, then the
/// output activation; with `hiddenLayers == 0` one layer `inputWidth → outputWidth`. Each layer carries its
/// own non-linearity (splines, rationals, bases), so there is no separate hidden activation. Parameters
/// are each layer's tensors, prefixed `layer0.` … `layerL.`.
///
/// Execution is `MLP`'s (`RowBlockNetwork`): the batch is cut into `RowBlocks.slots` (8) row ranges fixed by
/// the batch size; each worker takes whole slots and walks them in blocks of `chunkRows` rows through **all
/// layers**. A layer expands a
/// block into its features in per-slot scratch (never batch-sized), so only the layer outputs are kept for
/// backward; backward recomputes the cheap expansions. Parameter gradients go to per-slot partial buffers
/// added in slot order, so results are bit-identical for any thread count.
///
/// `forward` with `context == nil` uses block scratch owned by the network: do not run two passes of one
/// network at once from several threads.
public final class KANNetwork: RowBlockNetwork, DifferentiableModule {
    /// The config otypes answered by this network.
    public static let otypes = ["KAN", "GRKAN", "AFKAN", "SKAN"]

    /// Neurons per hidden layer (`n_neurons`).
    public let width: Int
    /// Hidden layers (`n_hidden_layers`).
    public let hiddenLayers: Int
    /// The layer type and its options.
    public let variant: KANVariant

    let layers: [KANLayer]
    /// Where each layer's parameters start inside the network's slice.
    let parameterOffsets: [Int]
    /// Where each layer's gradient partials start inside one slot's partial buffer.
    let partialOffsets: [Int]
    /// Floats of one slot's gradient partials.
    let partialStride: Int
    /// Floats of per-slot layer scratch (the largest any layer asks for).
    let layerScratch: Int
    /// The widest layer output (ping-pong block width).
    let blockWidth: Int

    /// A network of the given shape; `chunkRows` nil picks rows per block from the layers' scratch needs.
    /// Shapes are checked by the config reader; here they are preconditions.
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, variant: KANVariant,
                outputActivation: Activation = .none, chunkRows: Int? = nil) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && hiddenLayers >= 0, "KANNetwork: invalid shape")
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.variant = variant
        let built = (0...hiddenLayers).map { l in
            KANNetwork.makeLayer(variant, index: l, inputs: l == 0 ? inputWidth : width,
                                 outputs: l == hiddenLayers ? outputWidth : width)
        }
        layers = built
        var parameters = ParameterLayout(), partials = ParameterLayout()
        parameterOffsets = built.map { parameters.take($0.parameterCount) }
        partialOffsets = built.map { partials.take($0.partialCount) }
        partialStride = partials.count
        blockWidth = max(width, outputWidth)
        // Rows per block: keep one block's layer scratch near 256 KiB (half an L2), 32…512 rows.
        let perRow = built.map { max($0.forwardScratch(rows: 1), $0.backwardScratch(rows: 1)) }.max() ?? 1
        let rows = chunkRows ?? max(32, min(512, KANNetwork.powerOfTwoBelow(65_536 / max(perRow, 1))))
        precondition(rows >= 8, "KANNetwork: chunkRows must be at least 8")
        let scratch = built.map { max($0.forwardScratch(rows: rows), $0.backwardScratch(rows: rows)) }.max() ?? 0
        layerScratch = scratch
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation, chunkRows: rows,
                   parameterCount: parameters.count, context: KANNetworkContext.self, inferenceScratchPerSlot: 2 * rows * max(width, outputWidth) + scratch)
    }

    static func powerOfTwoBelow(_ n: Int) -> Int {
        var p = 1
        while p * 2 <= n { p *= 2 }
        return p
    }

    /// The layer for `variant` at position `index`.
    static func makeLayer(_ variant: KANVariant, index: Int, inputs: Int, outputs: Int) -> KANLayer {
        switch variant {
        case .bSpline(let o):
            return BSplineKANLayer(inputs: inputs, outputs: outputs, options: o)
        case .groupRational(let o):
            let groups = index == 0 ? RationalFunction.gcd(o.groups, inputs) : o.groups
            return GroupRationalKANLayer(inputs: inputs, outputs: outputs, groups: groups,
                                         initialization: index == 0 ? o.inputRationalInit : o.rationalInit,
                                         useBiases: o.useBiases)
        case .activationFunction(let o):
            return AFKANLayer(inputs: inputs, outputs: outputs, options: o)
        case .singleParameter(let o):
            return SKANLayer(inputs: inputs, outputs: outputs, options: o)
        }
    }

    /// Each layer's tensors, prefixed `layer<i>.`.
    public var parameterTensors: [ParameterTensor] {
        layers.enumerated().flatMap { l, layer in layer.parameterTensors.map { $0.prefixed("layer\(l).") } }
    }

    /// Each layer's documented initialisation, from its own fork of `rng`.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let values = boundValues()
        for (l, layer) in layers.enumerated() {
            var layerRNG = rng.fork(UInt64(l + 1))
            layer.initialize(values + parameterOffsets[l], rng: &layerRNG)
        }
        _ = rng.nextUInt32()
    }

    /// A context holding every hidden layer's output for `capacity` rows, plus backward scratch.
    public func makeContext(capacity: Int) -> ModuleContext { KANNetworkContext(self, capacity: capacity) }

    /// Floats of one slot's scratch: two `[chunkRows][blockWidth]` blocks, then the layers' block scratch.
    var slotScratch: Int { 2 * chunkRows * blockWidth + layerScratch }

    // MARK: Forward

    /// Spreads shared coefficients into the layers' per-pass tables.
    override func prepare(_ values: UnsafePointer<Float>) {
        for (l, layer) in layers.enumerated() { layer.prepare(values + parameterOffsets[l]) }
    }

    /// All layers on one block of rows; with a context, saves each hidden layer's output.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let ctx = context.map { unsafeDowncast($0, to: KANNetworkContext.self) }
        let slotScratch = ctx?.scratch(slot: slot) ?? inferenceScratch(slot: slot)
        let layerScratchPointer = slotScratch + 2 &* chunkRows &* blockWidth
        var src = input + row &* inputWidth
        for (l, layer) in layers.enumerated() {
            let dst: UnsafeMutablePointer<Float>
            if l == hiddenLayers {
                dst = output + row &* outputWidth
            } else if let ctx {
                dst = ctx.rows(ctx.hidden, plane: l, row: row, width: width)
            } else {
                dst = slotScratch + (l & 1) &* chunkRows &* blockWidth
            }
            layer.forwardBlock(x: src, y: dst, rows: rows, values: UnsafePointer(values + parameterOffsets[l]),
                               scratch: layerScratchPointer)
            src = UnsafePointer(dst)
        }
        outputActivation.forward(output + row &* outputWidth, count: rows &* outputWidth, derivative: outputDerivative(ctx, row: row))
    }

    // MARK: Backward

    /// All layers, in reverse, on one block of rows; the layers add to the slot's partials (zeroed first).
    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let ctx = unsafeDowncast(context, to: KANNetworkContext.self)
        let partial = ctx.partials(slot: slot)
        if first { partial.update(repeating: 0, count: partialStride) }
        let slotScratch = ctx.scratch(slot: slot)
        var ping = slotScratch
        var pong = slotScratch + chunkRows &* blockWidth
        let layerScratchPointer = slotScratch + 2 &* chunkRows &* blockWidth
        // dL/d(last layer output).
        var dy = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: ctx, scratch: ping)
        if outputActivation != .none { swap(&ping, &pong) }
        var l = hiddenLayers
        while l >= 0 {
            let x: UnsafePointer<Float> = l == 0 ? input + row &* inputWidth
                                                 : UnsafePointer(ctx.rows(ctx.hidden, plane: l &- 1, row: row, width: width))
            let dx: UnsafeMutablePointer<Float>? = l == 0 ? inputGradient.map { $0 + row &* inputWidth } : ping
            layers[l].backwardBlock(x: x, dy: dy, dx: dx, rows: rows, values: UnsafePointer(values + parameterOffsets[l]),
                                    partial: partial + partialOffsets[l], scratch: layerScratchPointer)
            if l > 0 {
                dy = UnsafePointer(ping)
                swap(&ping, &pong)
            }
            l -= 1
        }
    }

    /// `gradients += Σ_slot partials`, layer by layer (each layer folds its own partials), in slot order.
    override func reducePartials(_ context: RowBlockContext, used: Int, values: UnsafePointer<Float>,
                                 into gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let partials = UnsafePointer(context.partials.pointer)
        let reducers = min(pool.threads, layers.count)
        pool.parallelFor(reducers) { w in
            let a = WorkerPool.blockStart(w, of: reducers, count: layers.count)
            let b = WorkerPool.blockStart(w + 1, of: reducers, count: layers.count)
            for l in a..<b {
                layers[l].reduce(partials: partials + partialOffsets[l], stride: partialStride, slots: used,
                                 values: values + parameterOffsets[l], into: gradients + parameterOffsets[l])
            }
        }
    }
}

/// What a `KANNetwork`'s training forward pass saves for backward, plus backward scratch; allocated once
/// for a batch capacity.
///
/// - `hidden`: every hidden layer's output, `[hiddenLayers][capacity][width]`;
/// - from `RowBlockContext`: the output activation's saved derivative; per slot, two `[chunkRows][blockWidth]`
///   gradient blocks and the layers' block scratch; per slot, every layer's gradient partials.
final class KANNetworkContext: RowBlockContext {
    /// Hidden-layer outputs.
    let hidden: FloatBuffer

    init(_ network: KANNetwork, capacity: Int) {
        let cap = max(capacity, 0)
        hidden = FloatBuffer(count: network.hiddenLayers * cap * network.width)
        super.init(network, capacity: cap, scratchPerSlot: network.slotScratch, partialsPerSlot: network.partialStride)
    }
}
