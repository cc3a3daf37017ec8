import Foundation
import COpenBLAS

/// Runs a loop body on a fixed number of workers; how work is split depends only on `threads`,
/// so the same thread count gives bit-identical results.
public struct WorkerPool: Sendable {
    /// The number of workers (1 = run everything on the calling thread).
    public let threads: Int

    /// A pool of `threads` workers (clamped to at least 1). Holds OpenBLAS at one thread: we split GEMMs ourselves.
    public init(threads: Int) {
        self.threads = max(1, threads)
        WorkerPool.holdBLASAtOneThread()
    }

    /// A pool with one worker per core.
    public static var allCores: WorkerPool { WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount) }

    private static let blasOnce: Void = { openblas_set_num_threads(1) }()
    private static func holdBLASAtOneThread() { _ = blasOnce }

    /// Calls `body(i)` for i in 0..<iterations, spread over the workers (serially when threads == 1).
    public func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations <= 0 { return }
        if threads == 1 || iterations == 1 {
            for i in 0..<iterations { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: iterations) { i in box.value(i) }
        }
    }

    /// Splits 0..<count into `threads` contiguous ranges (at most `count`, each a multiple of `granularity`
    /// except the last) and calls `body(worker, range)` for each in parallel.
    public func parallelRanges(_ count: Int, granularity: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let ranges = WorkerPool.split(count, into: threads, granularity: granularity)
        parallelFor(ranges.count) { w in body(w, ranges[w]) }
    }

    /// Splits 0..<count into at most `parts` contiguous, non-empty ranges aligned to `granularity`.
    public static func split(_ count: Int, into parts: Int, granularity: Int = 1) -> [Range<Int>] {
        if count <= 0 { return [] }
        let g = max(1, granularity)
        let units = (count + g - 1) / g
        let n = max(1, min(parts, units))
        var ranges: [Range<Int>] = []
        var start = 0
        for p in 0..<n {
            let endUnit = (units * (p + 1)) / n
            let end = min(count, endUnit * g)
            if end > start { ranges.append(start..<end) }
            start = end
        }
        return ranges
    }
}

/// Wraps a value that is safe to share across workers by construction (disjoint writes), for Dispatch.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
