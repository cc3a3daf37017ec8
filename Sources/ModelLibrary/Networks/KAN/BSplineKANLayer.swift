import TensorCore

/// efficient-KAN's B-spline layer: y = act(x)·W_base + B(x)·W_spline, turned into **one** GEMM per block.
///
/// Each row of a block is expanded into features `[act(x_0 … x_{n−1}) | B_0(x_0 … x_{n−1}) | … | B_{J−1}(…)]`
/// (basis-major, width n·(1 + J), J = G + k) and multiplied by the stacked weights `[base_weight; spline_weight]`
/// (`[n, out]` then `[J·n, out]`, row i·n + d of the spline part is the coefficient of basis i of input d).
/// efficient-KAN's separate `spline_scaler` is folded into the spline coefficients (it only rescales them)
/// and there are no biases, as in efficient-KAN.
///
/// Backward recomputes the expansion, adds `featuresᵀ·dy` to the weight partials and, when the input
/// gradient is wanted, maps `dy·Wᵀ` back through act′ and the basis derivatives.
///
/// Init: base weights U(±1/√n) (PyTorch's Kaiming-uniform with a = √5, as efficient-KAN), spline
/// coefficients U(±0.1/√n) (efficient-KAN's small-noise start; the base branch carries the initial function).
final class BSplineKANLayer: KANLayer {
    let inputWidth: Int
    let outputWidth: Int
    let basis: BSplineBasis
    let baseActivation: Activation
    /// Features per row: n·(1 + J).
    let featureWidth: Int

    init(inputs: Int, outputs: Int, options: BSplineKANOptions) {
        inputWidth = inputs
        outputWidth = outputs
        basis = BSplineBasis(gridSize: options.gridSize, order: options.splineOrder, range: options.gridRange)
        baseActivation = options.baseActivation
        featureWidth = inputs * (1 + basis.count)
    }

    var parameterTensors: [ParameterTensor] {
        [ParameterTensor("base_weight", shape: [inputWidth, outputWidth], kind: .matrix),
         ParameterTensor("spline_weight", shape: [basis.count, inputWidth, outputWidth], kind: .matrix)]
    }

    var partialCount: Int { featureWidth * outputWidth }

    func initialize(_ values: UnsafeMutablePointer<Float>, rng: inout RandomGenerator) {
        let bound = 1 / Float(inputWidth).squareRoot()
        for i in 0..<(inputWidth * outputWidth) { values[i] = rng.nextFloat(-bound, bound) }
        let noise = 0.1 * bound
        for i in (inputWidth * outputWidth)..<(featureWidth * outputWidth) { values[i] = rng.nextFloat(-noise, noise) }
    }

    /// The block's features.
    func forwardScratch(rows: Int) -> Int { rows * featureWidth }
    /// The block's features and their gradient.
    func backwardScratch(rows: Int) -> Int { 2 * rows * featureWidth }

    /// Runs `body` with 2k + 2 ≤ 12 SIMD work vectors on the stack (no heap allocation at these sizes).
    @inline(__always)
    private func withWork<R>(_ body: (UnsafeMutablePointer<SIMD8<Float>>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 12) { body($0.baseAddress!) }
    }

    /// Calls `body(r, d, lanes, v)` for each eight-input chunk `v` = x[r][d ..< d + lanes] of the block.
    @inline(__always)
    private func forEachChunk(_ x: UnsafePointer<Float>, rows: Int, _ body: (Int, Int, Int, SIMD8<Float>) -> Void) {
        let n = inputWidth
        for r in 0..<rows {
            var d = 0
            while d < n {
                let lanes = min(8, n &- d)
                body(r, d, lanes, SIMDLanes.load(x + (r &* n &+ d), lanes))
                d &+= 8
            }
        }
    }

    /// Expands `rows` rows of `x` into `features` (`rows × featureWidth`).
    @inline(__always)
    private func expand(_ x: UnsafePointer<Float>, rows: Int, into features: UnsafeMutablePointer<Float>,
                        work: UnsafeMutablePointer<SIMD8<Float>>) {
        let n = inputWidth, fw = featureWidth, act = baseActivation
        forEachChunk(x, rows: rows) { r, d, lanes, v in
            let fr = features + r &* fw
            SIMDLanes.store(Activation.evaluate(act, v), fr + d, lanes)
            basis.evaluate(v, n: lanes, into: fr + (n &+ d), stride: n, work: work)
        }
    }

    func forwardBlock(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                      values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let features = scratch
        withWork { expand(x, rows: rows, into: features, work: $0) }
        Gemm.multiply(.none, .none, m: rows, n: outputWidth, k: featureWidth, a: features, b: values, c: y)
    }

    /// Weight gradients `featuresᵀ·dy`; with `dx`, first `dFeatures = dy·Wᵀ` so that one pass over the block
    /// recomputes the features and maps dFeatures back through act′ and the basis slopes.
    func backwardBlock(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                       values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let features = scratch
        if let dx {
            let dFeatures = scratch + rows * featureWidth
            Gemm.multiply(.none, .transpose, m: rows, n: featureWidth, k: outputWidth, a: dy, b: values, c: dFeatures)
            let n = inputWidth, fw = featureWidth, act = baseActivation
            withWork { work in
                forEachChunk(x, rows: rows) { r, d, lanes, v in
                    let fr = features + r &* fw, gr = dFeatures + r &* fw
                    let (value, slope) = Activation.valueAndDerivative(act, v)
                    SIMDLanes.store(value, fr + d, lanes)
                    let spline = basis.evaluateAndBackward(v, n: lanes, into: fr + (n &+ d), gradient: gr + (n &+ d), stride: n,
                                                          work: work)
                    SIMDLanes.store(slope * SIMDLanes.load(gr + d, lanes) + spline, dx + (r &* n &+ d), lanes)
                }
            }
        } else {
            withWork { expand(x, rows: rows, into: features, work: $0) }
        }
        Gemm.multiply(.transpose, .none, m: featureWidth, n: outputWidth, k: rows, a: features, b: dy, beta: 1, c: partial)
    }

    func reduce(partials: UnsafePointer<Float>, stride: Int, slots: Int, values: UnsafePointer<Float>,
                into gradients: UnsafeMutablePointer<Float>) {
        Self.sumSlots(partials, stride: stride, slots: slots, count: partialCount, into: gradients)
    }
}
