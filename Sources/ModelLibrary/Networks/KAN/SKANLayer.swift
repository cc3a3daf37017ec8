import TensorCore

/// LSS-SKAN's single-parameter layer: y_j = Σ_i f_j(x_i; k_ij) + f_j(1; k_bj), one learnable k per edge
/// (the bias edge feeds the constant 1, as LSS-SKAN's `bias=True`). Node j's basis f_j is
/// `bases[j % bases.count]`, so one name gives the paper's single-basis layer and a list mixes bases
/// across nodes (S-KAN's per-node choice).
///
/// Parameters: `weight` `[in (+1), out]` (matrix): row i holds input i's k for every node, the last row the
/// bias edge. Init: U(±1/√(in + 1)), PyTorch's Kaiming-uniform with a = √5 on the `[out, in + 1]` weight.
///
/// Kernels: the block is transposed so that eight rows share a vector; node by node (one basis, so the
/// loop specialises on it), every edge's f is evaluated for all rows and summed; backward sums ∂f/∂k per edge
/// and scatters ∂f/∂x into the input gradient the same way. A layer whose nodes all use one separable basis
/// (k·g(x): `larctan`, `lsin`) runs as one GEMM on g(x) instead.
final class SKANLayer: KANLayer {
    let inputWidth: Int
    let outputWidth: Int
    let bases: [SKANBasis]
    let useBiases: Bool
    /// One separable basis on every node: the GEMM path.
    let separable: Bool

    init(inputs: Int, outputs: Int, options: SKANOptions) {
        inputWidth = inputs
        outputWidth = outputs
        bases = options.bases
        useBiases = options.useBiases
        let used = Set((0..<outputs).map { options.bases[$0 % options.bases.count] })
        separable = used.count == 1 && used.first!.isSeparable
    }

    /// Rows of the weight matrix (inputs, plus the bias edge).
    var edgeRows: Int { inputWidth + (useBiases ? 1 : 0) }
    var biasOffset: Int { inputWidth * outputWidth }

    var parameterTensors: [ParameterTensor] {
        [ParameterTensor("weight", shape: [edgeRows, outputWidth], kind: .matrix)]
    }

    var partialCount: Int { edgeRows * outputWidth }

    func initialize(_ values: UnsafeMutablePointer<Float>, rng: inout RandomGenerator) {
        let bound = 1 / Float(edgeRows).squareRoot()
        for i in 0..<(edgeRows * outputWidth) { values[i] = rng.nextFloat(-bound, bound) }
    }

    @inline(__always)
    private func padded(_ rows: Int) -> Int { (rows + 7) / 8 * 8 }

    func forwardScratch(rows: Int) -> Int {
        max((inputWidth + outputWidth) * padded(rows), rows * inputWidth + outputWidth)
    }

    func backwardScratch(rows: Int) -> Int {
        max((2 * inputWidth + outputWidth) * padded(rows), 2 * rows * inputWidth + outputWidth)
    }

    // MARK: Forward

    func forwardBlock(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                      values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if separable {
            separableForward(x: x, y: y, rows: rows, values: values, scratch: scratch)
            return
        }
        let rp = padded(rows)
        let xT = scratch, yT = scratch + inputWidth * rp
        transposeIn(x, rows: rows, width: inputWidth, into: xT, rp: rp)
        for j in 0..<outputWidth {
            switch bases[j % bases.count] {
            case .lss: nodeForward(LSSKernel.self, j, xT, yT, rp, values)
            case .lsoftplus: nodeForward(LSoftplusKernel.self, j, xT, yT, rp, values)
            case .lrelu: nodeForward(LReLUKernel.self, j, xT, yT, rp, values)
            case .lleakyReLU: nodeForward(LLeakyReLUKernel.self, j, xT, yT, rp, values)
            case .lswish: nodeForward(LSwishKernel.self, j, xT, yT, rp, values)
            case .lhardSigmoid: nodeForward(LHardSigmoidKernel.self, j, xT, yT, rp, values)
            case .larctan: nodeForward(LArctanKernel.self, j, xT, yT, rp, values)
            case .lsin: nodeForward(LSinKernel.self, j, xT, yT, rp, values)
            }
        }
        SIMDLanes.transpose(UnsafePointer(yT), rows: outputWidth, columns: rows, ld: rp, into: y, ldt: outputWidth)
    }

    /// `xT[i][r] = x[r][i]`, rows padded with zeros to `rp`.
    @inline(__always)
    private func transposeIn(_ x: UnsafePointer<Float>, rows: Int, width: Int, into xT: UnsafeMutablePointer<Float>, rp: Int) {
        SIMDLanes.transpose(x, rows: rows, columns: width, ld: width, into: xT, ldt: rp)
        if rp > rows { for i in 0..<width { (xT + (i &* rp &+ rows)).update(repeating: 0, count: rp &- rows) } }
    }

    /// Node j for all rows: `yT[j][r] = f(1; k_bj) + Σ_i f(xT[i][r]; k_ij)`.
    @inline(__always)
    private func nodeForward<K: SKANKernel>(_: K.Type, _ j: Int, _ xT: UnsafeMutablePointer<Float>,
                                           _ yT: UnsafeMutablePointer<Float>, _ rp: Int, _ values: UnsafePointer<Float>) {
        let out = outputWidth, n = inputWidth
        let bias: SIMD8<Float> = useBiases
            ? SIMD8(repeating: K.value(SIMD8(repeating: 1), SIMD8(repeating: values[biasOffset &+ j]))[0]) : SIMD8()
        let row = yT + j &* rp
        var r0 = 0
        while r0 &+ 16 <= rp {
            var a0 = bias, a1 = bias
            for i in 0..<n {
                let k = SIMD8<Float>(repeating: values[i &* out &+ j])
                let xi = xT + (i &* rp &+ r0)
                a0 += K.value(UnsafeRawPointer(xi).loadUnaligned(as: SIMD8<Float>.self), k)
                a1 += K.value(UnsafeRawPointer(xi + 8).loadUnaligned(as: SIMD8<Float>.self), k)
            }
            UnsafeMutableRawPointer(row + r0).storeBytes(of: a0, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(row + (r0 &+ 8)).storeBytes(of: a1, as: SIMD8<Float>.self)
            r0 &+= 16
        }
        while r0 < rp {
            var a0 = bias
            for i in 0..<n {
                let k = SIMD8<Float>(repeating: values[i &* out &+ j])
                a0 += K.value(UnsafeRawPointer(xT + (i &* rp &+ r0)).loadUnaligned(as: SIMD8<Float>.self), k)
            }
            UnsafeMutableRawPointer(row + r0).storeBytes(of: a0, as: SIMD8<Float>.self)
            r0 &+= 8
        }
    }

    /// y = g(x)·K + g(1)·k_b for a separable basis f = k·g(x).
    private func separableForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                                  values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let features = scratch, bias = scratch + rows * inputWidth
        separableFeatures(x, rows: rows, into: features, derivative: nil)
        Gemm.multiply(.none, .none, m: rows, n: outputWidth, k: inputWidth, a: features, b: values, c: y)
        if useBiases {
            let g1 = separableValue(1)
            for j in 0..<outputWidth { bias[j] = g1 * values[biasOffset + j] }
            SIMDLanes.addBias(y, rows: rows, width: outputWidth, bias: bias)
        }
    }

    /// g(1) of the separable basis.
    private func separableValue(_ x: Float) -> Float {
        let v = SIMD8<Float>(repeating: x), one = SIMD8<Float>(repeating: 1)
        return (bases[0] == .lsin ? LSinKernel.value(v, one) : LArctanKernel.value(v, one))[0]
    }

    /// `features = g(x)` (and, when asked, `derivative = g′(x)`) over `rows × inputWidth`.
    @inline(__always)
    private func separableFeatures(_ x: UnsafePointer<Float>, rows: Int, into features: UnsafeMutablePointer<Float>,
                                   derivative: UnsafeMutablePointer<Float>?) {
        let count = rows * inputWidth, one = SIMD8<Float>(repeating: 1), sine = bases[0] == .lsin
        var i = 0
        while i < count {
            let n = min(8, count &- i)
            let v = SIMDLanes.load(x + i, n)
            let g = sine ? LSinKernel.gradients(v, one) : LArctanKernel.gradients(v, one)
            SIMDLanes.store(g.dk, features + i, n)
            if let derivative { SIMDLanes.store(g.dx, derivative + i, n) }
            i &+= 8
        }
    }

    // MARK: Backward

    func backwardBlock(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                       values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if separable {
            separableBackward(x: x, dy: dy, dx: dx, rows: rows, values: values, partial: partial, scratch: scratch)
            return
        }
        let rp = padded(rows)
        let xT = scratch, dyT = scratch + inputWidth * rp, dxT = dyT + outputWidth * rp
        transposeIn(x, rows: rows, width: inputWidth, into: xT, rp: rp)
        transposeIn(dy, rows: rows, width: outputWidth, into: dyT, rp: rp)
        let wantsDx = dx != nil
        if wantsDx { dxT.update(repeating: 0, count: inputWidth * rp) }
        for j in 0..<outputWidth {
            switch bases[j % bases.count] {
            case .lss: nodeBackward(LSSKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lsoftplus: nodeBackward(LSoftplusKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lrelu: nodeBackward(LReLUKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lleakyReLU: nodeBackward(LLeakyReLUKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lswish: nodeBackward(LSwishKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lhardSigmoid: nodeBackward(LHardSigmoidKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .larctan: nodeBackward(LArctanKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            case .lsin: nodeBackward(LSinKernel.self, j, xT, dyT, wantsDx ? dxT : nil, rp, values, partial)
            }
        }
        if let dx { SIMDLanes.transpose(UnsafePointer(dxT), rows: inputWidth, columns: rows, ld: rp, into: dx, ldt: inputWidth) }
    }

    /// Node j's edges: `dk_ij += Σ_r dy_j·∂f/∂k`, `dxT[i][r] += dy_j·∂f/∂x`, and the bias edge.
    @inline(__always)
    private func nodeBackward<K: SKANKernel>(_: K.Type, _ j: Int, _ xT: UnsafeMutablePointer<Float>,
                                            _ dyT: UnsafeMutablePointer<Float>, _ dxT: UnsafeMutablePointer<Float>?,
                                            _ rp: Int, _ values: UnsafePointer<Float>, _ partial: UnsafeMutablePointer<Float>) {
        let out = outputWidth, n = inputWidth
        let g = dyT + j &* rp
        if useBiases {
            var s = SIMD8<Float>()
            var r0 = 0
            while r0 < rp { s += UnsafeRawPointer(g + r0).loadUnaligned(as: SIMD8<Float>.self); r0 &+= 8 }
            let dk = K.gradients(SIMD8(repeating: 1), SIMD8(repeating: values[biasOffset &+ j])).dk[0]
            partial[biasOffset &+ j] += dk * SIMDLanes.sum(s)
        }
        for i in 0..<n {
            let k = SIMD8<Float>(repeating: values[i &* out &+ j])
            let xi = xT + i &* rp
            var acc = SIMD8<Float>()
            var r0 = 0
            if let dxT {
                let di = dxT + i &* rp
                while r0 < rp {
                    let gv = UnsafeRawPointer(g + r0).loadUnaligned(as: SIMD8<Float>.self)
                    let d = K.gradients(UnsafeRawPointer(xi + r0).loadUnaligned(as: SIMD8<Float>.self), k)
                    acc += gv * d.dk
                    let old = UnsafeRawPointer(di + r0).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(di + r0).storeBytes(of: old + gv * d.dx, as: SIMD8<Float>.self)
                    r0 &+= 8
                }
            } else {
                while r0 < rp {
                    let gv = UnsafeRawPointer(g + r0).loadUnaligned(as: SIMD8<Float>.self)
                    acc += gv * K.gradients(UnsafeRawPointer(xi + r0).loadUnaligned(as: SIMD8<Float>.self), k).dk
                    r0 &+= 8
                }
            }
            partial[i &* out &+ j] += SIMDLanes.sum(acc)
        }
    }

    /// The GEMM path's backward.
    private func separableBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                                   values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>,
                                   scratch: UnsafeMutablePointer<Float>) {
        let n = inputWidth
        let features = scratch, derivative = scratch + rows * n, sums = scratch + 2 * rows * n
        separableFeatures(x, rows: rows, into: features, derivative: derivative)
        Gemm.multiply(.transpose, .none, m: n, n: outputWidth, k: rows, a: features, b: dy, beta: 1, c: partial)
        if useBiases {
            sums.update(repeating: 0, count: outputWidth)
            SIMDLanes.accumulateColumnSums(dy, rows: rows, width: outputWidth, into: sums)
            let g1 = separableValue(1)
            for j in 0..<outputWidth { partial[biasOffset + j] += g1 * sums[j] }
        }
        guard let dx else { return }
        Gemm.multiply(.none, .transpose, m: rows, n: n, k: outputWidth, a: dy, b: values, c: dx)
        let count = rows * n
        var i = 0
        while i < count {
            let m = min(8, count &- i)
            SIMDLanes.store(SIMDLanes.load(dx + i, m) * SIMDLanes.load(derivative + i, m), dx + i, m)
            i &+= 8
        }
    }

    func reduce(partials: UnsafePointer<Float>, stride: Int, slots: Int, values: UnsafePointer<Float>,
                into gradients: UnsafeMutablePointer<Float>) {
        Self.sumSlots(partials, stride: stride, slots: slots, count: partialCount, into: gradients)
    }
}
