import Foundation
import TensorCore

/// AF-KAN's layer (Ta & Tran; All-KAN `AF_KANLayer` with `global_attn`, LayerNorm), for one sample x ∈ R^D
/// with J = G + K bases per input:
///
///     s₁ = act(x_d − low_j), s₂ = act(high_j − x_d), F_dj = function(s₁, s₂)      (quad1: (s₁s₂)²)
///     N = (F − min F)/(max F − min F)      per sample (`AFKANNormalization`; the L2 step cancels)
///     e_d = Σ_j w_j N_dj,  a = softmax_d(e/max(T, 1)),  z_d = a_d·Σ_j N_dj
///     h = γ ⊙ LayerNorm(z) + β  (ε = 1e-5),  y = act(h)·W
///
/// The attention `Linear(J → 1)` keeps only its weight w: its bias adds the same constant to every logit and
/// cancels in the softmax. Parameters: `weight` `[D, out]` (matrix), `low`, `high`, `attention` `[J]`,
/// `temperature` `[1]`, `norm_weight`, `norm_bias` `[D]` (non-matrix). Init as All-KAN: low = (j − K)/G,
/// high = low + (K + 1)/G, w ∼ U(±1/√J), T = √D, γ = 1, β = 0, W ∼ U(±1/√D).
///
/// Kernels run per row, SIMD over eight inputs, on row-local arrays in the block scratch; the block's
/// act(h) rows feed one GEMM. Backward recomputes a row's forward values and runs the chain above in
/// reverse (softmax, LayerNorm and min/max included); per-row parameter terms go to the slot's partials.
final class AFKANLayer: KANLayer {
    let inputWidth: Int
    let outputWidth: Int
    let options: AFKANOptions
    /// Bases per input J = G + K.
    let bases: Int
    /// Inputs rounded up to a multiple of eight.
    let paddedWidth: Int

    init(inputs: Int, outputs: Int, options: AFKANOptions) {
        inputWidth = inputs
        outputWidth = outputs
        self.options = options
        bases = options.gridSize + options.order
        paddedWidth = (inputs + 7) / 8 * 8
    }

    var weightOffset: Int { 0 }
    var lowOffset: Int { inputWidth * outputWidth }
    var highOffset: Int { lowOffset + bases }
    var attentionOffset: Int { highOffset + bases }
    var temperatureOffset: Int { attentionOffset + bases }
    var gammaOffset: Int { temperatureOffset + 1 }
    var betaOffset: Int { gammaOffset + inputWidth }
    var storedCount: Int { betaOffset + inputWidth }

    var parameterTensors: [ParameterTensor] {
        [ParameterTensor("weight", shape: [inputWidth, outputWidth], kind: .matrix),
         ParameterTensor("low", shape: [bases], kind: .nonMatrix),
         ParameterTensor("high", shape: [bases], kind: .nonMatrix),
         ParameterTensor("attention", shape: [bases], kind: .nonMatrix),
         ParameterTensor("temperature", shape: [1], kind: .nonMatrix),
         ParameterTensor("norm_weight", shape: [inputWidth], kind: .nonMatrix),
         ParameterTensor("norm_bias", shape: [inputWidth], kind: .nonMatrix)]
    }

    var partialCount: Int { storedCount }

    func initialize(_ values: UnsafeMutablePointer<Float>, rng: inout RandomGenerator) {
        let bound = 1 / Float(inputWidth).squareRoot()
        for i in 0..<(inputWidth * outputWidth) { values[weightOffset + i] = rng.nextFloat(-bound, bound) }
        let g = Float(options.gridSize), k = options.order
        for j in 0..<bases {
            let low = Float(j - k) / g
            values[lowOffset + j] = low
            values[highOffset + j] = low + Float(k + 1) / g
        }
        let wb = 1 / Float(bases).squareRoot()
        for j in 0..<bases { values[attentionOffset + j] = rng.nextFloat(-wb, wb) }
        values[temperatureOffset] = Float(inputWidth).squareRoot()
        (values + gammaOffset).update(repeating: 1, count: inputWidth)
        (values + betaOffset).update(repeating: 0, count: inputWidth)
    }

    // Row-local arrays (floats): F, s₁, s₂, act′(u), act′(v) as [J][Dp]; e, a, S, ẑ, h, dx as [Dp].
    // Backward keeps every row of the block (and its five statistics), so no row is evaluated twice.
    private var planeFloats: Int { bases * paddedWidth }
    private var rowFloats: Int { 5 * planeFloats + 6 * paddedWidth + 8 }

    func forwardScratch(rows: Int) -> Int { rows * inputWidth + rowFloats }
    func backwardScratch(rows: Int) -> Int { 2 * rows * inputWidth + rows * rowFloats }

    /// Pointers into a row's scratch.
    struct Row {
        let f, s1, s2, d1, d2: UnsafeMutablePointer<Float>
        let e, a, sum, zHat, h, dx: UnsafeMutablePointer<Float>
        /// The row's `RowStats` (five floats).
        let stats: UnsafeMutablePointer<Float>
    }

    private func row(_ scratch: UnsafeMutablePointer<Float>) -> Row {
        let p = planeFloats, w = paddedWidth
        let v = scratch + 5 * p
        return Row(f: scratch, s1: scratch + p, s2: scratch + 2 * p, d1: scratch + 3 * p, d2: scratch + 4 * p,
                   e: v, a: v + w, sum: v + 2 * w, zHat: v + 3 * w, h: v + 4 * w, dx: v + 5 * w, stats: v + 6 * w)
    }

    /// What a row's forward pass leaves for its backward pass besides the arrays.
    struct RowStats {
        var minimum: Float = 0
        var maximum: Float = 0
        /// 1/(max − min), or 0 when all values are equal (or without normalisation: 1 and min 0).
        var scale: Float = 1
        var tau: Float = 1
        var inverseSigma: Float = 1
    }

    /// One row's forward pass into `out` (`inputWidth` floats of act(h)); `training` also keeps s₁, s₂ and
    /// their derivatives.
    @inline(__always)
    private func rowForward(_ x: UnsafePointer<Float>, values: UnsafePointer<Float>, r: Row, training: Bool,
                            out: UnsafeMutablePointer<Float>) -> RowStats {
        let d = inputWidth, w = paddedWidth, jCount = bases, act = options.baseActivation, fn = options.function
        let padding = SIMDLanes.iota .>= SIMD8<Float>(repeating: Float(d - (w - 8)))   // lanes past the inputs
        let plusInf = SIMD8<Float>(repeating: .infinity), minusInf = SIMD8<Float>(repeating: -.infinity)
        var vmin = plusInf, vmax = minusInf
        for j in 0..<jCount {
            let low = SIMD8<Float>(repeating: values[lowOffset &+ j]), high = SIMD8<Float>(repeating: values[highOffset &+ j])
            var c0 = 0
            while c0 < w {
                let n = min(8, d &- c0)
                let v = SIMDLanes.load(x + c0, n)
                let (s1, d1) = Activation.valueAndDerivative(act, v - low)
                let (s2, d2) = Activation.valueAndDerivative(act, high - v)
                let f = fn.value(s1, s2)
                let o = j &* w &+ c0
                SIMDLanes.store(f, r.f + o, 8)
                if training {
                    SIMDLanes.store(s1, r.s1 + o, 8); SIMDLanes.store(s2, r.s2 + o, 8)
                    SIMDLanes.store(d1, r.d1 + o, 8); SIMDLanes.store(d2, r.d2 + o, 8)
                }
                if n < 8 {
                    vmin = SIMDLanes.minimum(vmin, f.replacing(with: plusInf, where: padding))
                    vmax = SIMDLanes.maximum(vmax, f.replacing(with: minusInf, where: padding))
                } else {
                    vmin = SIMDLanes.minimum(vmin, f)
                    vmax = SIMDLanes.maximum(vmax, f)
                }
                c0 &+= 8
            }
        }
        var stats = RowStats()
        if options.normalization == .sample {
            stats.minimum = SIMDLanes.min(vmin)
            stats.maximum = SIMDLanes.max(vmax)
            stats.scale = stats.maximum > stats.minimum ? 1 / (stats.maximum - stats.minimum) : 0
        }
        let m = SIMD8<Float>(repeating: stats.minimum), scale = SIMD8<Float>(repeating: stats.scale)
        // Logits e_d and sums S_d over the normalised bases.
        let tau = max(values[temperatureOffset], 1)
        stats.tau = tau
        var emax = minusInf
        var c0 = 0
        while c0 < w {
            var e = SIMD8<Float>(), s = SIMD8<Float>()
            for j in 0..<jCount {
                let nv = (SIMDLanes.load(r.f + (j &* w &+ c0), 8) - m) * scale
                e += values[attentionOffset &+ j] * nv
                s += nv
            }
            let last = c0 &+ 8 >= w
            if last { e.replace(with: 0, where: padding); s.replace(with: 0, where: padding) }
            SIMDLanes.store(e, r.e + c0, 8)
            SIMDLanes.store(s, r.sum + c0, 8)
            emax = SIMDLanes.maximum(emax, last ? (e / tau).replacing(with: minusInf, where: padding) : e / tau)
            c0 &+= 8
        }
        // Softmax over the inputs.
        let top = SIMD8<Float>(repeating: SIMDLanes.max(emax))
        var total = SIMD8<Float>()
        c0 = 0
        while c0 < w {
            var a = VectorMath.exp(SIMDLanes.load(r.e + c0, 8) / tau - top)
            if c0 &+ 8 >= w { a.replace(with: 0, where: padding) }
            SIMDLanes.store(a, r.a + c0, 8)
            total += a
            c0 &+= 8
        }
        let inverseTotal = 1 / SIMDLanes.sum(total)
        // z = a·S, LayerNorm statistics.
        var zs = SIMD8<Float>()
        c0 = 0
        while c0 < w {
            let a = SIMDLanes.load(r.a + c0, 8) * inverseTotal
            SIMDLanes.store(a, r.a + c0, 8)
            let z = a * SIMDLanes.load(r.sum + c0, 8)
            SIMDLanes.store(z, r.zHat + c0, 8)
            zs += z
            c0 &+= 8
        }
        let mean = SIMDLanes.sum(zs) / Float(d)
        var vs = SIMD8<Float>()
        c0 = 0
        while c0 < w {
            var dz = SIMDLanes.load(r.zHat + c0, 8) - mean
            if c0 &+ 8 >= w { dz.replace(with: 0, where: padding) }
            vs += dz * dz
            c0 &+= 8
        }
        let inverseSigma = 1 / (SIMDLanes.sum(vs) / Float(d) + 1e-5).squareRoot()
        stats.inverseSigma = inverseSigma
        c0 = 0
        while c0 < w {
            let n = min(8, d &- c0)
            let zHat = (SIMDLanes.load(r.zHat + c0, 8) - mean) * inverseSigma
            SIMDLanes.store(zHat, r.zHat + c0, 8)
            let h = SIMDLanes.load(values + (gammaOffset &+ c0), n) * zHat + SIMDLanes.load(values + (betaOffset &+ c0), n)
            SIMDLanes.store(h, r.h + c0, 8)
            SIMDLanes.store(Activation.evaluate(act, h), out + c0, n)
            c0 &+= 8
        }
        return stats
    }

    func forwardBlock(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                      values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let d = inputWidth
        let features = scratch
        let r = row(scratch + rows * d)
        for i in 0..<rows {
            _ = rowForward(x + i &* d, values: values, r: r, training: false, out: features + i &* d)
        }
        Gemm.multiply(.none, .none, m: rows, n: outputWidth, k: d, a: features, b: values + weightOffset, c: y)
    }

    func backwardBlock(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                       values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let d = inputWidth
        let features = scratch, dFeatures = scratch + rows * d
        let rowsBase = scratch + 2 * rows * d
        for i in 0..<rows {
            let r = row(rowsBase + i &* rowFloats)
            let st = rowForward(x + i &* d, values: values, r: r, training: true, out: features + i &* d)
            r.stats[0] = st.minimum; r.stats[1] = st.maximum; r.stats[2] = st.scale; r.stats[3] = st.tau; r.stats[4] = st.inverseSigma
        }
        Gemm.multiply(.transpose, .none, m: d, n: outputWidth, k: rows, a: features, b: dy, beta: 1, c: partial + weightOffset)
        Gemm.multiply(.none, .transpose, m: rows, n: d, k: outputWidth, a: dy, b: values + weightOffset, c: dFeatures)
        for i in 0..<rows {
            let r = row(rowsBase + i &* rowFloats)
            let st = RowStats(minimum: r.stats[0], maximum: r.stats[1], scale: r.stats[2], tau: r.stats[3], inverseSigma: r.stats[4])
            rowBackward(dFeatures + i &* d, stats: st, values: values, r: r, partial: partial, dx: dx.map { $0 + i &* d })
        }
    }

    /// One row's backward pass from g = dL/d act(h) (after `rowForward(training: true)` filled `r`).
    @inline(__always)
    private func rowBackward(_ g: UnsafePointer<Float>, stats: RowStats, values: UnsafePointer<Float>, r: Row,
                             partial: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let d = inputWidth, w = paddedWidth, jCount = bases, act = options.baseActivation, fn = options.function
        let padding = SIMDLanes.iota .>= SIMD8<Float>(repeating: Float(d - (w - 8)))   // lanes past the inputs
        // LayerNorm and the output activation: dẑ = γ·act′(h)·g; dγ += act′(h)·g·ẑ; dβ += act′(h)·g.
        var m1 = SIMD8<Float>(), m2 = SIMD8<Float>()
        var c0 = 0
        while c0 < w {
            let n = min(8, d &- c0)
            let dh = Activation.valueAndDerivative(act, SIMDLanes.load(r.h + c0, 8)).derivative * SIMDLanes.load(g + c0, n)
            let zHat = SIMDLanes.load(r.zHat + c0, 8)
            SIMDLanes.store(SIMDLanes.load(partial + (gammaOffset &+ c0), n) + dh * zHat, partial + (gammaOffset &+ c0), n)
            SIMDLanes.store(SIMDLanes.load(partial + (betaOffset &+ c0), n) + dh, partial + (betaOffset &+ c0), n)
            let dzHat = dh * SIMDLanes.load(values + (gammaOffset &+ c0), n)
            SIMDLanes.store(dzHat, r.dx + c0, 8)          // dx holds dẑ for now
            m1 += dzHat
            m2 += dzHat * zHat
            c0 &+= 8
        }
        let mean1 = SIMDLanes.sum(m1) / Float(d), mean2 = SIMDLanes.sum(m2) / Float(d)
        // dz → da, dS; softmax: de′ = a(da − Σ a·da).
        var sda = SIMD8<Float>()
        c0 = 0
        while c0 < w {
            var dz = (SIMDLanes.load(r.dx + c0, 8) - mean1 - SIMDLanes.load(r.zHat + c0, 8) * mean2) * stats.inverseSigma
            if c0 &+ 8 >= w { dz.replace(with: 0, where: padding) }
            let a = SIMDLanes.load(r.a + c0, 8)
            let da = dz * SIMDLanes.load(r.sum + c0, 8)
            SIMDLanes.store(da, r.zHat + c0, 8)            // zHat now holds da
            SIMDLanes.store(dz * a, r.sum + c0, 8)         // sum now holds dS
            sda += a * da
            c0 &+= 8
        }
        let sumADA = SIMDLanes.sum(sda)
        var dtau = SIMD8<Float>()
        c0 = 0
        while c0 < w {
            let a = SIMDLanes.load(r.a + c0, 8)
            let dePrime = a * (SIMDLanes.load(r.zHat + c0, 8) - sumADA)
            dtau -= dePrime * SIMDLanes.load(r.e + c0, 8)
            SIMDLanes.store(dePrime / stats.tau, r.e + c0, 8)   // e now holds de
            c0 &+= 8
        }
        if values[temperatureOffset] >= 1 {
            partial[temperatureOffset] += SIMDLanes.sum(dtau) / (stats.tau * stats.tau)
        }
        // dN_dj = de_d·w_j + dS_d; attention gradient Σ_d de_d·N_dj; min/max terms.
        let m = SIMD8<Float>(repeating: stats.minimum), scale = SIMD8<Float>(repeating: stats.scale)
        let sample = options.normalization == .sample
        var dmin = SIMD8<Float>(), dmax = SIMD8<Float>()
        for j in 0..<jCount {
            let wj = values[attentionOffset &+ j]
            var dw = SIMD8<Float>()
            c0 = 0
            while c0 < w {
                let nv = (SIMDLanes.load(r.f + (j &* w &+ c0), 8) - m) * scale
                let de = SIMDLanes.load(r.e + c0, 8)
                dw += de * nv
                if sample {
                    let dn = de * wj + SIMDLanes.load(r.sum + c0, 8)
                    dmin += dn * (nv - 1)
                    dmax -= dn * nv
                }
                c0 &+= 8
            }
            partial[attentionOffset &+ j] += SIMDLanes.sum(dw)
        }
        var dMin: Float = 0, dMax: Float = 0
        var argMin = -1, argMax = -1
        if sample && stats.scale > 0 {
            dMin = SIMDLanes.sum(dmin) * stats.scale
            dMax = SIMDLanes.sum(dmax) * stats.scale
            // First occurrences of the min and max (autograd's choice among ties differs; ties are measure-zero).
            for j in 0..<jCount {
                for c in 0..<d {
                    let f = r.f[j &* w &+ c]
                    if argMin < 0 && f == stats.minimum { argMin = j &* w &+ c }
                    if argMax < 0 && f == stats.maximum { argMax = j &* w &+ c }
                }
            }
        }
        // dF → ds₁, ds₂ → du, dv → dx, dlow, dhigh.
        let lanes = SIMDLanes.iota
        let dxAcc = r.dx
        c0 = 0
        while c0 < w { SIMDLanes.store(SIMD8<Float>(), dxAcc + c0, 8); c0 &+= 8 }
        for j in 0..<jCount {
            let wj = values[attentionOffset &+ j]
            var dl = SIMD8<Float>(), dhh = SIMD8<Float>()
            c0 = 0
            while c0 < w {
                let o = j &* w &+ c0
                var df = (SIMDLanes.load(r.e + c0, 8) * wj + SIMDLanes.load(r.sum + c0, 8)) * scale
                if argMin >= o && argMin < o &+ 8 { df += SIMD8<Float>(repeating: dMin).replacing(with: 0, where: lanes .!= SIMD8(repeating: Float(argMin &- o))) }
                if argMax >= o && argMax < o &+ 8 { df += SIMD8<Float>(repeating: dMax).replacing(with: 0, where: lanes .!= SIMD8(repeating: Float(argMax &- o))) }
                if c0 &+ 8 >= w { df.replace(with: 0, where: padding) }
                let s1 = SIMDLanes.load(r.s1 + o, 8), s2 = SIMDLanes.load(r.s2 + o, 8)
                let (p1, p2) = fn.partials(s1, s2)
                let du = df * p1 * SIMDLanes.load(r.d1 + o, 8)
                let dv = df * p2 * SIMDLanes.load(r.d2 + o, 8)
                SIMDLanes.store(SIMDLanes.load(dxAcc + c0, 8) + du - dv, dxAcc + c0, 8)
                dl -= du
                dhh += dv
                c0 &+= 8
            }
            partial[lowOffset &+ j] += SIMDLanes.sum(dl)
            partial[highOffset &+ j] += SIMDLanes.sum(dhh)
        }
        if let dx {
            c0 = 0
            while c0 < w {
                SIMDLanes.store(SIMDLanes.load(dxAcc + c0, 8), dx + c0, min(8, d &- c0))
                c0 &+= 8
            }
        }
    }

    func reduce(partials: UnsafePointer<Float>, stride: Int, slots: Int, values: UnsafePointer<Float>,
                into gradients: UnsafeMutablePointer<Float>) {
        Self.sumSlots(partials, stride: stride, slots: slots, count: partialCount, into: gradients)
    }
}
