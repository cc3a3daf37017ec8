import TensorCore

/// The batch walk the dense networks share (MLP, HourglassMLP, GLU, PolyMLP, QuadraticMLP).
///
/// The batch is cut into at most `slots` contiguous row ranges that depend only on the batch size (never on
/// the thread count); workers take whole slots and walk each in blocks of `chunkRows` rows, so a block's
/// activations stay in cache through all layers. Backward passes write each slot's parameter gradients into
/// that slot's own partial buffer, and `reducePartials` adds them in slot order: results are bit-identical
/// for any thread count.
enum RowBlocks {
    /// Reduction slots (fixed, so the split — and the rounding — never depends on the thread count).
    static let slots = 8

    /// The slot count for a batch (each slot gets at least one block).
    @inline(__always)
    static func usedSlots(batch: Int, chunkRows: Int) -> Int {
        min(slots, (batch + chunkRows - 1) / chunkRows)
    }

    /// Calls `body(row, rows, slot, firstBlockOfSlot)` for every block of the batch, slots spread over the
    /// pool's workers.
    @inline(__always)
    static func forEach(batch: Int, chunkRows: Int, pool: WorkerPool, _ body: (Int, Int, Int, Bool) -> Void) {
        let used = usedSlots(batch: batch, chunkRows: chunkRows)
        let workers = min(pool.threads, used)
        let c = chunkRows
        pool.parallelFor(workers) { w in
            let s0 = WorkerPool.blockStart(w, of: workers, count: used)
            let s1 = WorkerPool.blockStart(w + 1, of: workers, count: used)
            for s in s0..<s1 {
                let r1 = WorkerPool.blockStart(s + 1, of: used, count: batch, granularity: c)
                var r = WorkerPool.blockStart(s, of: used, count: batch, granularity: c)
                var first = true
                while r < r1 {
                    let rows = min(c, r1 - r)
                    body(r, rows, s, first)
                    first = false
                    r += rows
                }
            }
        }
    }

    /// `gradients[i] += Σ_slot partials[slot·count + i]` over the first `used` slots, in slot order, split
    /// over parameter ranges.
    static func reducePartials(_ partials: UnsafePointer<Float>, count: Int, used: Int,
                               into gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let reducers = min(pool.threads, max(1, count / 65_536))
        pool.parallelFor(reducers) { w in
            let a = WorkerPool.blockStart(w, of: reducers, count: count, granularity: 8)
            let b = WorkerPool.blockStart(w + 1, of: reducers, count: count, granularity: 8)
            for i in a..<b {
                var acc = gradients[i]
                for s in 0..<used { acc += partials[s &* count &+ i] }
                gradients[i] = acc
            }
        }
    }
}
