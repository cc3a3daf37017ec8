/// The general grid kernels: any dimension 1–4 and every interpolation (Nearest, Linear, Smoothstep).
/// Used for 1D, 4D and the non-linear interpolations; 2D/3D linear levels take the specialised kernels.
/// Positions live in the first `dimensions` lanes of a SIMD4; the other lanes stay 0 and add nothing to an index.
struct GridKernelsGeneric {
    let dimensions: Int
    let interpolation: GridInterpolation
    let level: GridLevelKernel
    /// `res^k` for k = 0...3 (32-bit, wrapping like tcnn's stride).
    let strides: SIMD4<UInt32>
    let primes = SIMD4<UInt32>(1, gridPrime1, gridPrime2, gridPrime3)

    init(dimensions: Int, interpolation: GridInterpolation, level: GridLevelKernel) {
        self.dimensions = dimensions
        self.interpolation = interpolation
        self.level = level
        let r = level.resolution
        strides = SIMD4(1, r, r &* r, r &* r &* r)
    }

    /// The table index of vertex `v`, exactly as tcnn's `grid_index`.
    @inline(__always)
    func index(_ v: SIMD4<UInt32>) -> Int {
        if level.hashed {
            let h = v &* primes
            return Int((h.x ^ h.y ^ h.z ^ h.w) & (level.entries &- 1))
        }
        let t = v &* strides
        return Int((t.x &+ t.y &+ t.z &+ t.w) % level.entries)
    }

    /// The lower vertex of point `i`'s cell and its fractional position.
    @inline(__always)
    func cell(_ input: UnsafePointer<Float>, _ i: Int) -> (SIMD4<UInt32>, SIMD4<Float>) {
        var x = SIMD4<Float>()
        for k in 0..<dimensions { x[k] = input[i &* dimensions &+ k] }
        let p = gridClamp(SIMD4<Float>(repeating: 0.5).addingProduct(x, SIMD4(repeating: level.scale)))
        let g = p.rounded(.down)
        return (SIMD4(gridVertex(g.x), gridVertex(g.y), gridVertex(g.z), gridVertex(g.w)), p - g)
    }

    /// Per-dimension weights of the upper corner and their derivatives with respect to the fraction.
    @inline(__always)
    func upperWeights(_ f: SIMD4<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
        if interpolation == .smoothstep {
            return (SIMD4(gridSmoothstep(f.x), gridSmoothstep(f.y), gridSmoothstep(f.z), gridSmoothstep(f.w)),
                    SIMD4(gridSmoothstepDerivative(f.x), gridSmoothstepDerivative(f.y),
                          gridSmoothstepDerivative(f.z), gridSmoothstepDerivative(f.w)))
        }
        return (f, SIMD4(repeating: 1))
    }

    /// Corner `c` of a cell with lower vertex `v`, and its weight.
    @inline(__always)
    func corner(_ c: Int, _ v: SIMD4<UInt32>, _ w1: SIMD4<Float>) -> (SIMD4<UInt32>, Float) {
        var u = v
        var w: Float = 1
        for k in 0..<dimensions {
            if (c >> k) & 1 == 1 { u[k] &+= 1; w *= w1[k] } else { w *= 1 - w1[k] }
        }
        return (u, w)
    }

    /// Writes the level's features of each point.
    func forward<V: GridFeatureVector>(_: V.Type, table: UnsafeRawPointer, input: UnsafePointer<Float>,
                                       output: UnsafeMutableRawPointer, rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        for i in range {
            let (v, f) = cell(input, i)
            if interpolation == .nearest {
                V.load(table, index(v) &* vb).store(output, i &* rowBytes)
                continue
            }
            let (w1, _) = upperWeights(f)
            var acc = V.zeroVector
            for c in 0..<(1 << dimensions) {
                let (u, w) = corner(c, v, w1)
                acc = acc.adding(V.load(table, index(u) &* vb), times: w)
            }
            acc.store(output, i &* rowBytes)
        }
    }

    /// Scatter-adds each point's output gradient into the level's table gradient.
    func backward<V: GridFeatureVector>(_: V.Type, gradient: UnsafeMutableRawPointer, input: UnsafePointer<Float>,
                                        outputGradient: UnsafeRawPointer, rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        let grad = UnsafeRawPointer(gradient)
        for i in range {
            let (v, f) = cell(input, i)
            let d = V.load(outputGradient, i &* rowBytes)
            if interpolation == .nearest {
                let b = index(v) &* vb
                V.load(grad, b).adding(d, times: 1).store(gradient, b)
                continue
            }
            let (w1, _) = upperWeights(f)
            for c in 0..<(1 << dimensions) {
                let (u, w) = corner(c, v, w1)
                let b = index(u) &* vb
                V.load(grad, b).adding(d, times: w).store(gradient, b)
            }
        }
    }

    /// Adds the level's contribution to dL/dx of each point (zero for Nearest, as in tcnn).
    func inputGradient<V: GridFeatureVector>(_: V.Type, table: UnsafeRawPointer, input: UnsafePointer<Float>,
                                             outputGradient: UnsafeRawPointer, rowBytes: Int,
                                             inputGradient: UnsafeMutablePointer<Float>, range: Range<Int>) {
        if interpolation == .nearest { return }
        let vb = V.width &* 4
        for i in range {
            let (v, f) = cell(input, i)
            let (w1, dw1) = upperWeights(f)
            let d = V.load(outputGradient, i &* rowBytes)
            var dp = SIMD4<Float>()
            for c in 0..<(1 << dimensions) {
                var u = v
                for k in 0..<dimensions where (c >> k) & 1 == 1 { u[k] &+= 1 }
                let e = d.dot(V.load(table, index(u) &* vb))
                for k in 0..<dimensions {
                    // d(weight)/d(p_k): the other dimensions' weights times ±(interpolation derivative).
                    var w: Float = (c >> k) & 1 == 1 ? dw1[k] : -dw1[k]
                    for j in 0..<dimensions where j != k { w *= (c >> j) & 1 == 1 ? w1[j] : 1 - w1[j] }
                    dp[k] += w * e
                }
            }
            for k in 0..<dimensions { inputGradient[i &* dimensions &+ k] += level.scale * dp[k] }
        }
    }
}
