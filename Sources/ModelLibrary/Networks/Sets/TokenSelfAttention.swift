import Foundation
import TensorCore

/// Multi-head self-attention over the tokens of a row, with a residual connection (the attention half of a
/// transformer encoder layer, without positional encoding, so permuting the tokens permutes the output alike):
/// `y = x + concat_h(softmax(Q_h K_hᵀ / √d_h) V_h) · W_o`, with `Q = x W_q`, `K = x W_k`, `V = x W_v` per token.
/// A row is `tokens` tokens of `width` floats; `heads` divides `width`.
///
/// Parameters (`matrix`, stored `[in, out]` so a token row times the matrix is the product): `wq`, `wk`, `wv`,
/// `wo`, each `[width, width]`. Init: U(±√(3/width)) for the projections, a quarter of that for `wo`, so the
/// block starts near the identity. Single-threaded row loops over GEMMs: deterministic for any pool.
public final class TokenSelfAttention: DifferentiableModule {
    /// Tokens per row.
    public let tokens: Int
    /// Features per token.
    public let width: Int
    /// Attention heads.
    public let heads: Int
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// Self-attention over `tokens` tokens of `width` features with `heads` heads.
    public init(tokens: Int, width: Int, heads: Int) {
        precondition(tokens >= 1 && width >= 1 && heads >= 1 && width % heads == 0, "TokenSelfAttention: invalid shape")
        self.tokens = tokens
        self.width = width
        self.heads = heads
    }

    public var inputWidth: Int { tokens * width }
    public var outputWidth: Int { tokens * width }
    public var parameterTensors: [ParameterTensor] {
        ["wq", "wk", "wv", "wo"].map { ParameterTensor($0, shape: [width, width], kind: .matrix) }
    }

    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let v = values else { preconditionFailure("TokenSelfAttention: bind parameters before initializing them") }
        let bound = (3 / Float(width)).squareRoot(), n = width * width
        for i in 0..<(4 * n) { v[i] = rng.nextFloat(-bound, bound) * (i >= 3 * n ? 0.25 : 1) }
    }

    /// Q, K, V, the attention weights P, the attended values A, and backward scratch.
    final class Context: ModuleContext {
        let q, k, v, a, dA, dQ, dK, dV, p, dP: FloatBuffer
        init(capacity: Int, tokens: Int, width: Int, heads: Int) {
            let n = capacity * tokens * width
            q = FloatBuffer(count: n); k = FloatBuffer(count: n); v = FloatBuffer(count: n); a = FloatBuffer(count: n)
            dA = FloatBuffer(count: n); dQ = FloatBuffer(count: n); dK = FloatBuffer(count: n); dV = FloatBuffer(count: n)
            p = FloatBuffer(count: capacity * heads * tokens * tokens)
            dP = FloatBuffer(count: tokens * tokens)
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext {
        Context(capacity: capacity, tokens: tokens, width: width, heads: heads)
    }

    /// Scratch for inference, grown on demand outside training steps.
    private var inference: Context?

    private var headWidth: Int { width / heads }
    private var scale: Float { 1 / Float(headWidth).squareRoot() }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let w = values else { preconditionFailure("TokenSelfAttention: parameters not bound") }
        let ctx: Context
        if let c = context as? Context { ctx = c } else {
            if inference == nil || inference!.capacity < batch { inference = Context(capacity: batch, tokens: tokens, width: width, heads: heads) }
            ctx = inference!
        }
        let rows = batch * tokens, d = width, t = tokens, dh = headWidth, n = d * d
        Gemm.multiply(.none, .none, m: rows, n: d, k: d, a: input, b: w, c: ctx.q.pointer)
        Gemm.multiply(.none, .none, m: rows, n: d, k: d, a: input, b: w + n, c: ctx.k.pointer)
        Gemm.multiply(.none, .none, m: rows, n: d, k: d, a: input, b: w + 2 * n, c: ctx.v.pointer)
        for b in 0..<batch {
            for h in 0..<heads {
                let base = b * t * d + h * dh
                let p = ctx.p.pointer + (b * heads + h) * t * t
                Gemm.multiply(.none, .transpose, m: t, n: t, k: dh, alpha: scale, a: ctx.q.pointer + base, lda: d,
                              b: ctx.k.pointer + base, ldb: d, c: p, ldc: t)
                for i in 0..<t {
                    let row = p + i * t
                    var top = row[0]
                    for j in 1..<max(t, 1) { top = max(top, row[j]) }
                    var sum: Float = 0
                    for j in 0..<t { row[j] = exp(row[j] - top); sum += row[j] }
                    let inv = 1 / sum
                    for j in 0..<t { row[j] *= inv }
                }
                Gemm.multiply(.none, .none, m: t, n: dh, k: t, a: p, lda: t, b: ctx.v.pointer + base, ldb: d,
                              c: ctx.a.pointer + base, ldc: d)
            }
        }
        output.update(from: input, count: rows * d)
        Gemm.multiply(.none, .none, m: rows, n: d, k: d, a: ctx.a.pointer, b: w + 3 * n, beta: 1, c: output)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context, let w = values, let g = gradients else { preconditionFailure("TokenSelfAttention: wrong context or unbound") }
        let rows = batch * tokens, d = width, t = tokens, dh = headWidth, n = d * d
        // Output projection.
        Gemm.multiply(.transpose, .none, m: d, n: d, k: rows, a: ctx.a.pointer, b: outputGradient, beta: 1, c: g + 3 * n)
        Gemm.multiply(.none, .transpose, m: rows, n: d, k: d, a: outputGradient, b: w + 3 * n, c: ctx.dA.pointer)
        // Attention, per row and head.
        for b in 0..<batch {
            for h in 0..<heads {
                let base = b * t * d + h * dh
                let p = ctx.p.pointer + (b * heads + h) * t * t, dp = ctx.dP.pointer
                Gemm.multiply(.none, .transpose, m: t, n: t, k: dh, a: ctx.dA.pointer + base, lda: d, b: ctx.v.pointer + base, ldb: d, c: dp, ldc: t)
                Gemm.multiply(.transpose, .none, m: t, n: dh, k: t, a: p, lda: t, b: ctx.dA.pointer + base, ldb: d, c: ctx.dV.pointer + base, ldc: d)
                for i in 0..<t {
                    var s: Float = 0
                    for j in 0..<t { s += dp[i * t + j] * p[i * t + j] }
                    for j in 0..<t { dp[i * t + j] = p[i * t + j] * (dp[i * t + j] - s) }
                }
                Gemm.multiply(.none, .none, m: t, n: dh, k: t, alpha: scale, a: dp, lda: t, b: ctx.k.pointer + base, ldb: d,
                              c: ctx.dQ.pointer + base, ldc: d)
                Gemm.multiply(.transpose, .none, m: t, n: dh, k: t, alpha: scale, a: dp, lda: t, b: ctx.q.pointer + base, ldb: d,
                              c: ctx.dK.pointer + base, ldc: d)
            }
        }
        // Input projections.
        let projections = [(ctx.dQ, 0), (ctx.dK, 1), (ctx.dV, 2)]
        for (dz, i) in projections {
            Gemm.multiply(.transpose, .none, m: d, n: d, k: rows, a: input, b: dz.pointer, beta: 1, c: g + i * n)
        }
        guard let dx = inputGradient else { return }
        dx.update(from: outputGradient, count: rows * d)
        for (dz, i) in projections {
            Gemm.multiply(.none, .transpose, m: rows, n: d, k: d, a: dz.pointer, b: w + i * n, beta: 1, c: dx)
        }
    }
}
