import TensorCore

/// `KernelIndex`'s 3D search: exact k nearest centres through a balanced k-d tree.
///
/// `build` splits the centres at the median of the widest axis until at most `leafSize` remain (a
/// deterministic quickselect in storage sized at `init`, so it allocates nothing); every node keeps the
/// bounding box of its centres. `nearest` visits the nearer child first and skips any node whose box is
/// farther than the k-th best distance found, so the answer is exact for any query point, and the cost stays
/// low far from the centres too (NeRF samples in empty space, where a uniform grid would scan many empty
/// cells). Equal distances prefer the lower id, so the answer does not depend on the tree's shape. Queries
/// only read the index: any number of threads may query at once. 2D indices keep z = 0.
final class KDTreeIndex {
    /// 2 or 3.
    let dimensions: Int
    /// The most centres `build` accepts.
    let capacity: Int
    /// The number of centres indexed by the last `build`.
    private(set) var count = 0

    /// Centres per leaf at most.
    static let leafSize = 8

    /// Centre ids in tree order.
    private let ids: UnsafeMutablePointer<Int32>
    /// Centres in tree order, 3 floats each (z = 0 in 2D), for cache-friendly leaf scans.
    private let sorted: UnsafeMutablePointer<Float>
    /// Per node (implicit layout: children of n are 2n+1 and 2n+2): box min, box max (3 floats each).
    private let boxes: UnsafeMutablePointer<Float>
    /// Per node: first and one-past-last position in tree order.
    private let ranges: UnsafeMutablePointer<Int32>
    private let maxNodes: Int

    /// An empty index for up to `capacity` centres in `dimensions` (2 or 3) dimensions.
    init(dimensions: Int, capacity: Int) {
        precondition(dimensions == 2 || dimensions == 3, "KDTreeIndex: 2 or 3 dimensions")
        precondition(capacity > 0, "KDTreeIndex: capacity must be positive")
        self.dimensions = dimensions
        self.capacity = capacity
        // Median splits of ranges above `leafSize`: depth ⌈log2(capacity / leafSize)⌉ + 1, nodes < 2^(depth+1).
        var leaves = 1
        while leaves * KDTreeIndex.leafSize < capacity { leaves *= 2 }
        maxNodes = 2 * leaves
        ids = .allocate(capacity: capacity)
        sorted = .allocate(capacity: capacity * 3)
        boxes = .allocate(capacity: maxNodes * 6)
        ranges = .allocate(capacity: maxNodes * 2)
    }

    deinit {
        ids.deallocate(); sorted.deallocate(); boxes.deallocate(); ranges.deallocate()
    }

    /// Indexes `count` centres stored row-major (`[count, dimensions]`). Allocates nothing.
    func build(centres: UnsafePointer<Float>, count n: Int) {
        precondition(n > 0 && n <= capacity, "KDTreeIndex.build: \(n) centres for a capacity of \(capacity)")
        count = n
        let d = dimensions
        for i in 0..<n {
            ids[i] = Int32(i)
            for a in 0..<3 { sorted[i &* 3 &+ a] = a < d ? centres[i &* d &+ a] : 0 }
        }
        buildNode(0, 0, n)
    }

    /// Node `node` over tree positions `lo..<hi`: its box, then (above `leafSize`) a median split on the
    /// box's widest axis into its two children.
    private func buildNode(_ node: Int, _ lo: Int, _ hi: Int) {
        var bmin = SIMD3<Float>(repeating: .infinity), bmax = SIMD3<Float>(repeating: -.infinity)
        for i in lo..<hi {
            let p = point(i)
            bmin = pointwiseMin(bmin, p)
            bmax = pointwiseMax(bmax, p)
        }
        for a in 0..<3 { boxes[node &* 6 &+ a] = bmin[a]; boxes[node &* 6 &+ 3 &+ a] = bmax[a] }
        ranges[node &* 2] = Int32(lo)
        ranges[node &* 2 &+ 1] = Int32(hi)
        guard hi - lo > KDTreeIndex.leafSize else { return }
        let extent = bmax - bmin
        let axis = extent.x >= extent.y && extent.x >= extent.z ? 0 : (extent.y >= extent.z ? 1 : 2)
        let mid = lo + (hi - lo) / 2
        select(mid, lo, hi, axis: axis)
        buildNode(2 &* node &+ 1, lo, mid)
        buildNode(2 &* node &+ 2, mid, hi)
    }

    @inline(__always)
    private func point(_ i: Int) -> SIMD3<Float> { SIMD3(sorted[i &* 3], sorted[i &* 3 &+ 1], sorted[i &* 3 &+ 2]) }

    /// Whether position i orders before position j on `axis` (coordinate, then id).
    @inline(__always)
    private func less(_ i: Int, _ j: Int, _ axis: Int) -> Bool {
        let a = sorted[i &* 3 &+ axis], b = sorted[j &* 3 &+ axis]
        return a < b || (a == b && ids[i] < ids[j])
    }

    @inline(__always)
    private func swapAt(_ i: Int, _ j: Int) {
        let t = ids[i]; ids[i] = ids[j]; ids[j] = t
        for a in 0..<3 { let v = sorted[i &* 3 &+ a]; sorted[i &* 3 &+ a] = sorted[j &* 3 &+ a]; sorted[j &* 3 &+ a] = v }
    }

    /// Quickselect (median-of-three pivots, deterministic): afterwards position `k` holds the element of rank
    /// k in `lo..<hi` on `axis`, with no greater element before it and no smaller one after it.
    private func select(_ k: Int, _ lo: Int, _ hi: Int, axis: Int) {
        var lo = lo, hi = hi - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if less(mid, lo, axis) { swapAt(mid, lo) }
            if less(hi, lo, axis) { swapAt(hi, lo) }
            if less(hi, mid, axis) { swapAt(hi, mid) }
            swapAt(mid, hi)                       // pivot (the median of three) at hi
            var store = lo
            for i in lo..<hi where less(i, hi, axis) {
                swapAt(i, store)
                store &+= 1
            }
            swapAt(store, hi)
            if store == k { return }
            if k < store { hi = store - 1 } else { lo = store + 1 }
        }
    }

    /// The `k` centres nearest to `query` (`dimensions` floats): their ids into `result` and squared
    /// distances into `distances`, nearest first (equal distances: lower id first). `k ≤ count`. A NaN
    /// coordinate is searched as the root box's lower corner (its distances are then finite, but the caller's
    /// kernel values of the NaN point stay NaN).
    @inline(__always)
    func nearest(_ query: UnsafePointer<Float>, k: Int, ids result: UnsafeMutablePointer<Int32>,
                        distances: UnsafeMutablePointer<Float>) {
        var q = SIMD3<Float>(query[0], query[1], dimensions == 3 ? query[2] : 0)
        q = q.replacing(with: SIMD3(boxes[0], boxes[1], boxes[2]), where: q .!= q)
        var found = 0
        visit(0, q, k, result, distances, &found)
    }

    /// Squared distance from `q` to node `node`'s box.
    @inline(__always)
    private func boxDistance(_ node: Int, _ q: SIMD3<Float>) -> Float {
        let b = boxes + node &* 6
        let lo = SIMD3(b[0], b[1], b[2]), hi = SIMD3(b[3], b[4], b[5])
        let e = pointwiseMax(pointwiseMax(lo - q, q - hi), SIMD3<Float>(repeating: 0))
        return (e * e).sum()
    }

    /// Searches node `node`: a leaf offers its centres; an inner node visits the child whose box is nearer
    /// first, and the other only while it could hold something nearer than (or as near as) the k-th best.
    private func visit(_ node: Int, _ q: SIMD3<Float>, _ k: Int, _ result: UnsafeMutablePointer<Int32>,
                       _ distances: UnsafeMutablePointer<Float>, _ found: inout Int) {
        let lo = Int(ranges[node &* 2]), hi = Int(ranges[node &* 2 &+ 1])
        if hi - lo <= KDTreeIndex.leafSize {
            for j in lo..<hi { offer(j, q, k, result, distances, &found) }
            return
        }
        let left = 2 &* node &+ 1, right = left &+ 1
        let dl = boxDistance(left, q), dr = boxDistance(right, q)
        let (first, dFirst, second, dSecond) = dl <= dr ? (left, dl, right, dr) : (right, dr, left, dl)
        if found < k || dFirst <= distances[k &- 1] { visit(first, q, k, result, distances, &found) }
        if found < k || dSecond <= distances[k &- 1] { visit(second, q, k, result, distances, &found) }
    }

    /// Offers the centre at tree position `j` to the sorted candidate list.
    @inline(__always)
    private func offer(_ j: Int, _ q: SIMD3<Float>, _ k: Int, _ result: UnsafeMutablePointer<Int32>,
                       _ distances: UnsafeMutablePointer<Float>, _ found: inout Int) {
        let e = point(j) - q
        let dist = (e * e).sum()
        let id = ids[j]
        if found == k && !(dist < distances[k &- 1] || (dist == distances[k &- 1] && id < result[k &- 1])) { return }
        var i = found < k ? found : k &- 1
        if found < k { found &+= 1 }
        while i > 0 && (distances[i &- 1] > dist || (distances[i &- 1] == dist && result[i &- 1] > id)) {
            distances[i] = distances[i &- 1]
            result[i] = result[i &- 1]
            i &-= 1
        }
        distances[i] = dist
        result[i] = id
    }
}
