import TensorCore

/// Exact nearest-neighbour and k-nearest-neighbour queries over a fixed set of 3D points (a kd-tree with
/// median splits on the widest axis and buckets of up to 8 points).
///
/// Results are exact and deterministic: neighbours are ordered by squared Euclidean distance
/// `((p − q) * (p − q)).sum()` in Float, ties broken by the smaller point index, so duplicates come back
/// in index order. Missing neighbours (k larger than the set, or an empty set) are reported as index −1
/// and distance +∞. Batched queries run over a `WorkerPool`; each query is answered on its own, so the
/// results do not depend on the number of threads.
public struct PointIndex: Sendable {
    private let tree: KDTree<SIMD3<Float>>

    /// The largest k the batched k-nearest query accepts.
    public static let maximumK = 32

    /// An index over `points` (indices refer to this array's order).
    public init(points: [SIMD3<Float>]) { tree = KDTree(points) }

    /// An index over `count` rows of x, y, z.
    public init(points: UnsafePointer<Float>, count: Int) {
        tree = KDTree((0..<count).map { SIMD3(points[3 * $0], points[3 * $0 + 1], points[3 * $0 + 2]) })
    }

    /// The number of indexed points.
    public var count: Int { tree.count }

    /// The nearest point to `query` (its index and squared distance), or nil for an empty set.
    public func nearest(to query: SIMD3<Float>) -> (index: Int, distanceSquared: Float)? {
        tree.nearest(to: query)
    }

    /// The `k` nearest points to `query`, nearest first (fewer when the set is smaller than k).
    public func nearest(to query: SIMD3<Float>, k: Int) -> [(index: Int, distanceSquared: Float)] {
        tree.nearest(to: query, k: k)
    }

    /// Batched nearest neighbour: `queries` holds `count` rows of x, y, z; writes each row's nearest point
    /// index to `indices` and, when given, its squared distance to `distancesSquared`.
    public func nearest(queries: UnsafePointer<Float>, count: Int, indices: UnsafeMutablePointer<Int32>,
                        distancesSquared: UnsafeMutablePointer<Float>?, pool: WorkerPool) {
        tree.query(queries, count: count, k: 1, indices: indices, distancesSquared: distancesSquared, pool: pool)
    }

    /// Batched k nearest (1 ≤ k ≤ 32): writes `count × k` indices (row-major, nearest first) and, when
    /// given, their squared distances.
    public func nearest(queries: UnsafePointer<Float>, count: Int, k: Int, indices: UnsafeMutablePointer<Int32>,
                        distancesSquared: UnsafeMutablePointer<Float>?, pool: WorkerPool) {
        tree.query(queries, count: count, k: k, indices: indices, distancesSquared: distancesSquared, pool: pool)
    }
}

/// `PointIndex` for 2D points (e.g. image-space kernel centres); same ordering and conventions.
public struct PointIndex2D: Sendable {
    private let tree: KDTree<SIMD2<Float>>

    /// An index over `points` (indices refer to this array's order).
    public init(points: [SIMD2<Float>]) { tree = KDTree(points) }

    /// An index over `count` rows of x, y.
    public init(points: UnsafePointer<Float>, count: Int) {
        tree = KDTree((0..<count).map { SIMD2(points[2 * $0], points[2 * $0 + 1]) })
    }

    /// The number of indexed points.
    public var count: Int { tree.count }

    /// The nearest point to `query` (its index and squared distance), or nil for an empty set.
    public func nearest(to query: SIMD2<Float>) -> (index: Int, distanceSquared: Float)? {
        tree.nearest(to: query)
    }

    /// The `k` nearest points to `query`, nearest first (fewer when the set is smaller than k).
    public func nearest(to query: SIMD2<Float>, k: Int) -> [(index: Int, distanceSquared: Float)] {
        tree.nearest(to: query, k: k)
    }

    /// Batched nearest neighbour over `count` rows of x, y (see `PointIndex`).
    public func nearest(queries: UnsafePointer<Float>, count: Int, indices: UnsafeMutablePointer<Int32>,
                        distancesSquared: UnsafeMutablePointer<Float>?, pool: WorkerPool) {
        tree.query(queries, count: count, k: 1, indices: indices, distancesSquared: distancesSquared, pool: pool)
    }

    /// Batched k nearest (1 ≤ k ≤ 32) over `count` rows of x, y (see `PointIndex`).
    public func nearest(queries: UnsafePointer<Float>, count: Int, k: Int, indices: UnsafeMutablePointer<Int32>,
                        distancesSquared: UnsafeMutablePointer<Float>?, pool: WorkerPool) {
        tree.query(queries, count: count, k: k, indices: indices, distancesSquared: distancesSquared, pool: pool)
    }
}

/// A node of `KDTree`: a leaf owns `points[first ..< first + count]`; an inner node splits on `axis` at
/// `split` (its left child, all points with coordinate ≤ split, is node `first`; the right, ≥ split, `first + 1`).
struct KDNode: Sendable {
    var split: Float
    var axis: Int32        // −1 for a leaf
    var first: Int32
    var count: Int32
}

/// A pending subtree of a kd-tree search: the query's offset from the subtree's cell per axis, the squared
/// distance to that cell, and the node.
struct KDStackEntry<P: SIMD> where P.Scalar == Float {
    var offsets: P
    var bound: Float
    var node: Int32
}

/// The kd-tree behind `PointIndex` and `PointIndex2D`, generic over the point type (specialised in this module).
struct KDTree<P: SIMD & Sendable>: Sendable where P.Scalar == Float {
    /// The points, reordered so that every leaf's points are contiguous.
    let points: [P]
    /// The original index of each reordered point.
    let ids: [Int32]
    let nodes: [KDNode]
    /// Depth of the deepest leaf (root = 0).
    let depth: Int

    static var leafSize: Int { 8 }

    var count: Int { points.count }

    init(_ input: [P]) {
        precondition(input.count < Int(Int32.max), "PointIndex: too many points")
        var points = input
        var ids = (0..<input.count).map { Int32($0) }
        var nodes: [KDNode] = [KDNode(split: 0, axis: -1, first: 0, count: Int32(input.count))]
        var depth = 0
        points.withUnsafeMutableBufferPointer { pts in
            ids.withUnsafeMutableBufferPointer { idp in
                // Ranges still to split: (node, begin, end, depth).
                var work: [(Int, Int, Int, Int)] = [(0, 0, input.count, 0)]
                while let (node, begin, end, d) = work.popLast() {
                    depth = max(depth, d)
                    let n = end - begin
                    if n <= Self.leafSize { continue }
                    var lo = pts[begin], hi = lo
                    for i in (begin + 1)..<end { lo = pointwiseMin(lo, pts[i]); hi = pointwiseMax(hi, pts[i]) }
                    let extent = hi - lo
                    var axis = 0
                    for a in 1..<P.scalarCount where extent[a] > extent[axis] { axis = a }
                    let middle = begin + n / 2
                    Self.select(pts.baseAddress!, idp.baseAddress!, begin, end, middle, axis)
                    let left = nodes.count
                    nodes[node] = KDNode(split: pts[middle][axis], axis: Int32(axis), first: Int32(left), count: 0)
                    nodes.append(KDNode(split: 0, axis: -1, first: Int32(begin), count: Int32(middle - begin)))
                    nodes.append(KDNode(split: 0, axis: -1, first: Int32(middle), count: Int32(end - middle)))
                    work.append((left + 1, middle, end, d + 1))
                    work.append((left, begin, middle, d + 1))
                }
            }
        }
        self.points = points
        self.ids = ids
        self.nodes = nodes
        self.depth = depth
    }

    /// Reorders `[begin, end)` so that position `k` holds the k-th smallest coordinate on `axis`, smaller or
    /// equal ones before it and greater or equal ones after (quickselect, three-way partition).
    static func select(_ pts: UnsafeMutablePointer<P>, _ ids: UnsafeMutablePointer<Int32>, _ begin: Int, _ end: Int,
                       _ k: Int, _ axis: Int) {
        var lo = begin, hi = end
        while hi - lo > 1 {
            let a = pts[lo][axis], b = pts[(lo + hi) / 2][axis], c = pts[hi - 1][axis]
            let pivot = max(min(a, b), min(max(a, b), c))
            var lt = lo, i = lo, gt = hi
            while i < gt {
                let v = pts[i][axis]
                if v < pivot {
                    swap(pts, ids, i, lt); lt += 1; i += 1
                } else if v > pivot {
                    gt -= 1; swap(pts, ids, i, gt)
                } else {
                    i += 1
                }
            }
            if k < lt { hi = lt } else if k >= gt { lo = gt } else { return }
        }
    }

    /// Swaps points `i` and `j` together with their original indices.
    @inline(__always)
    static func swap(_ pts: UnsafeMutablePointer<P>, _ ids: UnsafeMutablePointer<Int32>, _ i: Int, _ j: Int) {
        let p = pts[i]; pts[i] = pts[j]; pts[j] = p
        let d = ids[i]; ids[i] = ids[j]; ids[j] = d
    }

    /// The `k` nearest to `q`, written sorted by (distance², index) into `bestD`/`bestI` (k slots each);
    /// returns how many were found. `stack` needs `depth + 2` entries. Each stack entry carries the query's
    /// per-axis offset from the node's cell and the squared distance to the cell (incremental distance,
    /// Arya & Mount), so far subtrees are pruned by their true cell distance.
    @inline(__always)
    func search(_ q: P, k: Int, _ bestD: UnsafeMutablePointer<Float>, _ bestI: UnsafeMutablePointer<Int32>,
                _ stack: UnsafeMutablePointer<KDStackEntry<P>>, _ pts: UnsafePointer<P>, _ idp: UnsafePointer<Int32>,
                _ nodes: UnsafePointer<KDNode>) -> Int {
        if points.isEmpty { return 0 }
        var found = 0
        var worst = Float.infinity
        stack[0] = KDStackEntry(offsets: P(), bound: 0, node: 0)
        var top = 1
        while top > 0 {
            top -= 1
            let entry = stack[top]
            if entry.bound > worst { continue }
            let node = nodes[Int(entry.node)]
            if node.axis < 0 {
                let first = Int(node.first)
                for j in first..<(first + Int(node.count)) {
                    let diff = pts[j] - q
                    let d = (diff * diff).sum()
                    if found == k && d > worst { continue }
                    let id = idp[j]
                    if found == k && d == worst && id > bestI[k - 1] { continue }
                    // Insert, keeping (distance, index) order.
                    var slot = found == k ? k - 1 : found
                    while slot > 0 && (bestD[slot - 1] > d || (bestD[slot - 1] == d && bestI[slot - 1] > id)) {
                        bestD[slot] = bestD[slot - 1]
                        bestI[slot] = bestI[slot - 1]
                        slot -= 1
                    }
                    bestD[slot] = d
                    bestI[slot] = id
                    if found < k { found += 1 }
                    if found == k { worst = bestD[k - 1] }
                }
            } else {
                let axis = Int(node.axis)
                let diff = q[axis] - node.split
                var farOffsets = entry.offsets
                farOffsets[axis] = diff
                // Summed like the point distances, so it never exceeds the distance of a point in the cell.
                let farBound = (farOffsets * farOffsets).sum()
                let left = node.first, right = node.first + 1
                // Push the far child first so the near one is searched first.
                if farBound <= worst {
                    stack[top] = KDStackEntry(offsets: farOffsets, bound: farBound, node: diff <= 0 ? right : left)
                    top += 1
                }
                stack[top] = KDStackEntry(offsets: entry.offsets, bound: entry.bound, node: diff <= 0 ? left : right)
                top += 1
            }
        }
        return found
    }

    func nearest(to q: P) -> (index: Int, distanceSquared: Float)? {
        nearest(to: q, k: 1).first
    }

    func nearest(to q: P, k: Int) -> [(index: Int, distanceSquared: Float)] {
        let k = max(0, min(k, count))
        if k == 0 { return [] }
        var d = [Float](repeating: .infinity, count: k)
        var i = [Int32](repeating: -1, count: k)
        var stack = [KDStackEntry<P>](repeating: KDStackEntry(offsets: P(), bound: 0, node: 0), count: depth + 2)
        let found = points.withUnsafeBufferPointer { pts in
            ids.withUnsafeBufferPointer { idp in
                nodes.withUnsafeBufferPointer { nd in
                    search(q, k: k, &d, &i, &stack, pts.baseAddress!, idp.baseAddress!, nd.baseAddress!)
                }
            }
        }
        return (0..<found).map { (Int(i[$0]), d[$0]) }
    }

    /// Batched queries over rows of `P.scalarCount` floats (see `PointIndex`).
    func query(_ queries: UnsafePointer<Float>, count: Int, k: Int, indices: UnsafeMutablePointer<Int32>,
               distancesSquared: UnsafeMutablePointer<Float>?, pool: WorkerPool) {
        precondition(k >= 1 && k <= PointIndex.maximumK, "PointIndex: k must be in 1…\(PointIndex.maximumK)")
        let dims = P.scalarCount
        let out = UncheckedPointers(indices: indices, distances: distancesSquared)
        points.withUnsafeBufferPointer { pts in
            ids.withUnsafeBufferPointer { idp in
                nodes.withUnsafeBufferPointer { nd in
                    let p = pts.baseAddress ?? UnsafePointer(bitPattern: 16)!
                    let i = idp.baseAddress ?? UnsafePointer(bitPattern: 16)!
                    let n = nd.baseAddress!
                    pool.parallelRanges(count, granularity: 64) { _, range in
                        let bestD = UnsafeMutablePointer<Float>.allocate(capacity: k)
                        let bestI = UnsafeMutablePointer<Int32>.allocate(capacity: k)
                        let stack = UnsafeMutablePointer<KDStackEntry<P>>.allocate(capacity: depth + 2)
                        defer { bestD.deallocate(); bestI.deallocate(); stack.deallocate() }
                        for row in range {
                            var q = P()
                            for a in 0..<dims { q[a] = queries[row * dims + a] }
                            let found = search(q, k: k, bestD, bestI, stack, p, i, n)
                            let o = row * k
                            for j in 0..<k {
                                out.indices[o + j] = j < found ? bestI[j] : -1
                                out.distances?[o + j] = j < found ? bestD[j] : .infinity
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Output pointers handed to the workers (each writes its own rows).
private struct UncheckedPointers: @unchecked Sendable {
    let indices: UnsafeMutablePointer<Int32>
    let distances: UnsafeMutablePointer<Float>?
}
