import Testing
import TensorCore

/// The sgemm wrappers agree with a naive triple loop for every transpose case, and the parallel forms
/// give bit-identical results for 1 and 2 threads.
struct GemmTests {
    /// A random matrix stored with `rows × ld` floats.
    func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(-1, 1) }
    }

    /// C = alpha·op(A)·op(B) + beta·C in Double.
    func naive(_ ta: Gemm.Transpose, _ tb: Gemm.Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
               b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = ta == .none ? a[i * lda + p] : a[p * lda + i]
                    let bv = tb == .none ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(av) * Double(bv)
                }
                out[i * ldc + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    static let cases: [(Gemm.Transpose, Gemm.Transpose)] = [(.none, .none), (.none, .transpose), (.transpose, .none), (.transpose, .transpose)]

    @Test(arguments: 0..<4) func serialMatchesNaive(_ index: Int) {
        let (ta, tb) = GemmTests.cases[index]
        let m = 37, n = 29, k = 41
        // Padded leading dimensions exercise the strided forms.
        let lda = (ta == .none ? k : m) + 3, ldb = (tb == .none ? n : k) + 2, ldc = n + 5
        let a = random((ta == .none ? m : k) * lda, seed: 1)
        let b = random((tb == .none ? k : n) * ldb, seed: 2)
        let c0 = random(m * ldc, seed: 3)
        let expected = naive(ta, tb, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5, c: c0, ldc: ldc)
        var c = c0
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            Gemm.multiply(ta, tb, m: m, n: n, k: k, alpha: 0.75, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                          beta: 0.5, c: cp.baseAddress!, ldc: ldc)
        } } }
        for i in 0..<c.count { #expect(abs(c[i] - expected[i]) < 1e-4, "element \(i)") }
    }

    /// The register-blocked kernel's shapes (`SmallGemm`: whole and partial 6 × 16 tiles, padded panels, inner
    /// chunks, a short inner dimension for A·Bᵀ) and OpenBLAS's on either side of its limits, against the naive
    /// product; each row must also come out the same whichever block of rows it is computed in.
    @Test(arguments: 0..<3) func layerShapesMatchNaive(_ index: Int) {
        let (ta, tb) = GemmTests.cases[index]
        let shapes = [(1, 16, 1), (5, 17, 3), (6, 64, 32), (7, 3, 64), (13, 96, 200), (512, 64, 64), (40, 1, 5),
                      (300, 33, 513), (64, 64, 512), (9, 128, 7), (12, 40, 15), (70, 1, 64), (33, 200, 300), (8, 5, 2500)]
        for (m, n, k) in shapes {
            for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.5, -0.25)] {
                let lda = (ta == .none ? k : m) + 1, ldb = (tb == .none ? n : k) + 2, ldc = n + 3
                let a = random((ta == .none ? m : k) * lda, seed: UInt64(m * 1000 + k))
                let b = random((tb == .none ? k : n) * ldb, seed: UInt64(n * 1000 + k))
                let c0 = random(m * ldc, seed: 3)
                let expected = naive(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c0, ldc: ldc)
                var c = c0
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    Gemm.multiply(ta, tb, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                  beta: beta, c: cp.baseAddress!, ldc: ldc)
                } } }
                var worst: Float = 0
                for i in 0..<m { for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j])) } }
                #expect(worst < 1e-4 * Float(max(k, 1)).squareRoot(), "\(ta) \(tb) m \(m) n \(n) k \(k) α \(alpha) β \(beta): \(worst)")
                for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j] == c0[i * ldc + j], "wrote past column \(n)") } }
                // Row i alone gives the same bits as row i within the whole product.
                guard ta == .none, m > 1 else { continue }
                let i = m / 2
                var row = Array(c0[(i * ldc)..<(i * ldc + ldc)])
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in row.withUnsafeMutableBufferPointer { rp in
                    Gemm.multiply(ta, tb, m: 1, n: n, k: k, alpha: alpha, a: ap.baseAddress! + i * lda, lda: lda, b: bp.baseAddress!,
                                  ldb: ldb, beta: beta, c: rp.baseAddress!, ldc: ldc)
                } } }
                #expect(Array(row[0..<n]) == Array(c[(i * ldc)..<(i * ldc + n)]), "\(ta) \(tb) m \(m) n \(n) k \(k): row \(i) differs alone")
            }
        }
    }

    /// The row promise on the layer shapes that used to go to OpenBLAS (narrow outputs, wide layers, long inner
    /// dimensions): C computed in blocks of 1, 5 and 16 rows has the same bits as C computed whole, for A·B and
    /// A·Bᵀ. OpenBLAS's AVX-512 kernels broke this for an output layer of 3 columns.
    @Test(arguments: 0..<2) func rowBlocksGiveTheWholeProductsBits(_ index: Int) {
        let (ta, tb) = GemmTests.cases[index]
        for (m, n, k) in [(97, 3, 64), (97, 1, 64), (50, 16, 27), (61, 128, 64), (45, 256, 128), (30, 7, 3000)] {
            let lda = k, ldb = tb == .none ? n : k
            let a = random(m * lda, seed: UInt64(m + k)), b = random((tb == .none ? k : n) * ldb, seed: UInt64(n + k))
            var whole = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in whole.withUnsafeMutableBufferPointer { cp in
                Gemm.multiply(ta, tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                              beta: 0, c: cp.baseAddress!, ldc: n)
            } } }
            for block in [1, 5, 16] {
                var pieces = [Float](repeating: 0, count: m * n)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in pieces.withUnsafeMutableBufferPointer { cp in
                    var r = 0
                    while r < m {
                        let rows = min(block, m - r)
                        Gemm.multiply(ta, tb, m: rows, n: n, k: k, a: ap.baseAddress! + r * lda, lda: lda, b: bp.baseAddress!,
                                      ldb: ldb, beta: 0, c: cp.baseAddress! + r * n, ldc: n)
                        r += rows
                    }
                } } }
                #expect(pieces == whole, "\(ta) \(tb) m \(m) n \(n) k \(k) in blocks of \(block)")
            }
        }
    }

    @Test(arguments: 0..<4) func parallelRowsIgnoreThreadCount(_ index: Int) {
        let (ta, tb) = GemmTests.cases[index]
        let m = 1000, n = 24, k = 19
        let a = random(m * k, seed: 4), b = random(k * n, seed: 5)
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                Gemm.parallelMultiply(ta, tb, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!,
                                      pool: WorkerPool(threads: threads))
            } } }
            results.append(c)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
        let expected = naive(ta, tb, m: m, n: n, k: k, alpha: 1, a: a, lda: ta == .none ? k : m, b: b, ldb: tb == .none ? n : k,
                             beta: 0, c: [Float](repeating: 0, count: m * n), ldc: n)
        for i in stride(from: 0, to: expected.count, by: 7) { #expect(abs(results[2][i] - expected[i]) < 1e-4) }
    }

    @Test(arguments: 0..<4) func reductionMatchesNaiveAndIgnoresThreadCount(_ index: Int) {
        let (ta, tb) = GemmTests.cases[index]
        // A weight-gradient shape: small output, long inner dimension (not a multiple of the slot size).
        let m = 13, n = 7, k = 5003
        let a = random(m * k, seed: 6), b = random(k * n, seed: 7)
        let c0 = random(m * n, seed: 8)
        let workspace = GemmWorkspace(capacity: m * n)
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            var c = c0
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                Gemm.parallelReduceMultiply(ta, tb, m: m, n: n, k: k, alpha: 2, a: ap.baseAddress!, b: bp.baseAddress!,
                                            beta: 1, c: cp.baseAddress!, workspace: workspace, pool: WorkerPool(threads: threads))
            } } }
            results.append(c)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
        let expected = naive(ta, tb, m: m, n: n, k: k, alpha: 2, a: a, lda: ta == .none ? k : m, b: b, ldb: tb == .none ? n : k,
                             beta: 1, c: c0, ldc: n)
        for i in 0..<expected.count { #expect(abs(results[0][i] - expected[i]) < 2e-3, "element \(i)") }
    }

    @Test func emptyInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [0], b: [Float] = [0]
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            Gemm.multiply(.none, .none, m: 2, n: 2, k: 0, a: ap.baseAddress!, lda: 1, b: bp.baseAddress!, ldb: 2,
                          beta: 0.5, c: cp.baseAddress!, ldc: 2)
        } } }
        #expect(c == [0.5, 1, 1.5, 2])
    }

    @Test func blockStartCoversTheRangeInAlignedBlocks() {
        for count in [0, 1, 7, 64, 1000, 4097] {
            for parts in 1...9 {
                var previous = 0
                for i in 0...parts {
                    let s = WorkerPool.blockStart(i, of: parts, count: count, granularity: 16)
                    #expect(s >= previous && s <= count)
                    if i < parts { #expect(s % 16 == 0) }
                    previous = s
                }
                #expect(WorkerPool.blockStart(0, of: parts, count: count, granularity: 16) == 0)
                #expect(WorkerPool.blockStart(parts, of: parts, count: count, granularity: 16) == count)
            }
        }
    }
}
