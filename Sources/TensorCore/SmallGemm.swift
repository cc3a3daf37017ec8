/// A register-blocked, single-threaded sgemm for the skinny products of neural-field networks (a block of a
/// few hundred rows times a layer of at most a few hundred columns), where OpenBLAS spends much of its time
/// packing operands and zeroing C. Each tile of C is 6 rows × 16 columns held in twelve AVX registers; the
/// inner loop broadcasts six values of A and fuses them with two 8-wide rows of B. Every element of C is the
/// sum over k in ascending order, so a row's result does not depend on where it falls in a call (nor on the
/// thread count of the caller's split).
///
/// `Gemm.multiply` routes the shapes `handles` accepts here and everything else to OpenBLAS. Operands are
/// row-major, as in `Gemm`.
enum SmallGemm {
    /// Rows of C per tile.
    static let tileRows = 6
    /// Columns of C per tile.
    static let tileColumns = 16
    /// The most floats a packed copy of B may take (on the stack): 128 KiB.
    static let packCapacity = 32_768
    /// Floats of B (plus A's strip) per chunk of the inner dimension: 24 KiB of the 32 KiB L1.
    static let chunkFloats = 6_144

    /// Whether `multiply` takes this shape, where it measured faster than OpenBLAS (BENCHMARKS.md, "Small
    /// GEMMs"): C 16–96 columns wide, or A·Bᵀ with a short inner dimension (the input gradient of an output
    /// layer); A·B and Aᵀ·B when the 16-column tail panel of B fits the pack buffer, A·Bᵀ when all of Bᵀ does;
    /// never Aᵀ·Bᵀ.
    static func handles(_ transA: Gemm.Transpose, _ transB: Gemm.Transpose, m: Int, n: Int, k: Int) -> Bool {
        guard m > 0, n > 0, k > 0 else { return false }
        guard (n >= tileColumns && n <= 96) || (transB == .transpose && k < tileColumns) else { return false }
        switch (transA, transB) {
        case (_, .none): return k &* tileColumns <= packCapacity
        case (.none, .transpose): return k &* paddedWidth(n) <= packCapacity
        case (.transpose, .transpose): return false
        }
    }

    /// `C = alpha·op(A)·op(B) + beta·C` for a shape `handles` accepted.
    static func multiply(_ transA: Gemm.Transpose, _ transB: Gemm.Transpose, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        // A's element (row i, inner index p) sits at a + i·rowStride + p·innerStride.
        let (rowStride, innerStride) = transA == .none ? (lda, 1) : (1, lda)
        // The inner dimension in chunks whose slice of B (and of A, read along it) stays in L1 across tiles;
        // each chunk after the first adds onto C.
        let chunk = max(tileColumns, chunkFloats / (paddedWidth(n) &+ tileColumns) / tileColumns &* tileColumns)
        func run(_ b: UnsafePointer<Float>, _ ldb: Int, _ tail: UnsafePointer<Float>?) {
            var p = 0
            while p < k {
                let depth = min(chunk, k &- p)
                tiles(m: m, n: n, k: depth, alpha: alpha, a: a + p &* innerStride, rowStride: rowStride, innerStride: innerStride,
                      b: b + p &* ldb, ldb: ldb, tail: tail.map { $0 + p &* tileColumns }, beta: p == 0 ? beta : 1, c: c, ldc: ldc)
                p &+= depth
            }
        }
        if transB == .transpose {
            // Pack Bᵀ (k × n, zero-padded to whole tiles) so that every tile reads B rows as stored.
            let width = paddedWidth(n)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k &* width) { pack in
                let p = pack.baseAddress!
                for q in 0..<k {
                    let row = p + q &* width
                    for j in 0..<n { row[j] = b[j &* ldb &+ q] }
                    for j in n..<width { row[j] = 0 }
                }
                run(UnsafePointer(p), width, nil)
            }
            return
        }
        let tailColumns = n % tileColumns
        guard tailColumns != 0 else { return run(b, ldb, nil) }
        // The last, partial panel of B, zero-padded to a whole tile (reading past it could leave the buffer).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: k &* tileColumns) { pack in
            let p = pack.baseAddress!, first = n &- tailColumns
            for q in 0..<k {
                let row = p + q &* tileColumns
                for j in 0..<tailColumns { row[j] = b[q &* ldb &+ first &+ j] }
                for j in tailColumns..<tileColumns { row[j] = 0 }
            }
            run(b, ldb, UnsafePointer(p))
        }
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
