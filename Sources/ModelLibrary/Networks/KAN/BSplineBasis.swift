import TensorCore

/// Uniform B-spline bases of order (degree) k on G intervals, efficient-KAN's grid: knots
/// t_m = lo + (m − k)·h for m = 0 … G + 2k, h = (hi − lo)/G, giving J = G + k bases B_0 … B_{J−1};
/// basis i is non-zero on [t_i, t_{i+k+1}). Outside [t_0, t_{G+2k}) every basis is 0.
///
/// Evaluation is SIMD across eight inputs: u = (x − t_0)/h, cell c = ⌊u⌋, local t = u − c, and the k + 1
/// non-zero values (bases c − k … c) come from the uniform Cox–de Boor recurrence
/// b_r ← ((t + p − r)·b_{r−1} + (r + 1 − t)·b_r)/p for p = 1 … k. Basis i is then picked per lane by
/// comparing c with i + k − r, so values land in a basis-major row `[B_0(x_0…x_7), B_1(…), …]` with
/// plain vector stores. The derivative is dB_i/dx = (N_{i,k−1} − N_{i+1,k−1})/h from the degree k − 1 values.
struct BSplineBasis {
    /// Grid intervals G.
    let gridSize: Int
    /// Order (degree) k.
    let order: Int
    /// First knot t_0.
    let firstKnot: Float
    /// 1/h.
    let inverseSpacing: Float

    /// The number of bases J = G + k.
    var count: Int { gridSize + order }

    /// A basis over `range` with `gridSize` intervals and order `order` (1…5).
    init(gridSize: Int, order: Int, range: ClosedRange<Float>) {
        self.gridSize = gridSize
        self.order = order
        let h = (range.upperBound - range.lowerBound) / Float(gridSize)
        firstKnot = range.lowerBound - Float(order) * h
        inverseSpacing = 1 / h
    }

    /// Cell index ⌊u⌋ (as a float, clamped to [−1, G + 2k] so far-away inputs stay exact and select no basis)
    /// and local coordinate t = u − ⌊u⌋.
    @inline(__always)
    func locate(_ x: SIMD8<Float>) -> (cell: SIMD8<Float>, t: SIMD8<Float>) {
        var u = (x - firstKnot) * inverseSpacing
        let lo = SIMD8<Float>(repeating: -1), hi = SIMD8<Float>(repeating: Float(gridSize + 2 * order) + 0.5)
        u.replace(with: lo, where: u .< lo)
        u.replace(with: hi, where: u .> hi)
        u.replace(with: lo, where: u .!= u)       // NaN selects nothing
        let c = u.rounded(.down)
        return (c, u - c)
    }

    /// The k + 1 local values of degree `degree` at t, written to `b[0…degree]`.
    @inline(__always)
    static func local(_ t: SIMD8<Float>, degree: Int, into b: UnsafeMutablePointer<SIMD8<Float>>) {
        b[0] = SIMD8(repeating: 1)
        if degree == 0 { return }
        for p in 1...degree {
            let inv = 1 / Float(p)
            b[p] = t * b[p &- 1] * inv
            var r = p &- 1
            while r >= 1 {
                b[r] = ((t + Float(p &- r)) * b[r &- 1] + (Float(r &+ 1) - t) * b[r]) * inv
                r &-= 1
            }
            b[0] = (1 - t) * b[0] * inv
        }
    }

    /// The four cubic bases that are non-zero at local coordinate t (bases c − 3 … c), in closed form:
    /// (1 − t)³/6, (3t³ − 6t² + 4)/6, (−3t³ + 3t² + 3t + 1)/6, t³/6.
    @inline(__always)
    static func cubic(_ t: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let t2 = t * t, t3 = t2 * t, s = 1 - t
        let sixth: Float = 1.0 / 6
        return (s * s * s * sixth, (0.5 * t3 - t2) + 2.0 / 3, (-0.5 * t3 + 0.5 * t2 + 0.5 * t) + sixth, t3 * sixth)
    }

    /// Writes J basis vectors for eight inputs: `out[i·stride + lane] = B_i(x[lane])` for the first `n` lanes.
    /// `work` holds k + 1 vectors (order 3, the default, runs a closed-form path in registers).
    @inline(__always)
    func evaluate(_ x: SIMD8<Float>, n: Int, into out: UnsafeMutablePointer<Float>, stride: Int,
                  work: UnsafeMutablePointer<SIMD8<Float>>) {
        let (cell, t) = locate(x)
        let k = order
        // Basis i takes local value r where i + k − cell = r (at most one r per lane).
        var offset = SIMD8<Float>(repeating: Float(k)) - cell
        if k == 3 {
            let (b0, b1, b2, b3) = BSplineBasis.cubic(t)
            for i in 0..<count {
                var v = b0.replacing(with: 0, where: offset .!= 0)
                v.replace(with: b1, where: offset .== 1)
                v.replace(with: b2, where: offset .== 2)
                v.replace(with: b3, where: offset .== 3)
                SIMDLanes.store(v, out + i &* stride, n)
                offset += 1
            }
            return
        }
        BSplineBasis.local(t, degree: k, into: work)
        for i in 0..<count {
            var v = SIMD8<Float>()
            var r = 0
            while r <= k { v.replace(with: work[r], where: offset .== Float(r)); r &+= 1 }
            SIMDLanes.store(v, out + i &* stride, n)
            offset += 1
        }
    }

    /// The backward pass's fused evaluation for eight inputs: writes the J basis values as `evaluate` does
    /// (for the weight gradient) and returns Σ_i g_i · dB_i/dx, where `g[i·stride + lane]` is the gradient of
    /// basis i (first `n` lanes). `work` holds 2k + 2 vectors.
    @inline(__always)
    func evaluateAndBackward(_ x: SIMD8<Float>, n: Int, into out: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                             stride: Int, work: UnsafeMutablePointer<SIMD8<Float>>) -> SIMD8<Float> {
        let (cell, t) = locate(x)
        let k = order
        if k == 3 { return cubicEvaluateAndBackward(cell: cell, t: t, n: n, into: out, gradient: g, stride: stride) }
        let values = work, slopes = work + (k &+ 1)
        // Degree k − 1 values c, then dB/du of the local bases b'_r = c_{r−1} − c_r (zero outside 0…k−1), and
        // the last Cox–de Boor step to degree k.
        BSplineBasis.local(t, degree: k &- 1, into: values)
        var previous = SIMD8<Float>()
        for r in 0...k {
            let current = r < k ? values[r] : SIMD8<Float>()
            slopes[r] = previous - current
            previous = current
        }
        let inv = 1 / Float(k)
        values[k] = t * values[k &- 1] * inv
        var r = k &- 1
        while r >= 1 {
            values[r] = ((t + Float(k &- r)) * values[r &- 1] + (Float(r &+ 1) - t) * values[r]) * inv
            r &-= 1
        }
        values[0] = (1 - t) * values[0] * inv
        var acc = SIMD8<Float>()
        var offset = SIMD8<Float>(repeating: Float(k)) - cell
        for i in 0..<count {
            var v = SIMD8<Float>(), d = SIMD8<Float>()
            var r = 0
            while r <= k {
                let hit = offset .== Float(r)
                v.replace(with: values[r], where: hit)
                d.replace(with: slopes[r], where: hit)
                r &+= 1
            }
            SIMDLanes.store(v, out + i &* stride, n)
            acc += d * SIMDLanes.load(g + i &* stride, n)
            offset += 1
        }
        return acc * inverseSpacing
    }

    /// `evaluateAndBackward` for order 3, in registers: slopes −(1 − t)²/2, (3t² − 4t)/2, (−3t² + 2t + 1)/2, t²/2.
    @inline(__always)
    private func cubicEvaluateAndBackward(cell: SIMD8<Float>, t: SIMD8<Float>, n: Int, into out: UnsafeMutablePointer<Float>,
                                          gradient g: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
        let (b0, b1, b2, b3) = BSplineBasis.cubic(t)
        let t2 = t * t, s = 1 - t
        let d0 = -0.5 * s * s, d1 = 1.5 * t2 - 2 * t, d2 = (-1.5 * t2 + t) + 0.5, d3 = 0.5 * t2
        var acc = SIMD8<Float>()
        var offset = SIMD8<Float>(repeating: 3) - cell
        for i in 0..<count {
            let m0 = offset .== 0, m1 = offset .== 1, m2 = offset .== 2, m3 = offset .== 3
            var v = SIMD8<Float>().replacing(with: b0, where: m0), d = SIMD8<Float>().replacing(with: d0, where: m0)
            v.replace(with: b1, where: m1); d.replace(with: d1, where: m1)
            v.replace(with: b2, where: m2); d.replace(with: d2, where: m2)
            v.replace(with: b3, where: m3); d.replace(with: d3, where: m3)
            SIMDLanes.store(v, out + i &* stride, n)
            acc += d * SIMDLanes.load(g + i &* stride, n)
            offset += 1
        }
        return acc * inverseSpacing
    }
}
