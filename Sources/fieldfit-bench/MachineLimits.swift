import CBenchReference
import COpenBLAS
import Foundation
import TensorCore

/// The machine the bench runs on, in words: CPU model (family/model), its vector extensions, and the BLAS
/// kernel OpenBLAS picked. Printed first, so that every figure is read against its own machine.
struct MachineDescription {
    /// `model name` from /proc/cpuinfo, with family and model numbers.
    var cpu: String
    /// The SIMD extensions present, from SSE4.2 up to AVX-512's subsets.
    var vectorExtensions: [String]
    /// OpenBLAS's kernel family (`openblas_get_corename`), and `OPENBLAS_CORETYPE` when set.
    var blasCore: String

    /// Reads the running machine.
    static func current() -> MachineDescription {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in info.split(separator: "\n") {
            if line.isEmpty { break }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, fields[parts[0]] == nil { fields[parts[0]] = parts[1] }
        }
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        let known = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd",
                     "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx512ifma", "avx512_vpopcntdq"]
        let model = fields["model name"] ?? "unknown CPU"
        let cpu = "\(model) (family \(fields["cpu family"] ?? "?"), model \(fields["model"] ?? "?"), \(ProcessInfo.processInfo.activeProcessorCount) cores)"
        var core = openblas_get_corename().map { String(cString: $0) } ?? "?"
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] { core += " (OPENBLAS_CORETYPE=\(forced))" }
        return MachineDescription(cpu: cpu, vectorExtensions: known.filter { flags.contains($0) }, blasCore: core)
    }

    /// One line per fact, for the top of the report.
    var lines: [String] {
        ["machine: \(cpu)", "vector extensions: \(vectorExtensions.joined(separator: " "))", "OpenBLAS kernel: \(blasCore)"]
    }
}

/// This machine's limits, measured by the bench itself before the figures that are held against them: plain
/// OpenBLAS sgemm on the layer shapes, a STREAM triad, and a scalar C hash-grid gather and scatter (levels
/// outermost, split over the threads by level, as DESIGN.md §4 measured them on the Zen 3).
struct MachineLimits {
    /// Best OpenBLAS GFLOP/s for Y = X·W, dW = Xᵀ·dY and dX = dY·Wᵀ on (2^18×64)·(64×64): one call with
    /// OpenBLAS's own threads, or one single-threaded call per row block, whichever is faster.
    var sgemmForward: Double, sgemmWeightGradient: Double, sgemmInputGradient: Double
    /// STREAM triad bandwidth, GB/s.
    var triad: Double
    /// The C reference 2D hash grid (16 levels × 2, T = 2^19, finest 2048) on 2^18 points, M points/s.
    var hashForwardRandom: Double, hashForwardMorton: Double, hashBackwardRandom: Double

    /// Measures every limit with `threads` workers.
    static func measure(threads: Int) -> MachineLimits {
        let pool = WorkerPool(threads: threads)
        let (f, w, x) = sgemmLimits(threads: threads, pool: pool)
        let (hf, hm, hb) = hashGridLimits(pool: pool)
        return MachineLimits(sgemmForward: f, sgemmWeightGradient: w, sgemmInputGradient: x, triad: triadLimit(pool: pool),
                             hashForwardRandom: hf, hashForwardMorton: hm, hashBackwardRandom: hb)
    }

    /// The limits as report rows.
    var figures: [BenchFigure] {
        [BenchFigure(name: "limit: OpenBLAS sgemm Y = X·W (2^18×64)·(64×64)", value: sgemmForward, unit: "GFLOP/s", target: "", met: nil),
         BenchFigure(name: "limit: OpenBLAS sgemm dW = Xᵀ·dY", value: sgemmWeightGradient, unit: "GFLOP/s", target: "", met: nil),
         BenchFigure(name: "limit: OpenBLAS sgemm dX = dY·Wᵀ", value: sgemmInputGradient, unit: "GFLOP/s", target: "", met: nil),
         BenchFigure(name: "limit: STREAM triad (3 × 128 MiB)", value: triad, unit: "GB/s", target: "", met: nil),
         BenchFigure(name: "limit: C hash grid 2D 16×2 T=2^19 forward, random order", value: hashForwardRandom, unit: "M pts/s",
                     target: "", met: nil),
         BenchFigure(name: "limit: same, Morton-sorted order", value: hashForwardMorton, unit: "M pts/s", target: "", met: nil),
         BenchFigure(name: "limit: same, backward scatter-add, random order", value: hashBackwardRandom, unit: "M pts/s",
                     target: "", met: nil)]
    }

    private static func sgemmLimits(threads: Int, pool: WorkerPool) -> (Double, Double, Double) {
        let batch = 1 << 18, width = 64
        var rng = RandomGenerator(seed: 5)
        let x = FloatBuffer(count: batch * width), dy = FloatBuffer(count: batch * width), y = FloatBuffer(count: batch * width)
        let weights = FloatBuffer(count: width * width), partials = FloatBuffer(count: threads * width * width)
        for i in 0..<x.count { x[i] = rng.nextFloat(-1, 1); dy[i] = rng.nextFloat(-1, 1) }
        for i in 0..<weights.count { weights[i] = rng.nextFloat(-0.2, 0.2) }
        let n = Int32(width), rows = Int32(batch)
        let gflop = Gemm.flops(m: batch, n: width, k: width) / 1e9
        // OpenBLAS with its own threads, whole batch in one call.
        openblas_set_num_threads(Int32(threads))
        let wholeF = bestTime { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, n, 1, x.pointer, n, weights.pointer, n, 0, y.pointer, n) }
        let wholeW = bestTime { cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, rows, 1, x.pointer, n, dy.pointer, n, 0, weights.pointer, n) }
        let wholeX = bestTime { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, n, 1, dy.pointer, n, weights.pointer, n, 0, y.pointer, n) }
        openblas_set_num_threads(1)
        // One single-threaded call per contiguous block of rows (per block of the batch for dW, then a sum).
        func blocks(_ body: @escaping (Int32, Int32, Int) -> Void) -> Double {
            bestTime {
                pool.parallelFor(threads) { t in
                    let r0 = WorkerPool.blockStart(t, of: threads, count: batch, granularity: 16)
                    let r1 = WorkerPool.blockStart(t + 1, of: threads, count: batch, granularity: 16)
                    body(Int32(r0), Int32(r1 - r0), t)
                }
            }
        }
        let blockF = blocks { r0, m, _ in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, n, 1, x.pointer + Int(r0) * width, n, weights.pointer, n, 0,
                        y.pointer + Int(r0) * width, n)
        }
        let blockW = blocks { r0, m, t in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, m, 1, x.pointer + Int(r0) * width, n, dy.pointer + Int(r0) * width,
                        n, 0, partials.pointer + t * width * width, n)
        }
        let blockX = blocks { r0, m, _ in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, n, 1, dy.pointer + Int(r0) * width, n, weights.pointer, n, 0,
                        y.pointer + Int(r0) * width, n)
        }
        return (gflop / min(wholeF, blockF), gflop / min(wholeW, blockW), gflop / min(wholeX, blockX))
    }

    private static func triadLimit(pool: WorkerPool) -> Double {
        let count = 1 << 25
        let a = FloatBuffer(count: count), b = FloatBuffer(count: count), c = FloatBuffer(count: count)
        for i in 0..<count { b[i] = Float(i & 1023); c[i] = 1 }
        let workers = pool.threads
        let t = bestTime {
            pool.parallelFor(workers) { w in
                ffref_triad(a.pointer, b.pointer, c.pointer, 3,
                            WorkerPool.blockStart(w, of: workers, count: count, granularity: 1024),
                            WorkerPool.blockStart(w + 1, of: workers, count: count, granularity: 1024))
            }
        }
        return Double(3 * 4 * count) / t / 1e9
    }

    private static func hashGridLimits(pool: WorkerPool) -> (Double, Double, Double) {
        let batch = 1 << 18, levels = 16, entries = 1 << 19
        let growth = pow(2048.0 / 16.0, 1.0 / 15.0)
        let scales = (0..<levels).map { Float(16 * pow(growth, Double($0)) - 1) }
        var rng = RandomGenerator(seed: 9)
        let table = FloatBuffer(count: levels * entries * 2)
        for i in 0..<table.count { table[i] = rng.nextFloat(-1e-4, 1e-4) }
        var points = [Float](repeating: 0, count: batch * 2)
        for i in 0..<points.count { points[i] = rng.nextFloat() }
        let sorted = mortonSorted(points, dimensions: 2)
        let out = FloatBuffer(count: levels * batch * 2), grad = FloatBuffer(count: batch * 2)
        for i in 0..<grad.count { grad[i] = rng.nextFloat(-1, 1) }
        let workers = pool.threads
        func run(_ x: UnsafePointer<Float>, backward: Bool) -> Double {
            bestTime {
                pool.parallelFor(workers) { w in
                    for l in WorkerPool.blockStart(w, of: workers, count: levels)..<WorkerPool.blockStart(w + 1, of: workers, count: levels) {
                        let t = table.pointer + l * entries * 2
                        if backward {
                            ffref_hash2d_backward_level(x, batch, t, UInt32(entries), scales[l], grad.pointer)
                        } else {
                            ffref_hash2d_forward_level(x, batch, t, UInt32(entries), scales[l], out.pointer + l * batch * 2)
                        }
                    }
                }
            }
        }
        let rate = { (t: Double) in Double(batch) / t / 1e6 }
        let forwardRandom = points.withUnsafeBufferPointer { rate(run($0.baseAddress!, backward: false)) }
        let forwardMorton = sorted.withUnsafeBufferPointer { rate(run($0.baseAddress!, backward: false)) }
        let backwardRandom = points.withUnsafeBufferPointer { rate(run($0.baseAddress!, backward: true)) }
        return (forwardRandom, forwardMorton, backwardRandom)
    }
}
