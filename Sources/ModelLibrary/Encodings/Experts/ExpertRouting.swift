import TensorCore

/// Switch-Transformer top-1 routing with a capacity, as Switch-NeRF routes samples: each row goes to the expert
/// of its largest gate probability (ties: the lower expert index); an expert takes at most `capacity` rows, and
/// when more want it, the rows with the larger probability keep the slots (batch-prioritised routing; ties: the
/// lower row). The other rows are dropped (they get zero features). The rows an expert keeps are listed in row
/// order, so its gathered batch keeps the samples' spatial order (rays stay contiguous).
///
/// All buffers are allocated once for a batch capacity; `route` allocates nothing and depends on nothing but
/// its input, so it is the same for any thread count.
final class ExpertRouting {
    /// Rows of the largest batch.
    let batchCapacity: Int
    /// Number of experts E.
    let experts: Int
    /// Per row: its expert (the argmax), or −1 once dropped.
    let expertOfRow: UnsafeMutablePointer<Int32>
    /// Per row: its slot in its expert's gathered batch (valid where `expertOfRow ≥ 0`).
    let slotOfRow: UnsafeMutablePointer<Int32>
    /// Per row: its gate probability for the chosen expert (p_e*).
    let chosenProbability: UnsafeMutablePointer<Float>
    /// The rows each expert keeps, expert e's at `rows + e · batchCapacity`, in row order.
    let rows: UnsafeMutablePointer<Int32>
    /// Per expert: rows that chose it (before capacity) and rows it kept.
    let assigned: UnsafeMutablePointer<Int>, kept: UnsafeMutablePointer<Int>

    init(batchCapacity: Int, experts: Int) {
        self.batchCapacity = batchCapacity
        self.experts = experts
        expertOfRow = .allocate(capacity: max(1, batchCapacity))
        slotOfRow = .allocate(capacity: max(1, batchCapacity))
        chosenProbability = .allocate(capacity: max(1, batchCapacity))
        rows = .allocate(capacity: max(1, batchCapacity * experts))
        assigned = .allocate(capacity: experts)
        kept = .allocate(capacity: experts)
        assigned.initialize(repeating: 0, count: experts)
        kept.initialize(repeating: 0, count: experts)
    }

    deinit {
        expertOfRow.deallocate(); slotOfRow.deallocate(); chosenProbability.deallocate()
        rows.deallocate(); assigned.deallocate(); kept.deallocate()
    }

    /// The most rows one expert takes from a batch of `batch` rows: ⌈capacityFactor · batch / E⌉, at most `batch`.
    static func capacity(batch: Int, experts: Int, factor: Double) -> Int {
        min(batch, Int((factor * Double(batch) / Double(experts)).rounded(.up)))
    }

    /// The rows expert `e` keeps.
    func keptRows(_ e: Int) -> UnsafeMutablePointer<Int32> { rows + e &* batchCapacity }

    /// Routes `batch` rows of `probabilities` (`[batch, E]`, rows summing to 1) with at most `capacity` rows per expert.
    func route(probabilities p: UnsafePointer<Float>, batch: Int, capacity: Int) {
        precondition(batch <= batchCapacity, "ExpertRouting: batch larger than the capacity")
        let e = experts
        for k in 0..<e { assigned[k] = 0 }
        for i in 0..<batch {
            let row = p + i &* e
            var best = 0
            var bestP = row[0]
            for k in 1..<e where row[k] > bestP { best = k; bestP = row[k] }
            expertOfRow[i] = Int32(best)
            chosenProbability[i] = bestP
            keptRows(best)[assigned[best]] = Int32(i)
            assigned[best] &+= 1
        }
        for k in 0..<e {
            let list = keptRows(k)
            let n = assigned[k]
            if n > capacity {
                // Batch-prioritised: the `capacity` rows of largest probability keep their slots.
                let probability = chosenProbability
                ExpertRouting.heapSort(list, count: n) { a, b in
                    let pa = probability[Int(a)], pb = probability[Int(b)]
                    return pa > pb || (pa == pb && a < b)
                }
                for j in capacity..<n { expertOfRow[Int(list[j])] = -1 }
                ExpertRouting.heapSort(list, count: capacity) { $0 < $1 }
            }
            kept[k] = min(n, capacity)
            for j in 0..<kept[k] { slotOfRow[Int(list[j])] = Int32(j) }
        }
    }

    /// Sorts `count` indices in place so that `before(a, b)` holds for each earlier a and later b (a strict
    /// total order); heap sort, so nothing is allocated.
    static func heapSort(_ a: UnsafeMutablePointer<Int32>, count n: Int, by before: (Int32, Int32) -> Bool) {
        guard n > 1 else { return }
        func siftDown(_ start: Int, _ end: Int) {
            var root = start
            while true {
                var child = 2 &* root &+ 1
                if child >= end { return }
                if child &+ 1 < end && before(a[child], a[child &+ 1]) { child &+= 1 }
                guard before(a[root], a[child]) else { return }
                a.swapAt(root, child)
                root = child
            }
        }
        var start = n / 2 - 1
        while start >= 0 { siftDown(start, n); start -= 1 }
        var end = n - 1
        while end > 0 {
            a.swapAt(0, end)
            siftDown(0, end)
            end -= 1
        }
    }
}

extension UnsafeMutablePointer where Pointee == Int32 {
    /// Exchanges elements `i` and `j`.
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
