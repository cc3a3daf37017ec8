import TensorCore

/// A stack of KAN-family layers with tiny-cuda-nn's network shape, for otypes `KAN` (B-spline), `GRKAN`
/// (group rational), `AFKAN` (activation-function bases) and `SKAN` (single-parameter).
///
/// Layers: `inputWidth → width`, `hiddenLayers − 1` times `width → width`, `width → outputWidth`, then the
/// output activation; with `hiddenLayers == 0` one layer `inputWidth → outputWidth`. Each layer carries its
/// own non-linearity (splines, rationals, bases), so there is no separate hidden activation. Parameters
/// are each layer's tensors, prefixed `layer0.` … `layerL.`.
///
/// Execution is `MLP`'s: the batch is cut into `slots` (8) row ranges fixed by the batch size; each worker
/// takes whole slots and walks them in blocks of `chunkRows` rows through **all layers**. A layer expands a
/// block into its features in per-slot scratch (never batch-sized), so only the layer outputs are kept for
/// backward; backward recomputes the cheap expansions. Parameter gradients go to per-slot partial buffers
/// added in slot order, so results are bit-identical for any thread count.
///
/// `forward` with `context == nil` uses block scratch owned by the network: do not run two passes of one
/// network at once from several threads.
public final class KANNetwork: DifferentiableModule {
    /// The config otypes answered by this network.
    public static let otypes = ["KAN", "GRKAN", "AFKAN", "SKAN"]
    /// Reduction slots (fixed, so the split — and the rounding — never depends on the thread count).
    public static let slots = 8

    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// Neurons per hidden layer (`n_neurons`).
    public let width: Int
    /// Hidden layers (`n_hidden_layers`).
    public let hiddenLayers: Int
    /// The layer type and its options.
    public let variant: KANVariant
    /// Activation applied to the last layer's output.
    public let outputActivation: Activation
    /// Rows per block.
    public let chunkRows: Int

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
    private let parameterCountStored: Int
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A network of the given shape; `chunkRows` nil picks rows per block from the layers' scratch needs.
    /// Shapes are checked by the config reader; here they are preconditions.
    public init(inputWidth: Int, outputWidth: Int, width: Int = 64, hiddenLayers: Int = 2, variant: KANVariant,
                outputActivation: Activation = .none, chunkRows: Int? = nil) {
        precondition(inputWidth > 0 && outputWidth > 0 && width > 0 && hiddenLayers >= 0, "KANNetwork: invalid shape")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.width = width
        self.hiddenLayers = hiddenLayers
        self.variant = variant
        self.outputActivation = outputActivation
        var built: [KANLayer] = []
        for l in 0...hiddenLayers {
            let i = l == 0 ? inputWidth : width
            let o = l == hiddenLayers ? outputWidth : width
            built.append(KANNetwork.makeLayer(variant, index: l, inputs: i, outputs: o))
        }
        layers = built
        var p = 0, q = 0
        var po: [Int] = [], qo: [Int] = []
        for layer in built {
            po.append(p); qo.append(q)
            p += layer.parameterCount
            q += layer.partialCount
        }
        parameterOffsets = po
        partialOffsets = qo
        parameterCountStored = p
        partialStride = q
        blockWidth = max(width, outputWidth)
        // Rows per block: keep one block's layer scratch near 256 KiB (half an L2), 32…512 rows.
        let perRow = built.map { max($0.forwardScratch(rows: 1), $0.backwardScratch(rows: 1)) }.max() ?? 1
        let rows = chunkRows ?? max(32, min(512, KANNetwork.powerOfTwoBelow(65_536 / max(perRow, 1))))
        precondition(rows >= 8, "KANNetwork: chunkRows must be at least 8")
        self.chunkRows = rows
        layerScratch = built.map { max($0.forwardScratch(rows: rows), $0.backwardScratch(rows: rows)) }.max() ?? 0
        inferenceScratch = FloatBuffer(count: KANNetwork.slots * (2 * rows * blockWidth + layerScratch))
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
        layers.enumerated().flatMap { l, layer in
            layer.parameterTensors.map { ParameterTensor("layer\(l).\($0.name)", shape: $0.shape, kind: $0.kind) }
        }
    }

    /// The total number of parameters.
    public var parameterCount: Int { parameterCountStored }

    /// Points the network at its parameter slice.
    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Each layer's documented initialisation, from its own fork of `rng`.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let values else { preconditionFailure("KANNetwork.initializeParameters before bind") }
        for (l, layer) in layers.enumerated() {
            var layerRNG = rng.fork(UInt64(l + 1))
            layer.initialize(values + parameterOffsets[l], rng: &layerRNG)
        }
        _ = rng.nextUInt32()
    }

    /// A context holding every hidden layer's output for `capacity` rows, plus backward scratch.
    public func makeContext(capacity: Int) -> ModuleContext { KANNetworkContext(self, capacity: capacity) }

    @inline(__always)
    private func usedSlots(_ batch: Int) -> Int { min(KANNetwork.slots, (batch + chunkRows - 1) / chunkRows) }

    /// Walks the batch as both passes do: fixed slots (set by the batch, not the thread count), spread over
    /// the workers, each cut into blocks of `chunkRows` rows. `body(row, rows, slot, firstBlockOfSlot)`.
    @inline(__always)
    private func forEachBlock(batch: Int, pool: WorkerPool, _ body: (Int, Int, Int, Bool) -> Void) {
        let used = usedSlots(batch)
        let workers = min(pool.threads, used)
        let c = chunkRows
        pool.parallelFor(workers) { w in
            let s0 = WorkerPool.blockStart(w, of: workers, count: used)
            let s1 = WorkerPool.blockStart(w + 1, of: workers, count: used)
            for s in s0..<s1 {
                let r1 = WorkerPool.blockStart(s + 1, of: used, count: batch, granularity: c)
                var r = WorkerPool.blockStart(s, of: used, count: batch, granularity: c)
                var first = true
                while r < r1 {
                    let rows = min(c, r1 - r)
                    body(r, rows, s, first)
                    first = false
                    r += rows
                }
            }
        }
    }

    // MARK: Forward

    /// Computes `output = network(input)`; with a context, saves each hidden layer's output.
    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let values else { preconditionFailure("KANNetwork.forward before bind") }
        if batch <= 0 { return }
        let ctx: KANNetworkContext?
        if let context {
            guard let c = context as? KANNetworkContext else { preconditionFailure("KANNetwork.forward: not a KAN context") }
            precondition(batch <= c.capacity, "KANNetwork.forward: batch \(batch) exceeds context capacity \(c.capacity)")
            ctx = c
        } else {
            ctx = nil
        }
        for (l, layer) in layers.enumerated() { layer.prepare(UnsafePointer(values + parameterOffsets[l])) }
        let scratchBase = ctx?.scratch.pointer ?? inferenceScratch.pointer
        let slotFloats = 2 * chunkRows * blockWidth + layerScratch
        forEachBlock(batch: batch, pool: pool) { row, rows, slot, _ in
            let slotScratch = scratchBase + slot &* slotFloats
            let layerScratchPointer = slotScratch + 2 &* chunkRows &* blockWidth
            var src = input + row &* inputWidth
            for (l, layer) in layers.enumerated() {
                let dst: UnsafeMutablePointer<Float>
                if l == hiddenLayers {
                    dst = output + row &* outputWidth
                } else if let ctx {
                    dst = ctx.hidden.pointer + l &* ctx.capacity &* width + row &* width
                } else {
                    dst = slotScratch + (l & 1) &* chunkRows &* blockWidth
                }
                layer.forwardBlock(x: src, y: dst, rows: rows, values: UnsafePointer(values + parameterOffsets[l]),
                                   scratch: layerScratchPointer)
                src = UnsafePointer(dst)
            }
            let out = output + row &* outputWidth
            let derivative = ctx.flatMap { outputActivation.savesDerivative ? $0.outputDerivative.pointer + row &* outputWidth : nil }
            outputActivation.forward(out, count: rows &* outputWidth, derivative: derivative)
        }
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates parameter gradients and, when asked, overwrites
    /// `inputGradient` with dL/dinput.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let values, let gradients else { preconditionFailure("KANNetwork.backward before bind") }
        guard let ctx = context as? KANNetworkContext else { preconditionFailure("KANNetwork.backward: not a KAN context") }
        precondition(batch <= ctx.capacity, "KANNetwork.backward: batch exceeds context capacity")
        if batch <= 0 { return }
        for (l, layer) in layers.enumerated() { layer.prepare(UnsafePointer(values + parameterOffsets[l])) }
        let used = usedSlots(batch)
        let slotFloats = 2 * chunkRows * blockWidth + layerScratch
        let stride = partialStride
        forEachBlock(batch: batch, pool: pool) { row, rows, slot, first in
            let partial = ctx.partials.pointer + slot &* stride
            if first { partial.update(repeating: 0, count: stride) }
            let slotScratch = ctx.scratch.pointer + slot &* slotFloats
            var ping = slotScratch
            var pong = slotScratch + chunkRows &* blockWidth
            let layerScratchPointer = slotScratch + 2 &* chunkRows &* blockWidth
            // dL/d(last layer output).
            var dy: UnsafePointer<Float>
            let dOut = outputGradient + row &* outputWidth
            if outputActivation == .none {
                dy = dOut
            } else {
                let deriv = outputActivation.savesDerivative ? UnsafePointer(ctx.outputDerivative.pointer + row &* outputWidth) : nil
                outputActivation.backward(from: dOut, output: output + row &* outputWidth, derivative: deriv,
                                          into: ping, count: rows &* outputWidth)
                dy = UnsafePointer(ping)
                swap(&ping, &pong)
            }
            var l = hiddenLayers
            while l >= 0 {
                let layer = layers[l]
                let x: UnsafePointer<Float> = l == 0
                    ? input + row &* inputWidth
                    : UnsafePointer(ctx.hidden.pointer + (l &- 1) &* ctx.capacity &* width + row &* width)
                let dx: UnsafeMutablePointer<Float>? = l == 0 ? inputGradient.map { $0 + row &* inputWidth } : ping
                layer.backwardBlock(x: x, dy: dy, dx: dx, rows: rows, values: UnsafePointer(values + parameterOffsets[l]),
                                    partial: partial + partialOffsets[l], scratch: layerScratchPointer)
                if l > 0 {
                    dy = UnsafePointer(ping)
                    swap(&ping, &pong)
                }
                l -= 1
            }
        }
        // gradients += Σ_slot partials, layer by layer, in slot order.
        let partials = UnsafePointer(ctx.partials.pointer)
        let reducers = min(pool.threads, layers.count)
        pool.parallelFor(reducers) { w in
            let a = WorkerPool.blockStart(w, of: reducers, count: layers.count)
            let b = WorkerPool.blockStart(w + 1, of: reducers, count: layers.count)
            for l in a..<b {
                layers[l].reduce(partials: partials + partialOffsets[l], stride: stride, slots: used,
                                 values: UnsafePointer(values + parameterOffsets[l]), into: gradients + parameterOffsets[l])
            }
        }
    }
}

/// What a `KANNetwork`'s training forward pass saves for backward, plus backward scratch; allocated once
/// for a batch capacity.
///
/// - `hidden`: every hidden layer's output, `[hiddenLayers][capacity][width]`;
/// - `outputDerivative`: f'(z) of the output activation when it saves it (Sine, SiLU);
/// - `scratch`: per slot, two `[chunkRows][blockWidth]` gradient blocks and the layers' block scratch;
/// - `partials`: per slot, every layer's gradient partials.
final class KANNetworkContext: ModuleContext {
    let hidden: FloatBuffer
    let outputDerivative: FloatBuffer
    let scratch: FloatBuffer
    let partials: FloatBuffer

    init(_ network: KANNetwork, capacity: Int) {
        let cap = max(capacity, 0)
        hidden = FloatBuffer(count: network.hiddenLayers * cap * network.width)
        outputDerivative = FloatBuffer(count: network.outputActivation.savesDerivative ? cap * network.outputWidth : 0)
        scratch = FloatBuffer(count: KANNetwork.slots * (2 * network.chunkRows * network.blockWidth + network.layerScratch))
        partials = FloatBuffer(count: KANNetwork.slots * network.partialStride)
        super.init(capacity: cap)
    }
}
