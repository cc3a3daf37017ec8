import TensorCore

/// KAT's GR-KAN layer: y = F(x)·W (+ b), where F is a safe rational of order (5, 4) (`RationalFunction`)
/// applied element-wise, its coefficients shared by `groups` contiguous channel groups of `inputWidth/groups`.
/// KAT's paper gives every group its own numerator and denominator (done here); its released `KAT_Group`
/// shares one numerator across groups.
///
/// Parameters: `numerator` `[groups, 6]`, `denominator` `[groups, 4]` (non-matrix), `weight` `[in, out]`
/// (matrix), `bias` `[out]` (non-matrix, with biases).
///
/// Kernels: `prepare` spreads the group coefficients into per-channel lanes; forward evaluates F eight
/// channels at a time into a block of features and runs one GEMM. Backward recomputes F, adds `Fᵀ·dy` to the
/// weight partial, maps `dy·Wᵀ` back through ∂F/∂x and sums the coefficient terms per channel (ten SIMD
/// accumulators per eight channels); `reduce` folds channels into groups and applies sign(b).
///
/// Init: the rational from `RationalInit`; W Kaiming-normal with KAT's variance-preserving gain,
/// std = √(gain²/in), gain² = 1/E_{x∼N(0,1)}[F(x)²] of this layer's rational; biases 0.
final class GroupRationalKANLayer: KANLayer {
    let inputWidth: Int
    let outputWidth: Int
    let groups: Int
    let groupSize: Int
    let initialization: RationalInit
    let useBiases: Bool
    /// Channel chunks of eight.
    let chunks: Int
    /// Per chunk: ten vectors (a0 … a5, |b1| … |b4|) of eight channel lanes.
    private let table: FloatBuffer

    init(inputs: Int, outputs: Int, groups: Int, initialization: RationalInit, useBiases: Bool) {
        precondition(groups >= 1 && inputs % groups == 0, "GroupRationalKANLayer: groups must divide the width")
        inputWidth = inputs
        outputWidth = outputs
        self.groups = groups
        groupSize = inputs / groups
        self.initialization = initialization
        self.useBiases = useBiases
        chunks = (inputs + 7) / 8
        table = FloatBuffer(count: chunks * 80)
    }

    var numeratorOffset: Int { 0 }
    var denominatorOffset: Int { 6 * groups }
    var weightOffset: Int { 10 * groups }
    var biasOffset: Int { 10 * groups + inputWidth * outputWidth }
    var storedCount: Int { biasOffset + (useBiases ? outputWidth : 0) }

    var parameterTensors: [ParameterTensor] {
        var t = [ParameterTensor("numerator", shape: [groups, RationalFunction.numeratorCount], kind: .nonMatrix),
                 ParameterTensor("denominator", shape: [groups, RationalFunction.denominatorCount], kind: .nonMatrix),
                 ParameterTensor("weight", shape: [inputWidth, outputWidth], kind: .matrix)]
        if useBiases { t.append(ParameterTensor("bias", shape: [outputWidth], kind: .nonMatrix)) }
        return t
    }

    /// The parameters' layout, then ten per-channel coefficient sums per eight channels.
    var partialCount: Int { storedCount + chunks * 80 }

    func initialize(_ values: UnsafeMutablePointer<Float>, rng: inout RandomGenerator) {
        let a = initialization.numerator, b = initialization.denominator
        for g in 0..<groups {
            for i in 0..<6 { values[numeratorOffset + 6 * g + i] = a[i] }
            for i in 0..<4 { values[denominatorOffset + 4 * g + i] = b[i] }
        }
        let std = Float((RationalFunction.gainSquared(initialization) / Double(inputWidth)).squareRoot())
        for i in 0..<(inputWidth * outputWidth) { values[weightOffset + i] = std * rng.nextGaussian() }
        if useBiases { (values + biasOffset).update(repeating: 0, count: outputWidth) }
    }

    func forwardScratch(rows: Int) -> Int { rows * inputWidth }
    func backwardScratch(rows: Int) -> Int { 2 * rows * inputWidth }

    /// Spreads each group's coefficients over its channels' lanes.
    func prepare(_ values: UnsafePointer<Float>) {
        let t = table.pointer
        for c in 0..<(chunks * 8) {
            let chunk = c / 8, lane = c % 8
            let g = min(c, inputWidth - 1) / groupSize
            for i in 0..<6 { t[(chunk * 10 + i) * 8 + lane] = c < inputWidth ? values[numeratorOffset + 6 * g + i] : 0 }
            for i in 0..<4 { t[(chunk * 10 + 6 + i) * 8 + lane] = c < inputWidth ? abs(values[denominatorOffset + 4 * g + i]) : 0 }
        }
    }

    func forwardBlock(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                      values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let features = scratch
        rationals(x, rows: rows, into: features)
        Gemm.multiply(.none, .none, m: rows, n: outputWidth, k: inputWidth, a: features, b: values + weightOffset, c: y)
        if useBiases { SIMDLanes.addBias(y, rows: rows, width: outputWidth, bias: values + biasOffset) }
    }

    /// `features = F(x)` for a block, eight channels at a time (coefficients held in registers over the rows).
    @inline(__always)
    private func rationals(_ x: UnsafePointer<Float>, rows: Int, into features: UnsafeMutablePointer<Float>) {
        let d = inputWidth
        for chunk in 0..<chunks {
            let c0 = chunk &* 8, n = min(8, d &- c0)
            let coefficients = RationalLanes(UnsafePointer(table.pointer + chunk &* 80))
            for r in 0..<rows {
                let v = SIMDLanes.load(x + (r &* d &+ c0), n)
                SIMDLanes.store(RationalFunction.evaluate(v, coefficients).f, features + (r &* d &+ c0), n)
            }
        }
    }

    func backwardBlock(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                       values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let d = inputWidth
        let features = scratch, dFeatures = scratch + rows * d
        rationals(x, rows: rows, into: features)
        Gemm.multiply(.transpose, .none, m: d, n: outputWidth, k: rows, a: features, b: dy, beta: 1, c: partial + weightOffset)
        if useBiases { SIMDLanes.accumulateColumnSums(dy, rows: rows, width: outputWidth, into: partial + biasOffset) }
        Gemm.multiply(.none, .transpose, m: rows, n: d, k: outputWidth, a: dy, b: values + weightOffset, c: dFeatures)
        let sums = partial + storedCount
        for chunk in 0..<chunks {
            let c0 = chunk &* 8, n = min(8, d &- c0)
            let c = RationalLanes(UnsafePointer(table.pointer + chunk &* 80))
            let acc = sums + chunk &* 80
            func load(_ j: Int) -> SIMD8<Float> { UnsafeRawPointer(acc + j &* 8).loadUnaligned(as: SIMD8<Float>.self) }
            var s0 = load(0), s1 = load(1), s2 = load(2), s3 = load(3), s4 = load(4), s5 = load(5)
            var t1 = load(6), t2 = load(7), t3 = load(8), t4 = load(9)
            for r in 0..<rows {
                let v = SIMDLanes.load(x + (r &* d &+ c0), n)
                let g = SIMDLanes.load(dFeatures + (r &* d &+ c0), n)
                let x2 = v * v, x3 = x2 * v, x4 = x2 * x2, x5 = x4 * v
                var p = c.a0 + c.a1 * v
                p += c.a2 * x2 + c.a3 * x3
                p += c.a4 * x4 + c.a5 * x5
                var dp = c.a1 + 2 * c.a2 * v
                dp += 3 * c.a3 * x2 + 4 * c.a4 * x3
                dp += 5 * c.a5 * x4
                let negative = v .< 0
                let ax = v.replacing(with: -v, where: negative)
                let ax2 = x2, ax3 = x3.replacing(with: -x3, where: negative), ax4 = x4
                var q = 1 + c.b1 * ax
                q += c.b2 * ax2 + c.b3 * ax3
                q += c.b4 * ax4
                var dq = c.b1 + 2 * c.b2 * ax
                dq += 3 * c.b3 * ax2 + 4 * c.b4 * ax3
                dq.replace(with: -dq, where: negative)
                dq.replace(with: 0, where: v .== 0)
                let inv = 1 / q
                let f = p * inv
                if let dx { SIMDLanes.store(g * (dp - dq * f) * inv, dx + (r &* d &+ c0), n) }
                let t = g * inv
                s0 += t; s1 += t * v; s2 += t * x2; s3 += t * x3; s4 += t * x4; s5 += t * x5
                let u = -t * f
                t1 += u * ax; t2 += u * ax2; t3 += u * ax3; t4 += u * ax4
            }
            func store(_ v: SIMD8<Float>, _ j: Int) { UnsafeMutableRawPointer(acc + j &* 8).storeBytes(of: v, as: SIMD8<Float>.self) }
            store(s0, 0); store(s1, 1); store(s2, 2); store(s3, 3); store(s4, 4); store(s5, 5)
            store(t1, 6); store(t2, 7); store(t3, 8); store(t4, 9)
        }
    }

    func reduce(partials: UnsafePointer<Float>, stride: Int, slots: Int, values: UnsafePointer<Float>,
                into gradients: UnsafeMutablePointer<Float>) {
        Self.sumSlots(partials + weightOffset, stride: stride, slots: slots, count: storedCount - weightOffset,
                      into: gradients + weightOffset)
        for g in 0..<groups {
            for j in 0..<10 {
                var sum: Float = 0
                for s in 0..<slots {
                    let base = partials + s * stride + storedCount
                    for c in (g * groupSize)..<((g + 1) * groupSize) { sum += base[((c / 8) * 10 + j) * 8 + c % 8] }
                }
                if j < 6 {
                    gradients[numeratorOffset + 6 * g + j] += sum
                } else {
                    let b = values[denominatorOffset + 4 * g + j - 6]
                    gradients[denominatorOffset + 4 * g + j - 6] += b < 0 ? -sum : sum
                }
            }
        }
    }
}
