/// A register-blocked, single-threaded sgemm for the products of neural-field networks (a block of a few
/// hundred rows times a layer of a few to a few hundred columns), where OpenBLAS spends much of its time
/// packing operands and zeroing C. Each tile of C is 6 rows × 16 columns held in twelve AVX registers; the
/// inner loop broadcasts six values of A and fuses them with two 8-wide rows of B. Every element of C is the
/// sum over k in ascending order, so a row's result does not depend on where it falls in a call (nor on the
/// thread count of the caller's split, nor on the CPU: the same AVX2 + FMA code runs on every x86-64 machine
/// we build for).
///
/// `Gemm.multiply` routes the shapes `handles` accepts here (every product whose A is used as stored) and the
/// rest to OpenBLAS. Operands are row-major, as in `Gemm`.
enum SmallGemm {
    /// Rows of C per tile.
    static let tileRows = 6
    /// Columns of C per tile.
    static let tileColumns = 16
    /// The longest inner dimension `Aᵀ·B` is taken for (`k × 16` floats of B's tail panel, 128 KiB): the
    /// routing measured for weight gradients (BENCHMARKS.md, "Small GEMMs"), kept so their rounding stays put.
    static let transposedInnerLimit = 2_048
    /// Floats of B (plus A's strip) per chunk of the inner dimension: 24 KiB of the 32 KiB L1.
    static let chunkFloats = 6_144

    /// Whether `multiply` takes this shape.
    ///
    /// - `A·B` and `A·Bᵀ` (A as stored): always. These are the products whose rows are rows of a batch, and the
    ///   toolkit promises that a row's result depends only on that row, never on the rows computed beside it
    ///   nor on the CPU's BLAS kernel. OpenBLAS keeps no such promise: it picks kernels by CPU and shape
    ///   (AVX-512 ones on Zen 4 and Skylake-X, a small-matrix path for some shapes) whose rounding differs
    ///   with where a row falls in a call. So these never go to OpenBLAS.
    /// - `Aᵀ·B` (weight gradients; C's rows are A's columns, so no row promise applies): where it measured
    ///   faster than OpenBLAS, C 16–96 columns wide with `k ≤ transposedInnerLimit`.
    /// - `Aᵀ·Bᵀ`: never (no layer uses it).
    static func handles(_ transA: Gemm.Transpose, _ transB: Gemm.Transpose, m: Int, n: Int, k: Int) -> Bool {
        guard m > 0, n > 0, k > 0 else { return false }
        switch (transA, transB) {
        case (.none, _): return true
        case (.transpose, .none): return n >= tileColumns && n <= 96 && k <= transposedInnerLimit
        case (.transpose, .transpose): return false
        }
    }

    /// `C = alpha·op(A)·op(B) + beta·C` for a shape `handles` accepted.
    ///
    /// The inner dimension is walked in chunks whose slice of B (and of A, read along it) stays in L1 across
    /// tiles; each chunk after the first adds onto C. The chunk length depends on `n` alone, and every element
    /// of C is summed over k in ascending order with fused multiply-adds, so each row of C comes out the same
    /// whatever `m` is and wherever the row sits in the call, on every x86-64 CPU.
    static func multiply(_ transA: Gemm.Transpose, _ transB: Gemm.Transpose, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // A's element (row i, inner index p) sits at a + i·rowStride + p·innerStride.
        let (rowStride, innerStride) = transA == .none ? (lda, 1) : (1, lda)
        if n <= narrowColumns {
            return narrowMultiply(transB, m: m, n: n, k: k, alpha: alpha, a: a, rowStride: rowStride, innerStride: innerStride,
                                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        let width = paddedWidth(n)
        let chunk = max(tileColumns, chunkFloats / (width &+ tileColumns) / tileColumns &* tileColumns)
        let tailColumns = n % tileColumns, first = n &- tailColumns
        // One chunk's packed operand: all of Bᵀ's slice (chunk × width) for A·Bᵀ, else B's last partial panel
        // (chunk × 16), zero-padded to whole tiles so that no tile reads past B. At most 6,144 floats.
        let packFloats = transB == .transpose ? chunk &* width : (tailColumns == 0 ? 0 : chunk &* tileColumns)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(packFloats, 1)) { pack in
            let packed = pack.baseAddress!
            var p = 0
            while p < k {
                let depth = min(chunk, k &- p)
                let chunkA = a + p &* innerStride, chunkBeta = p == 0 ? beta : 1
                if transB == .transpose {
                    for q in 0..<depth {
                        let row = packed + q &* width, column = b + (p &+ q) as UnsafePointer<Float>
                        for j in 0..<n { row[j] = column[j &* ldb] }
                        for j in n..<width { row[j] = 0 }
                    }
                    tiles(m: m, n: n, k: depth, alpha: alpha, a: chunkA, rowStride: rowStride, innerStride: innerStride,
                          b: UnsafePointer(packed), ldb: width, tail: nil, beta: chunkBeta, c: c, ldc: ldc)
                } else {
                    let chunkB = b + p &* ldb
                    if tailColumns != 0 {
                        for q in 0..<depth {
                            let row = packed + q &* tileColumns, source = chunkB + (q &* ldb &+ first)
                            for j in 0..<tailColumns { row[j] = source[j] }
                            for j in tailColumns..<tileColumns { row[j] = 0 }
                        }
                    }
                    tiles(m: m, n: n, k: depth, alpha: alpha, a: chunkA, rowStride: rowStride, innerStride: innerStride,
                          b: chunkB, ldb: ldb, tail: tailColumns == 0 ? nil : UnsafePointer(packed),
                          beta: chunkBeta, c: c, ldc: ldc)
                }
                p &+= depth
            }
        }
    }

    /// The widest C that takes the narrow tiles (an output layer: RGB, a distance, a density).
    static let narrowColumns = 8
    /// Rows of C per narrow tile.
    static let narrowRows = 12

    /// `multiply` for C at most 8 columns wide: tiles of 12 rows × 8 columns (one 8-wide register a row), B's
    /// chunk packed to 8 columns. Each element is the same ascending-k chain of fused multiply-adds as in the
    /// wide tiles, so the row promise holds alike.
    private static func narrowMultiply(_ transB: Gemm.Transpose, m: Int, n: Int, k: Int, alpha: Float,
                                       a: UnsafePointer<Float>, rowStride: Int, innerStride: Int,
                                       b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                       c: UnsafeMutablePointer<Float>, ldc: Int) {
        let width = narrowColumns
        let chunk = chunkFloats / (width &+ narrowRows) / tileColumns &* tileColumns
        withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk &* width) { pack in
            let packed = pack.baseAddress!
            var p = 0
            while p < k {
                let depth = min(chunk, k &- p)
                for q in 0..<depth {
                    let row = packed + q &* width
                    if transB == .transpose {
                        let column = b + (p &+ q) as UnsafePointer<Float>
                        for j in 0..<n { row[j] = column[j &* ldb] }
                    } else {
                        let source = b + ((p &+ q) &* ldb) as UnsafePointer<Float>
                        for j in 0..<n { row[j] = source[j] }
                    }
                    for j in n..<width { row[j] = 0 }
                }
                let chunkA = a + p &* innerStride, chunkBeta = p == 0 ? beta : 1
                var i = 0
                while i < m {
                    narrowTile(rows: min(narrowRows, m &- i), columns: n, k: depth, a: chunkA + i &* rowStride, rowStride: rowStride,
                               innerStride: innerStride, b: UnsafePointer(packed), alpha: alpha, beta: chunkBeta,
                               c: c + i &* ldc, ldc: ldc)
                    i &+= narrowRows
                }
                p &+= depth
            }
        }
    }

    /// One narrow tile: C[rows × columns] = alpha·A[rows × k]·B[k × 8] + beta·C, B packed 8 wide. Rows past
    /// `rows` repeat the last one, so the loop is always the full 12 × 8.
    @inline(__always)
    private static func narrowTile(rows: Int, columns: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, innerStride: Int,
                                   b: UnsafePointer<Float>, alpha: Float, beta: Float,
                                   c: UnsafeMutablePointer<Float>, ldc: Int) {
        let last = rows &- 1
        let a0 = a, a1 = a + min(1, last) &* rowStride, a2 = a + min(2, last) &* rowStride
        let a3 = a + min(3, last) &* rowStride, a4 = a + min(4, last) &* rowStride, a5 = a + min(5, last) &* rowStride
        let a6 = a + min(6, last) &* rowStride, a7 = a + min(7, last) &* rowStride, a8 = a + min(8, last) &* rowStride
        let a9 = a + min(9, last) &* rowStride, a10 = a + min(10, last) &* rowStride, a11 = a + min(11, last) &* rowStride
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var s4 = SIMD8<Float>(), s5 = SIMD8<Float>(), s6 = SIMD8<Float>(), s7 = SIMD8<Float>()
        var s8 = SIMD8<Float>(), s9 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
        var bp = b, p = 0
        for _ in 0..<k {
            let v = load(bp)
            s0.addProduct(SIMD8(repeating: a0[p]), v); s1.addProduct(SIMD8(repeating: a1[p]), v)
            s2.addProduct(SIMD8(repeating: a2[p]), v); s3.addProduct(SIMD8(repeating: a3[p]), v)
            s4.addProduct(SIMD8(repeating: a4[p]), v); s5.addProduct(SIMD8(repeating: a5[p]), v)
            s6.addProduct(SIMD8(repeating: a6[p]), v); s7.addProduct(SIMD8(repeating: a7[p]), v)
            s8.addProduct(SIMD8(repeating: a8[p]), v); s9.addProduct(SIMD8(repeating: a9[p]), v)
            s10.addProduct(SIMD8(repeating: a10[p]), v); s11.addProduct(SIMD8(repeating: a11[p]), v)
            bp += narrowColumns
            p &+= innerStride
        }
        storeNarrow(s0, row: c, columns: columns, alpha: alpha, beta: beta)
        if rows > 1 { storeNarrow(s1, row: c + ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 2 { storeNarrow(s2, row: c + 2 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 3 { storeNarrow(s3, row: c + 3 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 4 { storeNarrow(s4, row: c + 4 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 5 { storeNarrow(s5, row: c + 5 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 6 { storeNarrow(s6, row: c + 6 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 7 { storeNarrow(s7, row: c + 7 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 8 { storeNarrow(s8, row: c + 8 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 9 { storeNarrow(s9, row: c + 9 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 10 { storeNarrow(s10, row: c + 10 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 11 { storeNarrow(s11, row: c + 11 &* ldc, columns: columns, alpha: alpha, beta: beta) }
    }

    /// Writes one narrow tile row: `row[j] = alpha·sum_j + beta·row[j]` for j < columns.
    @inline(__always)
    private static func storeNarrow(_ sum: SIMD8<Float>, row: UnsafeMutablePointer<Float>, columns: Int, alpha: Float, beta: Float) {
        var v = sum
        if alpha != 1 { v *= alpha }
        for j in 0..<columns { row[j] = beta != 0 ? v[j] + beta * row[j] : v[j] }
    }

    /// `n` rounded up to whole tiles.
    @inline(__always)
    static func paddedWidth(_ n: Int) -> Int { (n &+ tileColumns &- 1) / tileColumns &* tileColumns }

    /// Every tile of C, rows outermost so that A's six rows stay in L1 while B's panels stream from L1/L2.
    /// `tail`, when given, replaces B's last partial panel (`k × 16`, zero-padded).
    private static func tiles(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, rowStride: Int, innerStride: Int,
                              b: UnsafePointer<Float>, ldb: Int, tail: UnsafePointer<Float>?,
                              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var i = 0
        while i < m {
            let rows = min(tileRows, m &- i)
            var j = 0
            while j < n {
                let columns = min(tileColumns, n &- j)
                let (panel, panelStride) = columns < tileColumns && tail != nil ? (tail!, tileColumns) : (b + j, ldb)
                tile(rows: rows, columns: columns, k: k, a: a + i &* rowStride, rowStride: rowStride, innerStride: innerStride,
                     b: panel, ldb: panelStride, alpha: alpha, beta: beta, c: c + (i &* ldc &+ j), ldc: ldc)
                j &+= tileColumns
            }
            i &+= tileRows
        }
    }

    /// One tile: C[rows × columns] = alpha·A[rows × k]·B[k × 16] + beta·C. Rows past `rows` repeat the last
    /// one (their sums are computed and dropped), so the loop is always the full 6 × 16.
    @inline(__always)
    private static func tile(rows: Int, columns: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, innerStride: Int,
                             b: UnsafePointer<Float>, ldb: Int, alpha: Float, beta: Float,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        let last = rows &- 1
        let a0 = a, a1 = a + min(1, last) &* rowStride, a2 = a + min(2, last) &* rowStride
        let a3 = a + min(3, last) &* rowStride, a4 = a + min(4, last) &* rowStride, a5 = a + min(5, last) &* rowStride
        var l0 = SIMD8<Float>(), h0 = SIMD8<Float>(), l1 = SIMD8<Float>(), h1 = SIMD8<Float>()
        var l2 = SIMD8<Float>(), h2 = SIMD8<Float>(), l3 = SIMD8<Float>(), h3 = SIMD8<Float>()
        var l4 = SIMD8<Float>(), h4 = SIMD8<Float>(), l5 = SIMD8<Float>(), h5 = SIMD8<Float>()
        var bp = b, p = 0
        for _ in 0..<k {
            let lo = load(bp), hi = load(bp + 8)
            var s = SIMD8<Float>(repeating: a0[p]); l0.addProduct(s, lo); h0.addProduct(s, hi)
            s = SIMD8<Float>(repeating: a1[p]); l1.addProduct(s, lo); h1.addProduct(s, hi)
            s = SIMD8<Float>(repeating: a2[p]); l2.addProduct(s, lo); h2.addProduct(s, hi)
            s = SIMD8<Float>(repeating: a3[p]); l3.addProduct(s, lo); h3.addProduct(s, hi)
            s = SIMD8<Float>(repeating: a4[p]); l4.addProduct(s, lo); h4.addProduct(s, hi)
            s = SIMD8<Float>(repeating: a5[p]); l5.addProduct(s, lo); h5.addProduct(s, hi)
            bp += ldb
            p &+= innerStride
        }
        store(l0, h0, row: c, columns: columns, alpha: alpha, beta: beta)
        if rows > 1 { store(l1, h1, row: c + ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 2 { store(l2, h2, row: c + 2 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 3 { store(l3, h3, row: c + 3 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 4 { store(l4, h4, row: c + 4 &* ldc, columns: columns, alpha: alpha, beta: beta) }
        if rows > 5 { store(l5, h5, row: c + 5 &* ldc, columns: columns, alpha: alpha, beta: beta) }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Writes one tile row: `row[j] = alpha·sum_j + beta·row[j]` for j < columns (row[j] is not read when beta is 0).
    @inline(__always)
    private static func store(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, row: UnsafeMutablePointer<Float>, columns: Int,
                              alpha: Float, beta: Float) {
        var lo = lo, hi = hi
        if alpha != 1 { lo *= alpha; hi *= alpha }
        if columns == tileColumns {
            let raw = UnsafeMutableRawPointer(row)
            if beta != 0 {
                lo.addProduct(beta, raw.loadUnaligned(as: SIMD8<Float>.self))
                hi.addProduct(beta, raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            }
            raw.storeBytes(of: lo, as: SIMD8<Float>.self)
            raw.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
            return
        }
        for j in 0..<columns {
            let v = j < 8 ? lo[j] : hi[j &- 8]
            row[j] = beta != 0 ? v + beta * row[j] : v
        }
    }
}
