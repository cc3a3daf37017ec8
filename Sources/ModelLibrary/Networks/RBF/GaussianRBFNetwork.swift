import FieldIO
import TensorCore

/// Gaussian RBFNet's decoder (Bouzidi et al., "Gaussian RBFNet" / GNF): a single layer of `units` Gaussian
/// kernels in the space of the encoded features, then a linear read-out.
///
///     φ_j(f) = exp(−Σ_d (s_jd · (f_d − c_jd))²)        j = 1 … units, d = 1 … inputWidth
///     y      = act(Σ_j φ_j · V_j + b)
///
/// with learned centres `c` (`[units, inputWidth]`), per-dimension scales `s` (same shape), read-out `V`
/// (`[units, outputWidth]`) and bias `b`. It is meant to sit on low-resolution grid features (a dense grid,
/// a tri-plane or a small hash grid): the grid carries the spatial detail, the kernels replace the MLP.
///
/// The kernel distances run as GEMMs over a row block, by expanding the square:
/// q = (f⊙f)·(s²)ᵀ − 2·f·(s²⊙c)ᵀ + Σ_d s²c² — so a block costs three small sgemms instead of a per-unit loop.
/// Backward: with g = dL/dq = −φ ⊙ (dL/dy·Vᵀ), dL/df = 2 f ⊙ (g·s²) − 2 g·(s²⊙c); the centre and scale
/// gradients need Σ_b g, gᵀ·f and gᵀ·(f⊙f) per slot, which are added in slot order and only then turned into
/// dL/dc = −2 s² (gᵀf − c Σg) and dL/ds = 2 s (gᵀ(f⊙f) − 2c gᵀf + c² Σg) (so results do not depend on the
/// thread count).
///
/// Init (the paper's is unpublished; this is ours): centres U(−1, 1), scales √(3/inputWidth) so that a kernel
/// starts near e⁻¹ at f = 0 (the grid features start near zero), read-out Xavier-uniform, bias 0.
public final class GaussianRBFNetwork: RowBlockNetwork, DifferentiableModule {
    /// The config otypes this network answers to.
    public static let otypes = ["GaussianRBF"]

    /// Gaussian kernels in the layer.
    public let units: Int
    /// Whether the read-out has a bias.
    public let useBias: Bool

    // Parameter offsets.
    let centreOffset: Int, scaleOffset: Int, readoutOffset: Int, biasOffset: Int
    /// Per-pass values derived from the parameters: s² (`[units, in]`), −2·s²⊙c (`[units, in]`), Σ_d s²c² (`[units]`).
    private let derived: FloatBuffer

    /// A layer of `units` Gaussian kernels over `inputWidth` features with `outputWidth` outputs.
    public init(inputWidth: Int, outputWidth: Int, units: Int = 32, outputActivation: Activation = .none,
                useBias: Bool = true, chunkRows: Int = 256) {
        precondition(units > 0, "GaussianRBFNetwork: invalid shape")
        self.units = units
        self.useBias = useBias
        var layout = ParameterLayout()
        centreOffset = layout.take(units * inputWidth)
        scaleOffset = layout.take(units * inputWidth)
        readoutOffset = layout.take(units * outputWidth)
        biasOffset = useBias ? layout.take(outputWidth) : -1
        derived = FloatBuffer(count: 2 * units * inputWidth + units)
        // Inference scratch per slot: f⊙f, then q/φ.
        super.init(inputWidth: inputWidth, outputWidth: outputWidth, outputActivation: outputActivation,
                   chunkRows: chunkRows, parameterCount: layout.count, context: GaussianRBFContext.self,
                   inferenceScratchPerSlot: chunkRows * (inputWidth + units))
    }

    /// A layer from the keys `n_units` (32), `output_activation` ("None") and `use_bias` (true).
    public convenience init(config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        let units = try config.int("n_units", default: 32, in: 1...4_096)
        let out = try config.choice("output_activation", Activation.names, default: "None")
        let bias = try config.bool("use_bias", default: true)
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, units: units, outputActivation: Activation(name: out)!,
                  useBias: bias)
    }

    /// `centres`, `scales` (`[units, in]`), `readout` (`[units, out]`, matrix) and `bias`.
    public var parameterTensors: [ParameterTensor] {
        var t = [ParameterTensor("centres", shape: [units, inputWidth], kind: .nonMatrix),
                 ParameterTensor("scales", shape: [units, inputWidth], kind: .nonMatrix),
                 ParameterTensor("readout", shape: [units, outputWidth], kind: .matrix)]
        if useBias { t.append(ParameterTensor("bias", shape: [outputWidth], kind: .nonMatrix)) }
        return t
    }

    /// Centres U(−1, 1), scales √(3/inputWidth), Xavier-uniform read-out, zero bias.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        let v = boundValues()
        for i in 0..<(units * inputWidth) { v[centreOffset + i] = rng.nextFloat(-1, 1) }
        (v + scaleOffset).update(repeating: (3 / Float(inputWidth)).squareRoot(), count: units * inputWidth)
        let limit = (6 / Float(units + outputWidth)).squareRoot()
        for i in 0..<(units * outputWidth) { v[readoutOffset + i] = rng.nextFloat(-limit, limit) }
        if useBias { (v + biasOffset).update(repeating: 0, count: outputWidth) }
    }

    /// A context holding φ for every row, plus per-slot backward scratch and partials.
    public func makeContext(capacity: Int) -> ModuleContext { GaussianRBFContext(self, capacity: capacity) }

    // MARK: Derived values

    @inline(__always) private var squaredScales: UnsafeMutablePointer<Float> { derived.pointer }
    @inline(__always) private var scaledCentres: UnsafeMutablePointer<Float> { derived.pointer + units &* inputWidth }
    @inline(__always) private var offsets: UnsafeMutablePointer<Float> { derived.pointer + 2 &* units &* inputWidth }

    /// s², −2·s²⊙c and Σ_d s²c² from the current parameters.
    override func prepare(_ values: UnsafePointer<Float>) {
        let n = inputWidth
        for j in 0..<units {
            var k: Float = 0
            for d in 0..<n {
                let i = j &* n &+ d
                let s = values[scaleOffset &+ i], c = values[centreOffset &+ i]
                let s2 = s * s
                squaredScales[i] = s2
                scaledCentres[i] = -2 * s2 * c
                k += s2 * c * c
            }
            offsets[j] = k
        }
    }

    // MARK: Forward

    /// φ = exp(−q) into `phi` and y = act(φ·V + b) into the output rows.
    override func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int,
                               slot: Int, values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        let n = inputWidth
        let f = input + row &* n
        let squares: UnsafeMutablePointer<Float>, phi: UnsafeMutablePointer<Float>
        if let context {
            let c = unsafeDowncast(context, to: GaussianRBFContext.self)
            squares = c.scratch(slot: slot)
            phi = c.phi.pointer + row &* units
        } else {
            squares = inferenceScratch(slot: slot)
            phi = squares + chunkRows &* n
        }
        kernelValues(f, rows: rows, squares: squares, into: phi)
        let y = output + row &* outputWidth
        Gemm.multiply(.none, .none, m: rows, n: outputWidth, k: units, a: phi, lda: units, b: values + readoutOffset,
                      ldb: outputWidth, beta: 0, c: y, ldc: outputWidth)
        if useBias {
            outputActivation.forward(y, rows: rows, width: outputWidth, bias: values + biasOffset,
                                     derivative: outputDerivative(context, row: row))
        } else {
            outputActivation.forward(y, count: rows &* outputWidth, derivative: outputDerivative(context, row: row))
        }
    }

    /// `squares` = f⊙f and φ = exp(−max(q, 0)) for a block of rows.
    @inline(__always)
    private func kernelValues(_ f: UnsafePointer<Float>, rows: Int, squares: UnsafeMutablePointer<Float>,
                              into phi: UnsafeMutablePointer<Float>) {
        let n = inputWidth
        for i in 0..<(rows &* n) { squares[i] = f[i] * f[i] }
        Gemm.multiply(.none, .transpose, m: rows, n: units, k: n, a: squares, lda: n, b: squaredScales, ldb: n,
                      beta: 0, c: phi, ldc: units)
        Gemm.multiply(.none, .transpose, m: rows, n: units, k: n, a: f, lda: n, b: scaledCentres, ldb: n,
                      beta: 1, c: phi, ldc: units)
        for r in 0..<rows {
            let p = phi + r &* units
            var j = 0
            while j &+ 8 <= units {
                let q = SIMDLanes.load(p + j, 8) + SIMDLanes.load(offsets + j, 8)
                SIMDLanes.store(VectorMath.exp(-SIMDLanes.maximum(q, .zero)), p + j, 8)
                j &+= 8
            }
            if j < units {
                let rest = units &- j
                let q = SIMDLanes.load(p + j, rest) + SIMDLanes.load(offsets + j, rest)
                SIMDLanes.store(VectorMath.exp(-SIMDLanes.maximum(q, .zero)), p + j, rest)
            }
        }
    }

    // MARK: Backward

    /// Partials per slot: gᵀf, gᵀ(f⊙f) (`[units, in]` each), Σg (`[units]`), dV (`[units, out]`), db.
    var partialCount: Int { 2 * units * inputWidth + units + units * outputWidth + outputWidth }

    override func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                                values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        let c = unsafeDowncast(context, to: GaussianRBFContext.self)
        let n = inputWidth, o = outputWidth
        let f = input + row &* n
        let phi = c.phi.pointer + row &* units
        let scratch = c.scratch(slot: slot)
        let squares = scratch, g = scratch + chunkRows &* n, dzScratch = g + chunkRows &* units
        let partial = c.partials(slot: slot)
        let pF = partial, pFF = partial + units &* n, pSum = pFF + units &* n, pV = pSum + units, pB = pV + units &* o
        let beta: Float = first ? 0 : 1

        let dz = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: context, scratch: dzScratch)
        // dV (+)= φᵀ·dz, db (+)= Σ dz.
        Gemm.multiply(.transpose, .none, m: units, n: o, k: rows, a: phi, lda: units, b: dz, ldb: o, beta: beta, c: pV, ldc: o)
        if useBias { SIMDLanes.accumulateColumnSums(dz, rows: rows, width: o, ld: o, into: pB, overwrite: first) }
        // g = −φ ⊙ (dz·Vᵀ).
        Gemm.multiply(.none, .transpose, m: rows, n: units, k: o, a: dz, lda: o, b: values + readoutOffset, ldb: o,
                      beta: 0, c: g, ldc: units)
        for i in 0..<(rows &* units) { g[i] = -phi[i] * g[i] }
        // Σg, gᵀf, gᵀ(f⊙f).
        SIMDLanes.accumulateColumnSums(g, rows: rows, width: units, ld: units, into: pSum, overwrite: first)
        for i in 0..<(rows &* n) { squares[i] = f[i] * f[i] }
        Gemm.multiply(.transpose, .none, m: units, n: n, k: rows, a: g, lda: units, b: f, ldb: n, beta: beta, c: pF, ldc: n)
        Gemm.multiply(.transpose, .none, m: units, n: n, k: rows, a: g, lda: units, b: squares, ldb: n, beta: beta, c: pFF, ldc: n)
        // dL/df = 2 f ⊙ (g·s²) + g·(−2 s²⊙c).
        if let dx = inputGradient.map({ $0 + row &* n }) {
            Gemm.multiply(.none, .none, m: rows, n: n, k: units, a: g, lda: units, b: squaredScales, ldb: n, beta: 0, c: dx, ldc: n)
            for i in 0..<(rows &* n) { dx[i] = 2 * f[i] * dx[i] }
            Gemm.multiply(.none, .none, m: rows, n: n, k: units, a: g, lda: units, b: scaledCentres, ldb: n, beta: 1, c: dx, ldc: n)
        }
    }

    /// Adds the slots' partials in slot order, then turns the sums into centre and scale gradients.
    override func reducePartials(_ context: RowBlockContext, used: Int, values: UnsafePointer<Float>,
                                 into gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let n = inputWidth, count = partialCount
        let c = unsafeDowncast(context, to: GaussianRBFContext.self)
        let sums = c.sums.pointer
        sums.update(repeating: 0, count: count)
        RowBlocks.reducePartials(context.partials.pointer, count: count, used: used, into: sums, pool: pool)
        let pF = sums, pFF = sums + units &* n, pSum = pFF + units &* n, pV = pSum + units, pB = pV + units &* outputWidth
        for j in 0..<units {
            for d in 0..<n {
                let i = j &* n &+ d
                let s = values[scaleOffset &+ i], cc = values[centreOffset &+ i]
                gradients[centreOffset &+ i] += -2 * s * s * (pF[i] - cc * pSum[j])
                gradients[scaleOffset &+ i] += 2 * s * (pFF[i] - 2 * cc * pF[i] + cc * cc * pSum[j])
            }
        }
        for i in 0..<(units &* outputWidth) { gradients[readoutOffset &+ i] += pV[i] }
        if useBias { for i in 0..<outputWidth { gradients[biasOffset &+ i] += pB[i] } }
    }
}

/// What a `GaussianRBFNetwork`'s training forward saves (φ for every row) plus per-slot scratch
/// (f⊙f, g = dL/dq, an output-gradient block) and per-slot partial sums.
public final class GaussianRBFContext: RowBlockContext {
    /// Kernel values, `[capacity][units]`.
    let phi: FloatBuffer
    /// The slot sums of the partials, turned into gradients by `reducePartials`.
    let sums: FloatBuffer

    /// A context for `network` and batches of up to `capacity` rows.
    init(_ network: GaussianRBFNetwork, capacity: Int) {
        let cap = max(capacity, 0)
        phi = FloatBuffer(count: cap * network.units)
        sums = FloatBuffer(count: network.partialCount)
        let rows = network.chunkRows
        super.init(network, capacity: cap,
                   scratchPerSlot: rows * (network.inputWidth + network.units + network.outputWidth),
                   partialsPerSlot: network.partialCount)
    }
}
