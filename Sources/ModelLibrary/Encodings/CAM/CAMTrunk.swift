import TensorCore

/// CAM's modulated layers (Coordinate-Aware Modulation, Lee et al., ICLR 2024): a stack of K dense layers
/// whose normalised outputs are scaled and shifted by values read from a small grid at each row's coordinates:
///
///     h₀ = features,   h_{k+1} = act(γ_k(c) ⊙ Norm(h_k·W_k + b_k) + β_k(c)),   output = h_K
///
/// `c` are the row's grid coordinates (in [0, 1]) passed beside the features: the raw input point for the
/// `CAM` encoding, a view direction's angles for NeRF's colour branch. γ_k, β_k come from layer k's own
/// `CAMGrid` (C = 1 channel shared over the features, or C = width channels). `Norm` is a `FeatureNorm`
/// without gain or bias (CAM's instance norm over a row's features is LayerNorm here).
///
/// Parameters: `layer<k>.weight` `[in, width]` (matrix), then with biases `layer<k>.bias`, then per layer the
/// grid's factor tables `layer<k>.grid.<xy|x|…>` (non-matrix, learning rate × `gridLearningRateScale`).
/// Init: Xavier-uniform weights, zero biases, γ 1 and β 0.
///
/// Execution: dense layers run on fixed `RowBlocks` slots (single-threaded sgemm per block, per-slot gradient
/// partials added in slot order); backward saves dL/dγ, dL/dβ per row, then scatters them into the grid
/// tables with one task per (layer, factor) that owns its table, and computes the coordinate gradient with
/// points split across workers. All of it is bit-identical for any thread count.
public final class CAMTrunk {
    /// Columns of the feature input (h₀).
    public let featureWidth: Int
    /// Coordinates per row for the grid.
    public let coordinateWidth: Int
    /// Width of every modulated layer (and of the output).
    public let width: Int
    /// Activation after each modulation.
    public let activation: Activation
    /// Normalisation before each modulation.
    public let norm: FeatureNorm
    /// The grid layout every layer's grid shares.
    public let grid: CAMGrid
    /// Whether dense layers have biases.
    public let useBiases: Bool
    /// Learning-rate multiplier of the grid tables.
    public let gridLearningRateScale: Float
    /// Rows per block.
    public let chunkRows = 256

    let layers: [DenseLayer]
    /// Floats of the dense weights and biases (the grids follow).
    let denseCount: Int
    /// The total number of parameters.
    public let parameterCount: Int
    private let inferenceScratch: FloatBuffer
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A trunk of `layerCount` modulated layers of `width` over `featureWidth` input columns, with grids of
    /// `grid`'s layout over `grid.dimensions` coordinates (its channels must be 1 or `width`).
    public init(featureWidth: Int, width: Int, layerCount: Int, grid: CAMGrid, activation: Activation = .relu,
                norm: FeatureNorm = .layerNorm, useBiases: Bool = true, gridLearningRateScale: Float = 1) {
        precondition(featureWidth > 0 && width > 0 && layerCount >= 1, "CAMTrunk: invalid shape")
        precondition(grid.channels == 1 || grid.channels == width, "CAMTrunk: grid channels must be 1 or the width")
        self.featureWidth = featureWidth
        coordinateWidth = grid.dimensions
        self.width = width
        self.activation = activation
        self.norm = norm
        self.grid = grid
        self.useBiases = useBiases
        self.gridLearningRateScale = gridLearningRateScale
        var layout = ParameterLayout()
        var list = (0..<layerCount).map { DenseLayer(inputs: $0 == 0 ? featureWidth : width, outputs: width, layout: &layout) }
        if useBiases { for k in list.indices { list[k].placeBias(&layout) } }
        layers = list
        denseCount = layout.count
        parameterCount = denseCount + layerCount * grid.floatCount
        inferenceScratch = FloatBuffer(count: RowBlocks.slots * chunkRows * (2 * width + 2 * grid.channels))
    }

    /// The number of modulated layers K.
    public var layerCount: Int { layers.count }

    /// Weights, biases, then each layer's grid factors.
    public var parameterTensors: [ParameterTensor] {
        var t = layers.enumerated().map { $0.element.weightTensor("layer\($0.offset).weight") }
        if useBiases { t += layers.enumerated().map { $0.element.biasTensor("layer\($0.offset).bias") } }
        for k in 0..<layerCount {
            for (name, shape) in grid.factorTensors {
                t.append(ParameterTensor("layer\(k).grid.\(name)", shape: shape, kind: .nonMatrix, learningRateScale: gridLearningRateScale))
            }
        }
        return t
    }

    /// Points the trunk at its parameter slice.
    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Xavier-uniform weights, zero biases, identity grids (γ 1, β 0).
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let v = values else { preconditionFailure("CAMTrunk: bind parameters before initializing them") }
        for layer in layers { layer.initializeXavier(v, &rng) }
        for k in 0..<layerCount { grid.initialize(gridTable(v, k)) }
    }

    /// Layer k's grid tables inside `base` (values or gradients).
    @inline(__always)
    private func gridTable(_ base: UnsafeMutablePointer<Float>, _ k: Int) -> UnsafeMutablePointer<Float> {
        base + (denseCount &+ k &* grid.floatCount)
    }

    /// What training saves per layer (normalised features, 1/σ, modulation, its gradient, hidden outputs,
    /// saved activation derivatives) plus per-slot backward scratch and gradient partials.
    public final class Context: ModuleContext {
        let normalized, rstd, modulation, modulationGradient, hidden, derivatives, scratch, partials: FloatBuffer
        let scratchPerSlot: Int

        init(_ t: CAMTrunk, capacity: Int) {
            let cap = max(capacity, 0), k = t.layerCount, w = t.width, m = 2 * t.grid.channels
            normalized = FloatBuffer(count: k * cap * w)
            rstd = FloatBuffer(count: t.norm == .none ? 0 : k * cap)
            modulation = FloatBuffer(count: k * cap * m)
            modulationGradient = FloatBuffer(count: k * cap * m)
            hidden = FloatBuffer(count: (k - 1) * cap * w)
            derivatives = FloatBuffer(count: t.activation.savesDerivative ? k * cap * w : 0)
            scratchPerSlot = 2 * t.chunkRows * w
            scratch = FloatBuffer(count: RowBlocks.slots * scratchPerSlot)
            partials = FloatBuffer(count: RowBlocks.slots * t.denseCount)
            super.init(capacity: cap)
        }

        /// Rows from `row` of plane `plane` of a `[planes][capacity][width]` buffer.
        @inline(__always)
        func rows(_ buffer: FloatBuffer, _ plane: Int, _ row: Int, _ width: Int) -> UnsafeMutablePointer<Float> {
            buffer.pointer + (plane &* capacity &+ row) &* width
        }
    }

    /// A context for batches of up to `capacity` rows.
    public func makeContext(capacity: Int) -> Context { Context(self, capacity: capacity) }

    // MARK: Forward

    /// `output` (`[batch, width]`) from `features` (`[batch, featureWidth]`) and `coordinates` (`[batch,
    /// coordinateWidth]`). With a context, saves what backward needs; without, uses scratch owned by the trunk
    /// (one inference at a time per instance).
    public func forward(features: UnsafePointer<Float>, coordinates: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                        batch: Int, context: Context?, pool: WorkerPool) {
        guard let v = values else { preconditionFailure("CAMTrunk: forward before bind") }
        guard batch > 0 else { return }
        if let context { precondition(batch <= context.capacity, "CAMTrunk: batch larger than the context") }
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, _ in
            forwardBlock(features: features, coordinates: coordinates, output: output, row: row, rows: rows, slot: slot,
                         values: v, context: context)
        }
    }

    private func forwardBlock(features: UnsafePointer<Float>, coordinates: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                              row: Int, rows: Int, slot: Int, values: UnsafeMutablePointer<Float>, context: Context?) {
        let w = width, m = 2 &* grid.channels, cw = coordinateWidth, last = layerCount &- 1
        let scratch = inferenceScratch.pointer + slot &* chunkRows &* (2 &* w &+ m)
        var src = features + row &* featureWidth
        for k in 0...last {
            let n: UnsafeMutablePointer<Float>, mod: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
            var rstd: UnsafeMutablePointer<Float>? = nil, derivative: UnsafeMutablePointer<Float>? = nil
            if let c = context {
                n = c.rows(c.normalized, k, row, w)
                mod = c.rows(c.modulation, k, row, m)
                h = k == last ? output + row &* w : c.rows(c.hidden, k, row, w)
                if norm != .none { rstd = c.rows(c.rstd, k, row, 1) }
                if activation.savesDerivative { derivative = c.rows(c.derivatives, k, row, w) }
            } else {
                n = scratch + (k & 1) &* chunkRows &* w
                mod = scratch + 2 &* chunkRows &* w
                h = k == last ? output + row &* w : n
            }
            let layer = layers[k]
            layer.multiply(src, ldx: layer.inputs, rows: rows, values: values, into: n, ldy: w)
            if layer.hasBias { Activation.none.forward(n, rows: rows, width: w, bias: values + layer.biasOffset, derivative: nil) }
            norm.forward(n, ldx: w, into: n, ldn: w, rows: rows, width: w, rstd: rstd)
            let table = UnsafePointer(gridTable(values, k))
            for r in 0..<rows { grid.modulation(table, coordinates + (row &+ r) &* cw, into: mod + r &* m) }
            modulate(n, mod, into: h, rows: rows)
            activation.forward(h, count: rows &* w, derivative: derivative)
            src = UnsafePointer(h)
        }
    }

    /// `h = γ ⊙ n + β` row by row (`n` and `h` may be the same memory).
    @inline(__always)
    private func modulate(_ n: UnsafePointer<Float>, _ mod: UnsafePointer<Float>, into h: UnsafeMutablePointer<Float>, rows: Int) {
        let w = width, c = grid.channels, m = 2 &* c
        for r in 0..<rows {
            let nr = n + r &* w, hr = h + r &* w, mr = mod + r &* m
            var j = 0
            if c == 1 {
                let g = SIMD8<Float>(repeating: mr[0]), b = SIMD8<Float>(repeating: mr[1])
                while j < w { let cnt = min(8, w &- j); SIMDLanes.store(g * SIMDLanes.load(nr + j, cnt) + b, hr + j, cnt); j &+= 8 }
            } else {
                while j < w {
                    let cnt = min(8, w &- j)
                    SIMDLanes.store(SIMDLanes.load(mr + j, cnt) * SIMDLanes.load(nr + j, cnt) + SIMDLanes.load(mr + c + j, cnt), hr + j, cnt)
                    j &+= 8
                }
            }
        }
    }

    // MARK: Backward

    /// Back-propagates `outputGradient`: accumulates parameter gradients and, when given, overwrites
    /// `featureGradient` (`[batch, featureWidth]`) and `coordinateGradient` (`[batch, coordinateWidth]`).
    /// `features`, `coordinates` and `output` are those of the forward pass that filled `context`.
    public func backward(features: UnsafePointer<Float>, coordinates: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, featureGradient: UnsafeMutablePointer<Float>?,
                         coordinateGradient: UnsafeMutablePointer<Float>?, batch: Int, context: Context, pool: WorkerPool) {
        guard let v = values, let grads = gradients else { preconditionFailure("CAMTrunk: backward before bind") }
        guard batch > 0 else { return }
        precondition(batch <= context.capacity, "CAMTrunk: batch larger than the context")
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, first in
            backwardBlock(features: features, output: output, outputGradient: outputGradient, featureGradient: featureGradient,
                          row: row, rows: rows, slot: slot, first: first, values: v, context: context)
        }
        RowBlocks.reducePartials(context.partials.pointer, count: denseCount,
                                 used: RowBlocks.usedSlots(batch: batch, chunkRows: chunkRows), into: grads, pool: pool)
        // Grid tables: one task per (layer, factor), each owning its table; points in order.
        let factors = grid.factors.count, m = 2 * grid.channels, cw = coordinateWidth
        pool.parallelFor(layerCount * factors) { t in
            let k = t / factors, f = t % factors
            let table = UnsafePointer(gridTable(v, k)), gtable = gridTable(grads, k)
            let dmod = context.rows(context.modulationGradient, k, 0, m)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m) { tmp in
                let g = tmp.baseAddress!
                for i in 0..<batch {
                    let x = coordinates + i &* cw
                    grid.factorGradient(f, table, x, dmod + i &* m, into: g)
                    grid.scatter(f, gtable, x, g)
                }
            }
        }
        guard let dc = coordinateGradient else { return }
        pool.parallelRanges(batch, granularity: 64) { _, range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: m) { tmp in
                let g = tmp.baseAddress!
                for i in range {
                    let x = coordinates + i &* cw, dx = dc + i &* cw
                    dx.update(repeating: 0, count: cw)
                    for k in 0..<layerCount {
                        let table = UnsafePointer(gridTable(v, k)), dmod = context.rows(context.modulationGradient, k, i, m)
                        for f in 0..<factors {
                            grid.factorGradient(f, table, x, dmod, into: g)
                            grid.coordinateGradient(f, table, x, g, into: dx)
                        }
                    }
                }
            }
        }
    }

    private func backwardBlock(features: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               featureGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                               values: UnsafeMutablePointer<Float>, context c: Context) {
        let w = width, ch = grid.channels, m = 2 &* ch, last = layerCount &- 1
        var ping = c.scratch.pointer + slot &* c.scratchPerSlot, pong = ping + chunkRows &* w
        let partial = c.partials.pointer + slot &* denseCount
        var g = outputGradient + row &* w
        var k = last
        while k >= 0 {
            let h = k == last ? output + row &* w : UnsafePointer(c.rows(c.hidden, k, row, w))
            let deriv = activation.savesDerivative ? UnsafePointer(c.rows(c.derivatives, k, row, w)) : nil
            activation.backward(from: g, output: h, derivative: deriv, into: ping, count: rows &* w)
            // dγ, dβ per row, then dn = dm ⊙ γ in place.
            let n = UnsafePointer(c.rows(c.normalized, k, row, w))
            let mod = UnsafePointer(c.rows(c.modulation, k, row, m)), dmod = c.rows(c.modulationGradient, k, row, m)
            for r in 0..<rows {
                let dm = ping + r &* w, nr = n + r &* w, mr = mod + r &* m, dr = dmod + r &* m
                var j = 0
                if ch == 1 {
                    var sg = SIMD8<Float>(), sb = SIMD8<Float>()
                    let gamma = SIMD8<Float>(repeating: mr[0])
                    while j < w {
                        let cnt = min(8, w &- j)
                        let d = SIMDLanes.load(dm + j, cnt)
                        sg += d * SIMDLanes.load(nr + j, cnt)
                        sb += d
                        SIMDLanes.store(d * gamma, dm + j, cnt)
                        j &+= 8
                    }
                    dr[0] = SIMDLanes.sum(sg)
                    dr[1] = SIMDLanes.sum(sb)
                } else {
                    while j < w {
                        let cnt = min(8, w &- j)
                        let d = SIMDLanes.load(dm + j, cnt)
                        SIMDLanes.store(d * SIMDLanes.load(nr + j, cnt), dr + j, cnt)
                        SIMDLanes.store(d, dr + ch + j, cnt)
                        SIMDLanes.store(d * SIMDLanes.load(mr + j, cnt), dm + j, cnt)
                        j &+= 8
                    }
                }
            }
            if norm != .none {
                norm.backward(ping, ldd: w, normalized: n, ldn: w, rstd: UnsafePointer(c.rows(c.rstd, k, row, 1)), rows: rows,
                              width: w, into: ping, ldx: w, accumulate: false)
            }
            let layer = layers[k]
            let src = k == 0 ? features + row &* featureWidth : UnsafePointer(c.rows(c.hidden, k &- 1, row, w))
            layer.accumulateGradients(input: src, ldx: layer.inputs, outputGradient: ping, ldz: w, rows: rows, partial: partial,
                                      overwrite: first)
            if k > 0 {
                layer.inputGradient(ping, ldz: w, rows: rows, values: values, into: pong, ldx: w)
                g = UnsafePointer(pong)
                swap(&ping, &pong)
            } else if let featureGradient {
                layer.inputGradient(ping, ldz: w, rows: rows, values: values, into: featureGradient + row &* featureWidth,
                                    ldx: featureWidth)
            }
            k -= 1
        }
    }
}
