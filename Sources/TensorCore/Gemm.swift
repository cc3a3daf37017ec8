import COpenBLAS

/// Row-major single-precision matrix products: every product whose A is used as stored (`A·B`, `A·Bᵀ`: the
/// rows of C are rows of a batch) and the weight-gradient shapes where it is faster in `SmallGemm`, the rest
/// over OpenBLAS's `cblas_sgemm`.
///
/// Row promise: for `A·B` and `A·Bᵀ`, row i of C depends only on row i of A, B and C — not on `m`, not on
/// the rows around it, not on which BLAS kernel the CPU selects (OpenBLAS rounds a row differently with its
/// position in a call, and picks different kernels on AVX2 and AVX-512 machines). Transposed-A products
/// (`Aᵀ·B`, reductions over the batch) make no such promise; they are deterministic for a given shape on a
/// given machine, which is what the fixed splits below need.
///
/// Every matrix is row-major. `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; a transposed operand is
/// stored the other way round (`A` as `k × m`, `B` as `n × k`). Leading dimensions are row strides in floats.
///
/// OpenBLAS is held at one thread (`WorkerPool` does that); the `parallel…` forms split the work themselves
/// and call one single-threaded sgemm per block, which measured fastest on this machine.
/// - `parallelMultiply` splits the rows of C into a fixed set of blocks spread over the pool (no reduction;
///   the blocks depend only on the shape, so the result does not depend on the thread count).
/// - `parallelReduceMultiply` splits the inner dimension `k` (the batch of a weight gradient `Xᵀ·dY`) into a
///   fixed number of slots, each writing a partial product into a `GemmWorkspace`, then adds the partials
///   in slot order. The slot count is fixed by the workspace, not by the pool, so the result is identical
///   for 1 and 2 threads.
public enum Gemm {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        /// Use the operand as stored.
        case none
        /// Use the operand's transpose.
        case transpose

        @inline(__always)
        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// `C = alpha·op(A)·op(B) + beta·C` with explicit leading dimensions (one sgemm on the calling thread).
    public static func multiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m <= 0 || n <= 0 { return }
        if k <= 0 {
            scale(c, rows: m, columns: n, ld: ldc, by: beta)
            return
        }
        precondition(lda >= (transA == .none ? k : m) && ldb >= (transB == .none ? n : k) && ldc >= n,
                     "Gemm.multiply: leading dimension too small")
        if SmallGemm.handles(transA, transB, m: m, n: n, k: k) {
            SmallGemm.multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                               beta: beta, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C = alpha·op(A)·op(B) + beta·C` for densely packed operands (leading dimension = stored row length).
    public static func multiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                beta: Float = 0, c: UnsafeMutablePointer<Float>) {
        multiply(transA, transB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: transA == .none ? k : m, b: b, ldb: transB == .none ? n : k,
                 beta: beta, c: c, ldc: n)
    }

    /// `C = alpha·op(A)·op(B) + beta·C` with the rows of C cut into a fixed set of contiguous blocks (one
    /// single-threaded sgemm each) spread over the pool. The blocks depend only on `m` (a transposed A has no
    /// row promise: OpenBLAS's kernels round a row differently depending on where it falls in a call), so the
    /// result is bit-identical for any thread count.
    public static func parallelMultiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                        b: UnsafePointer<Float>, ldb: Int,
                                        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                                        pool: WorkerPool) {
        if m <= 0 || n <= 0 { return }
        let blocks = min(rowBlocks, max(1, m / minimumRowsPerBlock))
        let workers = min(pool.threads, blocks)
        pool.parallelFor(workers) { w in
            let b0 = blockStart(w, of: workers, count: blocks, granularity: 1)
            let b1 = blockStart(w + 1, of: workers, count: blocks, granularity: 1)
            for block in b0..<b1 {
                let r0 = blockStart(block, of: blocks, count: m, granularity: rowGranularity)
                let r1 = blockStart(block + 1, of: blocks, count: m, granularity: rowGranularity)
                if r1 <= r0 { continue }
                // Rows of C are rows of op(A): row offset in A when stored as is, column offset when transposed.
                let aBlock = transA == .none ? a + r0 &* lda : a + r0
                multiply(transA, transB, m: r1 - r0, n: n, k: k, alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c + r0 &* ldc, ldc: ldc)
            }
        }
    }

    /// `parallelMultiply` for densely packed operands.
    public static func parallelMultiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                        beta: Float = 0, c: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        parallelMultiply(transA, transB, m: m, n: n, k: k, alpha: alpha,
                         a: a, lda: transA == .none ? k : m, b: b, ldb: transB == .none ? n : k,
                         beta: beta, c: c, ldc: n, pool: pool)
    }

    /// `C = alpha·op(A)·op(B) + beta·C` with the inner dimension `k` split into `workspace.slots` fixed blocks
    /// (a reduction, e.g. a weight gradient `dW = Xᵀ·dY` over a batch). Each block's product goes into its own
    /// partial buffer; C is then `beta·C + Σ partials` in slot order. Deterministic, and independent of the
    /// pool's thread count. Needs `workspace.capacity ≥ m·n`.
    public static func parallelReduceMultiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                              alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                              b: UnsafePointer<Float>, ldb: Int,
                                              beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                                              workspace: GemmWorkspace, pool: WorkerPool) {
        if m <= 0 || n <= 0 { return }
        precondition(workspace.capacity >= m * n, "Gemm.parallelReduceMultiply: workspace too small")
        let slots = workspace.slots
        let used = min(slots, max(1, (k + reductionGranularity - 1) / reductionGranularity))
        let workers = min(pool.threads, used)
        let cap = workspace.capacity
        let partials = workspace.buffer.pointer
        pool.parallelFor(workers) { w in
            let s0 = blockStart(w, of: workers, count: used, granularity: 1)
            let s1 = blockStart(w + 1, of: workers, count: used, granularity: 1)
            for s in s0..<s1 {
                let k0 = blockStart(s, of: used, count: k, granularity: reductionGranularity)
                let k1 = blockStart(s + 1, of: used, count: k, granularity: reductionGranularity)
                // The k range is rows of a stored-as-is B / transposed A, columns otherwise.
                let aBlock = transA == .none ? a + k0 : a + k0 &* lda
                let bBlock = transB == .none ? b + k0 &* ldb : b + k0
                multiply(transA, transB, m: m, n: n, k: k1 - k0, alpha: alpha, a: aBlock, lda: lda,
                         b: bBlock, ldb: ldb, beta: 0, c: partials + s &* cap, ldc: n)
            }
        }
        // C = beta·C + Σ_s partial_s, rows split across the pool; each element summed in slot order.
        let rowWorkers = min(pool.threads, max(1, (m * n) / 16384))
        pool.parallelFor(rowWorkers) { w in
            let r0 = blockStart(w, of: rowWorkers, count: m, granularity: 1)
            let r1 = blockStart(w + 1, of: rowWorkers, count: m, granularity: 1)
            for r in r0..<r1 {
                let crow = c + r &* ldc
                for j in 0..<n {
                    var acc: Float = beta == 0 ? 0 : beta * crow[j]
                    for s in 0..<used { acc += partials[s &* cap &+ r &* n &+ j] }
                    crow[j] = acc
                }
            }
        }
    }

    /// `parallelReduceMultiply` for densely packed operands.
    public static func parallelReduceMultiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                              alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                              beta: Float = 0, c: UnsafeMutablePointer<Float>,
                                              workspace: GemmWorkspace, pool: WorkerPool) {
        parallelReduceMultiply(transA, transB, m: m, n: n, k: k, alpha: alpha,
                               a: a, lda: transA == .none ? k : m, b: b, ldb: transB == .none ? n : k,
                               beta: beta, c: c, ldc: n, workspace: workspace, pool: pool)
    }

    /// Floating-point operations of one product (`2·m·n·k`), for throughput figures.
    public static func flops(m: Int, n: Int, k: Int) -> Double { 2 * Double(m) * Double(n) * Double(k) }

    /// Row blocks of `parallelMultiply` (fixed, so results never depend on the thread count).
    static let rowBlocks = 8
    /// Row blocks smaller than this are not worth a second worker.
    static let minimumRowsPerBlock = 64
    /// Row blocks start on multiples of this (keeps blocks cache-line aligned for typical widths).
    static let rowGranularity = 16
    /// Reduction blocks start on multiples of this.
    static let reductionGranularity = 64

    @inline(__always)
    static func blockStart(_ i: Int, of parts: Int, count: Int, granularity: Int) -> Int {
        WorkerPool.blockStart(i, of: parts, count: count, granularity: granularity)
    }

    private static func scale(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, by beta: Float) {
        for r in 0..<rows {
            let row = c + r &* ld
            if beta == 0 { row.update(repeating: 0, count: columns) } else { for j in 0..<columns { row[j] *= beta } }
        }
    }
}

/// Partial-product buffers for `Gemm.parallelReduceMultiply`, allocated once and reused every call.
///
/// `slots` fixes how the reduction is split (and so its rounding); keep it the same between runs that must
/// agree bit for bit. It need not match the thread count: workers take contiguous groups of slots.
public final class GemmWorkspace: @unchecked Sendable {
    /// How many partial products the reduction is split into.
    public let slots: Int
    /// The largest `m·n` a call may use.
    public let capacity: Int
    /// `slots × capacity` floats of partial products.
    let buffer: FloatBuffer

    /// A workspace for products with up to `capacity` output elements, split into `slots` partials
    /// (default 8: enough for any core count we run on, and cheap to add up for weight-gradient sizes).
    public init(capacity: Int, slots: Int = 8) {
        precondition(capacity >= 0 && slots >= 1, "GemmWorkspace: bad size")
        self.slots = slots
        self.capacity = max(capacity, 1)
        buffer = FloatBuffer(count: self.slots * self.capacity)
    }
}

extension WorkerPool {
    /// The first index of block `i` when `count` items are cut into `parts` near-equal contiguous blocks whose
    /// starts are multiples of `granularity` (block `parts` starts at `count`). The allocation-free counterpart
    /// of `split`, for kernels that partition work inside a step.
    @inline(__always)
    public static func blockStart(_ i: Int, of parts: Int, count: Int, granularity: Int = 1) -> Int {
        if i >= parts { return count }
        let g = max(1, granularity)
        let units = (count + g - 1) / g
        return min(count, (units * i / parts) * g)
    }
}
