import FieldIO
import Foundation
import TensorCore
import CPrefetch

/// NeuRBF's adaptive radial-basis encoding (`otype: "RBF"`), on inputs in [0, 1]^d (d = 2 or 3).
///
/// For a point x, its k nearest kernel centres (a `KernelIndex`) give φ_i = rbf(x − c_i, shape_i)
/// (`RBFKernel`); with `normalize` φ̃_i = φ_i / (Σ_j φ_j + 1e-8), the denominator detached from the gradient
/// as in NeuRBF; then C channels r_c = Σ_i w_{i,c} · sin(φ̃_i · m_c) with m_c log-spaced between the two
/// `frequencies`. The output row is [grid(x), r] + bias when a nested `grid` (the hybrid) is given, else r + bias.
///
/// Parameters, in storage order: the grid's tables (`grid.…`), `weights` [K, C], `bias` [F + C], `centres`
/// [K, d], `shapes` [K, S]. Centres and shapes are parameters so that checkpoints carry them; unless
/// `trainableKernels`, their learning-rate scale is 0 and they receive no gradient. Before a data-driven
/// `initialize(points:…)` the kernels sit on a regular lattice (so the module works alone).
///
/// With frozen kernels and a task's `InputLattice` (an image's pixel centres), each lattice point's neighbours
/// and φ̃ are computed once and reused (`LatticeNeighbourCache`), bit-identical to computing them per step.
///
/// Forward work splits points across workers (each point independent). Backward splits the batch into two
/// fixed halves: the first adds straight into the gradients, the second into a partial buffer added after,
/// so the sums do not depend on the thread count.
public final class RBFEncoding: DifferentiableModule, SampleInitializable, ParameterConstrained, CompositeModule,
    LatticeCacheable {
    /// Number of kernels K.
    public let kernelCount: Int
    /// Neighbours per point k.
    public let neighbours: Int
    /// The radial function.
    public let kernel: RBFKernel
    /// Whether φ is divided by the (detached) sum over the k neighbours.
    public let normalize: Bool
    /// Channels C of the sinusoid composition.
    public let channels: Int
    /// The per-channel frequencies m_c.
    public let frequencies: [Float]
    /// Whether centres and shapes are trained.
    public let trainableKernels: Bool
    /// Learning-rate scales of centres and shapes when trained.
    public let centreLearningRateScale: Float, shapeLearningRateScale: Float
    /// Learning-rate scale of the weights and bias (NeuRBF trains them at half the MLP's rate).
    public let weightLearningRateScale: Float
    /// Lloyd iterations and the covariance divisor α of the data-driven initialisation.
    public let kMeansIterations: Int, alpha: Double
    /// The hybrid's hash grid, or nil.
    public let grid: GridEncoding?
    /// Shape clipping.
    public let shapes: KernelShapes
    /// Test hook: when true the normaliser is differentiated too (the full gradient), instead of detached.
    var differentiateNormalizer = false

    public let inputWidth: Int
    public var outputWidth: Int { gridWidth + channels }
    /// Shape numbers per kernel.
    public var shapeWidth: Int { kernel.shapeWidth(dimensions: inputWidth) }
    var gridWidth: Int { grid?.outputWidth ?? 0 }
    var gridParameters: Int { grid?.parameterCount ?? 0 }
    /// Offsets (within this module's slice) of each tensor, and the size of the RBF block after the grid.
    var weightsOffset: Int { gridParameters }
    var biasOffset: Int { weightsOffset + kernelCount * channels }
    var centresOffset: Int { biasOffset + outputWidth }
    var shapesOffset: Int { centresOffset + kernelCount * inputWidth }
    var blockCount: Int { kernelCount * (channels + inputWidth + shapeWidth) + outputWidth }

    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?
    private let index: KernelIndex
    /// The centres the index was built from (rebuilt when the parameters differ: steps, checkpoint loads).
    private let indexedCentres: FloatBuffer
    private var indexBuilt = false
    /// The shapes the lattice cache was filled with (compared like the centres).
    private let cachedShapes: FloatBuffer
    /// The neighbours of the task's lattice points, or nil.
    private var latticeCache: LatticeNeighbourCache?
    /// The second backward half's gradient partial (`blockCount` floats).
    private let partial: FloatBuffer
    private let frequencyBuffer: FloatBuffer
    private var inferenceGrid = FloatBuffer(count: 0)

    /// An encoding of `inputWidth` (2 or 3) dimensions; see the type's documentation for the meaning.
    public init(inputWidth: Int, kernelCount: Int, neighbours: Int, kernel: RBFKernel, normalize: Bool = true,
                channels: Int, frequencies: ClosedRange<Float>, trainableKernels: Bool = false,
                centreLearningRateScale: Float = 1, shapeLearningRateScale: Float = 1, weightLearningRateScale: Float = 1,
                kMeansIterations: Int = 10, alpha: Double = 0.5, grid: GridEncoding? = nil) {
        precondition(inputWidth == 2 || inputWidth == 3, "RBFEncoding: 2 or 3 input dimensions")
        precondition(kernelCount > 0 && neighbours > 0 && neighbours <= kernelCount && channels > 0, "RBFEncoding: invalid sizes")
        precondition(grid == nil || grid!.inputWidth == inputWidth, "RBFEncoding: grid dimension mismatch")
        self.inputWidth = inputWidth
        self.kernelCount = kernelCount
        self.neighbours = neighbours
        self.kernel = kernel
        self.normalize = normalize
        self.channels = channels
        let lo = log2(Double(frequencies.lowerBound)), hi = log2(Double(frequencies.upperBound))
        self.frequencies = (0..<channels).map { c in
            Float(pow(2, channels == 1 ? lo : lo + (hi - lo) * Double(c) / Double(channels - 1)))
        }
        self.trainableKernels = trainableKernels
        self.centreLearningRateScale = centreLearningRateScale
        self.shapeLearningRateScale = shapeLearningRateScale
        self.weightLearningRateScale = weightLearningRateScale
        self.kMeansIterations = kMeansIterations
        self.alpha = alpha
        self.grid = grid
        shapes = KernelShapes(kernel: kernel, dimensions: inputWidth, count: kernelCount)
        index = KernelIndex(dimensions: inputWidth, capacity: kernelCount)
        indexedCentres = FloatBuffer(count: kernelCount * inputWidth)
        cachedShapes = FloatBuffer(count: kernelCount * kernel.shapeWidth(dimensions: inputWidth))
        partial = FloatBuffer(count: kernelCount * (channels + inputWidth + kernel.shapeWidth(dimensions: inputWidth))
                                   + (grid?.outputWidth ?? 0) + channels)
        frequencyBuffer = FloatBuffer(self.frequencies)
    }

    public var children: [DifferentiableModule] { grid.map { [$0] } ?? [] }

    public var parameterTensors: [ParameterTensor] {
        let d = inputWidth
        let own = [
            ParameterTensor("weights", shape: [kernelCount, channels], kind: .nonMatrix, learningRateScale: weightLearningRateScale),
            ParameterTensor("bias", shape: [outputWidth], kind: .nonMatrix, learningRateScale: weightLearningRateScale),
            ParameterTensor("centres", shape: [kernelCount, d], kind: .nonMatrix,
                            learningRateScale: trainableKernels ? centreLearningRateScale : 0),
            ParameterTensor("shapes", shape: [kernelCount, shapeWidth], kind: .nonMatrix,
                            learningRateScale: trainableKernels ? shapeLearningRateScale : 0),
        ]
        return (grid?.parameterTensors.map { $0.prefixed("grid.") } ?? []) + own
    }

    public func bind(_ binding: ParameterBinding) {
        grid?.bind(binding)
        values = binding.values
        gradients = binding.gradients
        indexBuilt = false
    }

    /// Grid U(±1e-4) (tcnn), weights and bias U(±1e-4) (NeuRBF), kernels on a regular lattice.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let v = values else { preconditionFailure("RBFEncoding: bind parameters before initializing them") }
        if let grid {
            var gridRNG = rng.fork(3)
            grid.initializeParameters(&gridRNG)
        }
        for i in 0..<(kernelCount * channels + outputWidth) { v[weightsOffset + i] = rng.nextFloat(-1e-4, 1e-4) }
        placeOnLattice()
    }

    /// Kernels on the first K points of an n^d lattice (n = ⌈K^(1/d)⌉) at cell centres (i + ½)/n, with the
    /// lattice spacing h as width: A = I/h², s = 1/h (φ = ½ at the next centre for IVQ; linear hats for the tent).
    public func placeOnLattice() {
        guard let v = values else { preconditionFailure("RBFEncoding: bind parameters first") }
        let d = inputWidth
        var n = max(1, Int(Double(kernelCount).squareRootOrCubeRoot(d).rounded(.down)))
        while Int(pow(Double(n), Double(d))) < kernelCount { n += 1 }
        let h = 1 / Float(n)
        for i in 0..<kernelCount {
            var rest = i
            for a in 0..<d {
                v[centresOffset + i * d + a] = (Float(rest % n) + 0.5) * h
                rest /= n
            }
            let s = v + shapesOffset + i * shapeWidth
            switch kernel {
            case .tent: s[0] = 1 / h
            case .inverseQuadratic, .gaussian:
                for a in 0..<d { for b in a..<d { s[RBFKernel.triangleIndex(a, b, dimensions: d)] = a == b ? 1 / (h * h) : 0 } }
            }
        }
        indexBuilt = false
    }

    // MARK: Data-driven initialisation

    public var sampleDimensions: Int { inputWidth }

    /// NeuRBF's kernel initialisation (A.2): drops points of zero weight, divides the weights by their mean,
    /// runs weighted k-means and sets each kernel's shape from its cluster's covariance / α (clipped).
    public func initialize(points: UnsafePointer<Float>, weights: UnsafePointer<Float>, count: Int,
                           rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError) {
        guard let v = values else { preconditionFailure("RBFEncoding: bind parameters first") }
        let d = inputWidth
        var kept: [Float] = [], keptWeights: [Float] = []
        kept.reserveCapacity(count * d)
        keptWeights.reserveCapacity(count)
        var total = 0.0
        for i in 0..<count where weights[i] > 0 && weights[i].isFinite {
            for a in 0..<d { kept.append(min(max(points[i * d + a], 0), 1)) }
            keptWeights.append(weights[i])
            total += Double(weights[i])
        }
        let n = keptWeights.count
        guard n >= kernelCount else {
            throw FieldError(file: "", location: "encoding.n_kernels",
                             "the RBF data initialisation found \(n) samples of positive weight for \(kernelCount) kernels; use fewer kernels")
        }
        let mean = Float(total / Double(n))
        for i in 0..<n { keptWeights[i] /= mean }
        let clusters = kept.withUnsafeBufferPointer { p in keptWeights.withUnsafeBufferPointer { w in
            WeightedKMeans(points: p.baseAddress!, weights: w.baseAddress!, count: n, dimensions: d, clusters: kernelCount,
                           iterations: kMeansIterations, rng: &rng, pool: pool)
        } }
        for i in 0..<kernelCount {
            for a in 0..<d { v[centresOffset + i * d + a] = clusters.centres[i * d + a] }
            var cov = [Double](repeating: 0, count: d * d)
            if clusters.clusterWeights[i] > 0 {
                for e in 0..<(d * d) { cov[e] = clusters.covariances[i * d * d + e] / alpha }
            } else {
                for a in 0..<d { cov[a * d + a] = 1e-10 }
            }
            let shape = shapes.shape(covariance: cov)
            for s in 0..<shapeWidth { v[shapesOffset + i * shapeWidth + s] = shape[s] }
        }
        indexBuilt = false
    }

    // MARK: Constraints

    /// After an optimizer step with trainable kernels: centres back into [0, 1]^d, shapes clipped (A.2).
    public func applyConstraints() {
        guard trainableKernels, let v = values else { return }
        for i in 0..<(kernelCount * inputWidth) { v[centresOffset + i] = min(max(v[centresOffset + i], 0), 1) }
        for i in 0..<kernelCount { shapes.clip(shape: v + shapesOffset + i * shapeWidth) }
    }

    // MARK: Passes

    /// Per batch: each point's neighbour ids and normalised φ̃ (`[capacity, k]`), 1/S, and grid scratch.
    final class Context: ModuleContext {
        let ids: UnsafeMutablePointer<Int32>
        let phi: FloatBuffer
        let inverseSum: FloatBuffer
        let gridOutput: FloatBuffer
        let gridGradient: FloatBuffer
        let gridInputGradient: FloatBuffer
        let gridContext: ModuleContext?
        init(capacity: Int, module: RBFEncoding) {
            let k = module.neighbours, g = module.gridWidth
            ids = .allocate(capacity: max(capacity * k, 1))
            ids.initialize(repeating: 0, count: max(capacity * k, 1))
            phi = FloatBuffer(count: capacity * k)
            inverseSum = FloatBuffer(count: capacity)
            gridOutput = FloatBuffer(count: capacity * g)
            gridGradient = FloatBuffer(count: capacity * g)
            gridInputGradient = FloatBuffer(count: g > 0 ? capacity * module.inputWidth : 0)
            gridContext = module.grid?.makeContext(capacity: capacity)
            super.init(capacity: capacity)
        }
        deinit { ids.deallocate() }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, module: self) }

    /// Caches the neighbours of `lattice`'s points (2-D encodings; skipped when too large for memory). The cache
    /// is filled on the next forward pass and refilled whenever the centres or shapes change; with trainable
    /// kernels it is not used.
    public func useLattice(_ lattice: InputLattice) {
        latticeCache = inputWidth == 2 ? LatticeNeighbourCache(lattice: lattice, neighbours: neighbours) : nil
    }

    /// Rebuilds the kernel index when the centres differ from those it was built from, and marks the lattice
    /// cache stale when the centres or shapes differ from those it was filled with.
    private func refreshIndex(_ v: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let n = kernelCount * inputWidth
        let centres = v + centresOffset
        if !(indexBuilt && memcmp(centres, indexedCentres.pointer, n * 4) == 0) {
            indexedCentres.pointer.update(from: centres, count: n)
            index.build(centres: indexedCentres.pointer, count: kernelCount)
            indexBuilt = true
            latticeCache?.isFilled = false
        }
        guard let cache = latticeCache, !trainableKernels else { return }
        let shapeValues = v + shapesOffset, shapeCount = kernelCount * shapeWidth
        if cache.isFilled && memcmp(shapeValues, cachedShapes.pointer, shapeCount * 4) == 0 { return }
        cachedShapes.pointer.update(from: shapeValues, count: shapeCount)
        let centresRead = UnsafePointer(indexedCentres.pointer), shapesRead = UnsafePointer(cachedShapes.pointer)
        cache.fill(pool: pool) { x, ids, phi in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: neighbours) { distances in
                neighbourhood(x, ids: ids, phi: phi, distances: distances.baseAddress!, centres: centresRead, shapes: shapesRead)
            }
        }
    }

    /// The k nearest kernels of `x`, their φ (normalised when `normalize`) into `phi`; returns 1/(Σφ + 1e-8)
    /// (1 without normalisation). `distances` is k floats of scratch.
    @inline(__always)
    private func neighbourhood(_ x: UnsafePointer<Float>, ids: UnsafeMutablePointer<Int32>, phi: UnsafeMutablePointer<Float>,
                               distances: UnsafeMutablePointer<Float>, centres: UnsafePointer<Float>,
                               shapes shapeValues: UnsafePointer<Float>) -> Float {
        let k = neighbours, d = inputWidth, sw = shapeWidth
        index.nearest(x, k: k, ids: ids, distances: distances)
        var sum: Float = 0
        for j in 0..<k {
            let i = Int(ids[j])
            let p = radial(offset(x, centres + i &* d), shape: shapeValues + i &* sw)
            phi[j] = p
            sum += p
        }
        guard normalize else { return 1 }
        let inverse = 1 / (sum + 1e-8)
        for j in 0..<k { phi[j] *= inverse }
        return inverse
    }

    /// φ of kernel `i` at offset e (d floats).
    @inline(__always)
    private func radial(_ e: SIMD3<Float>, shape s: UnsafePointer<Float>) -> Float {
        switch kernel {
        case .tent:
            let t = 1 - RBFEncoding.magnitude(e) * s[0]
            let p = max(t.x, 0) * max(t.y, 0)
            return inputWidth == 3 ? p * max(t.z, 0) : p
        case .inverseQuadratic, .gaussian:
            let q: Float
            if inputWidth == 2 {
                q = s[0] * e.x * e.x + 2 * s[1] * e.x * e.y + s[2] * e.y * e.y
            } else {
                q = s[0] * e.x * e.x + s[3] * e.y * e.y + s[5] * e.z * e.z
                    + 2 * (s[1] * e.x * e.y + s[2] * e.x * e.z + s[4] * e.y * e.z)
            }
            return kernel == .gaussian ? Foundation.exp(-0.5 * q) : 1 / (1 + q)
        }
    }

    /// |e| lane by lane.
    @inline(__always)
    static func magnitude(_ e: SIMD3<Float>) -> SIMD3<Float> { e.replacing(with: -e, where: e .< 0) }

    @inline(__always)
    private func offset(_ x: UnsafePointer<Float>, _ c: UnsafePointer<Float>) -> SIMD3<Float> {
        inputWidth == 3 ? SIMD3(x[0] - c[0], x[1] - c[1], x[2] - c[2]) : SIMD3(x[0] - c[0], x[1] - c[1], 0)
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let v = values else { preconditionFailure("RBFEncoding: forward before bind") }
        guard batch > 0 else { return }
        refreshIndex(v, pool: pool)
        let ctx = context as? Context
        if let ctx { precondition(batch <= ctx.capacity, "RBFEncoding: batch larger than the context") }
        let g = gridWidth, width = outputWidth, d = inputWidth, k = neighbours, cCount = channels
        // The hybrid's grid features, then copied into the first g columns.
        if let grid {
            let scratch: UnsafeMutablePointer<Float>
            if let ctx { scratch = ctx.gridOutput.pointer } else {
                if inferenceGrid.count < batch * g { inferenceGrid = FloatBuffer(count: batch * g) }
                scratch = inferenceGrid.pointer
            }
            grid.forward(input: input, output: scratch, batch: batch, context: ctx?.gridContext, pool: pool)
            let bias = v + biasOffset
            pool.parallelRanges(batch, granularity: 64) { _, range in
                for row in range { for j in 0..<g { output[row &* width &+ j] = scratch[row &* g &+ j] + bias[j] } }
            }
        }
        let weights = UnsafePointer(v + weightsOffset), bias = UnsafePointer(v + biasOffset + g)
        let centres = UnsafePointer(v + centresOffset), shapeValues = UnsafePointer(v + shapesOffset)
        let m = UnsafePointer(frequencyBuffer.pointer)
        let cache = trainableKernels ? nil : latticeCache?.view
        // Raw pointers for the row loop (no reference counting inside it).
        let ctxIds = ctx?.ids, ctxPhi = ctx?.phi.pointer, ctxInverse = ctx?.inverseSum.pointer
        // Rows go in chunks, each in three passes: neighbours, sines, then the weight gather. Keeping the
        // scattered reads (cache records, weight rows) in tight loops of their own lets the core overlap their
        // cache misses; the sums are the same, in the same order, as one pass per row.
        let chunk = RBFEncoding.rowChunk, stride = RBFEncoding.paddedChannels(cCount)
        pool.parallelRanges(batch, granularity: 64) { _, range in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk &* k) { idBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk &* k &* (stride &+ 1) &+ k) { floatBuffer in
                let localIds = idBuffer.baseAddress!, sines = floatBuffer.baseAddress!
                let phiLocal = sines + chunk &* k &* stride, distances = phiLocal + chunk &* k
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = Swift.min(start &+ chunk, range.upperBound)
                    // The chunk's ids and φ̃: in the context when training (backward reads them), else local.
                    let chunkIds = ctxIds.map { $0 + start &* k } ?? localIds
                    let chunkPhi = ctxPhi.map { $0 + start &* k } ?? phiLocal
                    // The next chunk's cache records are fetched ahead, so that their misses overlap this chunk's work.
                    if let cache {
                        for row in end..<Swift.min(end &+ chunk, range.upperBound) {
                            if let record = cache.record(of: input + row &* d) { fieldfit_prefetch(record) }
                        }
                    }
                    // Each row's neighbour ids and φ̃ (and 1/Σφ).
                    for row in start..<end {
                        let x = input + row &* d
                        let ids = chunkIds + (row &- start) &* k, phi = chunkPhi + (row &- start) &* k
                        let inverse: Float
                        if let cache, let record = cache.record(of: x) {
                            let cachedIds = cache.ids(record), cachedPhi = cache.phi(record)
                            for j in 0..<k { ids[j] = cachedIds[j]; phi[j] = cachedPhi[j] }
                            inverse = cachedPhi[k]
                        } else {
                            inverse = neighbourhood(x, ids: ids, phi: phi, distances: distances, centres: centres,
                                                    shapes: shapeValues)
                        }
                        ctxInverse?[row] = inverse
                    }
                    // sin(φ̃_j m_c), `stride` floats per neighbour, while the weight rows are fetched.
                    for row in start..<end {
                        let ids = chunkIds + (row &- start) &* k, phi = chunkPhi + (row &- start) &* k
                        let rowSines = sines + (row &- start) &* k &* stride
                        for j in 0..<k {
                            let w = weights + Int(ids[j]) &* cCount
                            fieldfit_prefetch(w)
                            fieldfit_prefetch(w + (cCount &- 1))
                            var c = 0
                            while c < cCount {
                                let freq = SIMDLanes.load(m + c, Swift.min(8, cCount &- c))
                                SIMDLanes.store(VectorMath.sin(SIMD8(repeating: phi[j]) * freq),
                                                rowSines + (j &* stride &+ c), 8)
                                c &+= 8
                            }
                        }
                    }
                    // r_c = bias_c + Σ_j w_{ids[j],c} sin(φ̃_j m_c).
                    for row in start..<end {
                        let ids = chunkIds + (row &- start) &* k
                        let rowSines = sines + (row &- start) &* k &* stride
                        let out = output + (row &* width &+ g)
                        var c = 0
                        while c < cCount {
                            let lanes = Swift.min(8, cCount &- c)
                            var acc = SIMDLanes.load(bias + c, lanes)
                            for j in 0..<k {
                                let w = SIMDLanes.load(weights + (Int(ids[j]) &* cCount &+ c), lanes)
                                acc += w * SIMDLanes.load(rowSines + (j &* stride &+ c), 8)
                            }
                            SIMDLanes.store(acc, out + c, lanes)
                            c &+= 8
                        }
                    }
                    start = end
                }
            } }
        }
    }

    /// Rows per chunk of the forward and backward row loops.
    static let rowChunk = 32
    /// C rounded up to whole eight-lane blocks (the stride of a neighbour's sines in the chunk buffers).
    static func paddedChannels(_ channels: Int) -> Int { (channels + 7) & ~7 }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let v = values, let grad = gradients else { preconditionFailure("RBFEncoding: backward before bind") }
        guard let ctx = context as? Context else { preconditionFailure("RBFEncoding: wrong context type") }
        guard batch > 0 else { return }
        let g = gridWidth, width = outputWidth, d = inputWidth, k = neighbours, cCount = channels
        let kernelGradients = trainableKernels || inputGradient != nil
        // The hybrid grid: its output-gradient columns made contiguous, then its own backward.
        if let grid, let gridContext = ctx.gridContext {
            let dg = ctx.gridGradient.pointer
            pool.parallelRanges(batch, granularity: 64) { _, range in
                for row in range { for j in 0..<g { dg[row &* g &+ j] = outputGradient[row &* width &+ j] } }
            }
            grid.backward(input: input, output: ctx.gridOutput.pointer, outputGradient: dg,
                          inputGradient: inputGradient != nil ? ctx.gridInputGradient.pointer : nil,
                          batch: batch, context: gridContext, pool: pool)
        }
        let weights = UnsafePointer(v + weightsOffset)
        let centres = UnsafePointer(v + centresOffset), shapeValues = UnsafePointer(v + shapesOffset)
        let m = UnsafePointer(frequencyBuffer.pointer), sw = shapeWidth, norm = normalize, full = differentiateNormalizer
        let trainable = trainableKernels
        let ctxIds = ctx.ids, ctxPhi = UnsafePointer(ctx.phi.pointer)
        let ctxInverse = UnsafePointer(ctx.inverseSum.pointer)
        let halves = WorkerPool.split(batch, into: 2, granularity: 64)
        let chunk = RBFEncoding.rowChunk, stride = RBFEncoding.paddedChannels(cCount)
        let block = grad + weightsOffset, part = partial.pointer
        let bo = biasOffset - weightsOffset, co = centresOffset - weightsOffset, so = shapesOffset - weightsOffset
        // Frozen kernels get no gradient: the partial then only needs the weights and the bias. The second
        // half clears it itself, while the first half is already at work.
        let partialCount = trainable ? blockCount : bo + width
        pool.parallelFor(halves.count) { h in
            let target = h == 0 ? block : part
            if h != 0 { part.update(repeating: 0, count: partialCount) }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k &+ 2 &* chunk &* k &* stride) { scratch in
                let gphi = scratch.baseAddress!, sines = gphi + k, cosines = sines + chunk &* k &* stride
                var start = halves[h].lowerBound
                while start < halves[h].upperBound {
                    // A chunk's sin (and cos) of φ̃_j m_c first, apart from the scattered gradient adds, while the
                    // gradient rows those adds will touch are fetched.
                    let end = Swift.min(start &+ chunk, halves[h].upperBound)
                    for row in start..<end {
                        let phi = ctxPhi + row &* k, at = (row &- start) &* k &* stride
                        for j in 0..<k {
                            let wRow = target + Int(ctxIds[row &* k &+ j]) &* cCount
                            fieldfit_prefetch(wRow)
                            fieldfit_prefetch(wRow + (cCount &- 1))
                            var c = 0
                            while c < cCount {
                                let freq = SIMDLanes.load(m + c, Swift.min(8, cCount &- c))
                                let argument = SIMD8(repeating: phi[j]) * freq
                                if kernelGradients {
                                    let sc = VectorMath.sincos(argument)
                                    SIMDLanes.store(sc.sin, sines + (at &+ j &* stride &+ c), 8)
                                    SIMDLanes.store(sc.cos, cosines + (at &+ j &* stride &+ c), 8)
                                } else {
                                    SIMDLanes.store(VectorMath.sin(argument), sines + (at &+ j &* stride &+ c), 8)
                                }
                                c &+= 8
                            }
                        }
                    }
                    for row in start..<end {
                        let x = input + row &* d
                        let rowSines = sines + (row &- start) &* k &* stride, rowCosines = cosines + (row &- start) &* k &* stride
                        let ids = ctxIds + row &* k, phi = ctxPhi + row &* k
                        let dy = outputGradient + (row &* width &+ g)
                        // The bias, grid and RBF columns alike, row by row within the half.
                        var c = 0
                        while c < width {
                            let lanes = min(8, width &- c)
                            let b = target + (bo &+ c)
                            SIMDLanes.store(SIMDLanes.load(b, lanes) + SIMDLanes.load(outputGradient + (row &* width &+ c), lanes), b, lanes)
                            c &+= 8
                        }
                        // Weights; G_j = Σ_c dy_c w_jc m_c cos(φ̃_j m_c) for the kernel/input paths.
                        for j in 0..<k { gphi[j] = 0 }
                        for j in 0..<k {
                            let i = Int(ids[j])
                            let wRow = target + i &* cCount
                            c = 0
                            var gAcc = SIMD8<Float>(repeating: 0)
                            while c < cCount {
                                let lanes = min(8, cCount &- c)
                                let gy = SIMDLanes.load(dy + c, lanes)
                                let sine = SIMDLanes.load(rowSines + (j &* stride &+ c), 8)
                                SIMDLanes.store(SIMDLanes.load(wRow + c, lanes) + gy * sine, wRow + c, lanes)
                                if kernelGradients {
                                    let w = SIMDLanes.load(weights + (i &* cCount &+ c), lanes)
                                    let freq = SIMDLanes.load(m + c, lanes)
                                    gAcc += gy * w * freq * SIMDLanes.load(rowCosines + (j &* stride &+ c), 8)
                                }
                                c &+= 8
                            }
                            gphi[j] = SIMDLanes.sum(gAcc)
                        }
                        guard kernelGradients else { continue }
                        // dL/dφ_j through the normaliser: detached (1/S) or, for tests, full ((G_j − Σ G_i φ̃_i)/S).
                        let inverse = ctxInverse[row]
                        var mix: Float = 0
                        if norm && full { for j in 0..<k { mix += gphi[j] * phi[j] } }
                        for j in 0..<k { gphi[j] = (gphi[j] - mix) * inverse }
                        var dx = SIMD3<Float>(repeating: 0)
                        for j in 0..<k {
                            let i = Int(ids[j])
                            let e = offset(x, centres + i &* d)
                            let s = shapeValues + i &* sw
                            let gp = gphi[j]
                            var de = SIMD3<Float>(repeating: 0)
                            let ds = target + (so &+ i &* sw)
                            switch kernel {
                            case .inverseQuadratic, .gaussian:
                                let p = norm ? phi[j] / inverse : phi[j]
                                // dL/dq: dφ/dq is −φ² (inverse quadratic) or −½φ (Gaussian).
                                let f = kernel == .gaussian ? -0.5 * gp * p : -gp * p * p
                                var ae = SIMD3<Float>(repeating: 0)
                                if d == 2 {
                                    ae = SIMD3(s[0] * e.x + s[1] * e.y, s[1] * e.x + s[2] * e.y, 0)
                                } else {
                                    ae = SIMD3(s[0] * e.x + s[1] * e.y + s[2] * e.z, s[1] * e.x + s[3] * e.y + s[4] * e.z,
                                               s[2] * e.x + s[4] * e.y + s[5] * e.z)
                                }
                                de = 2 * f * ae
                                if trainable {
                                    for a in 0..<d {
                                        for b2 in a..<d {
                                            let t = RBFKernel.triangleIndex(a, b2, dimensions: d)
                                            ds[t] += f * (a == b2 ? e[a] * e[a] : 2 * e[a] * e[b2])
                                        }
                                    }
                                }
                            case .tent:
                                let t = 1 - RBFEncoding.magnitude(e) * s[0]
                                let tz: Float = d == 3 ? t.z : 1
                                if t.x > 0 && t.y > 0 && tz > 0 {
                                    let others = SIMD3<Float>(t.y * tz, t.x * tz, t.x * t.y)
                                    let sign = SIMD3<Float>(e.x < 0 ? -1 : 1, e.y < 0 ? -1 : 1, e.z < 0 ? -1 : 1)
                                    de = gp * others * (-s[0]) * sign
                                    if d == 2 { de.z = 0 }
                                    if trainable {
                                        var dsum = -abs(e.x) * others.x - abs(e.y) * others.y
                                        if d == 3 { dsum -= abs(e.z) * others.z }
                                        ds[0] += gp * dsum
                                    }
                                }
                            }
                            dx += de
                            if trainable { for a in 0..<d { target[co &+ i &* d &+ a] -= de[a] } }
                        }
                        if let inputGradient { for a in 0..<d { inputGradient[row &* d &+ a] = dx[a] } }
                    }
                    start = end
                }
            }
        }
        // The second half's partial, then the grid's input gradient.
        if halves.count > 1 {
            pool.parallelRanges(partialCount, granularity: 1024) { _, range in
                for i in range { block[i] += part[i] }
            }
        }
        if let inputGradient {
            if g > 0 {
                let gx = ctx.gridInputGradient.pointer
                for i in 0..<(batch * d) { inputGradient[i] += gx[i] }
            }
        }
    }
}
