import FieldIO

/// A 4-wide BVH node: the boxes of its (up to) four children in SoA form, so one SIMD4 test covers all
/// four, and their references: `>= 0` an inner node, `< 0` leaf block `~child`, `Int32.min` no child
/// (its box is empty: min = +∞, max = −∞, so every distance to it is +∞).
struct BVHNode4 {
    var minX, minY, minZ, maxX, maxY, maxZ: SIMD4<Float>
    var child: SIMD4<Int32>

    static let noChild = Int32.min

    static var empty: BVHNode4 {
        let inf = SIMD4<Float>(repeating: .infinity)
        return BVHNode4(minX: inf, minY: inf, minZ: inf, maxX: -inf, maxY: -inf, maxZ: -inf,
                        child: SIMD4(repeating: noChild))
    }
}

/// The (up to) eight triangles of one leaf, SoA, with what the SIMD8 kernels need precomputed: corner a,
/// edges e0 = b − a, e1 = c − b, e2 = a − c with their inverse squared lengths, the unit normal and the
/// inward edge normals mᵢ = n × eᵢ. Padding lanes repeat lane 0's corner a with zero edges and normals:
/// a point "triangle" that is never strictly closer than lane 0, subtends no solid angle and is never hit.
struct TriangleBlock8 {
    var ax, ay, az: SIMD8<Float>
    var e0x, e0y, e0z, e1x, e1y, e1z, e2x, e2y, e2z: SIMD8<Float>
    var inv0, inv1, inv2: SIMD8<Float>
    var nx, ny, nz: SIMD8<Float>
    var m0x, m0y, m0z, m1x, m1y, m1z, m2x, m2y, m2z: SIMD8<Float>
    /// Original triangle index per lane, −1 in padding lanes.
    var triangle: SIMD8<Int32>
}

/// One entry of a traversal stack: a node reference (as in `BVHNode4.child`) and a key (a squared
/// distance or a ray parameter) below which the node can still matter.
struct BVHStackEntry {
    var node: Int32
    var key: Float
}

/// A bounding volume hierarchy over a mesh's triangles for exact closest-point, ray and (through
/// `FastWindingNumber`) winding-number queries. Built with a binned surface-area heuristic into a binary
/// tree, then collapsed into a flat array of 4-wide nodes whose leaves hold at most 8 triangles in SIMD8
/// blocks. Immutable after construction, so any number of threads may query it at once.
public final class TriangleBVH: @unchecked Sendable {
    /// The number of triangles (of the mesh it was built from).
    public let triangleCount: Int
    /// The number of 4-wide inner nodes (at least 1: the root).
    public let nodeCount: Int
    /// The number of leaves (SIMD8 triangle blocks).
    public let leafCount: Int
    /// The number of node levels from the root to the deepest inner node.
    public let depth: Int
    /// The mesh's bounding box (zeros for an empty mesh).
    public let bounds: (min: SIMD3<Float>, max: SIMD3<Float>)

    let nodes: UnsafeMutablePointer<BVHNode4>
    let blocks: UnsafeMutablePointer<TriangleBlock8>
    /// Corners a, b, c of every triangle, in the mesh's order.
    let corners: UnsafeMutablePointer<SIMD3<Float>>
    /// Triangle indices in leaf order: every node's subtree is a contiguous range of it.
    let order: [Int32]
    /// Per node, the start and length in `order` of each child's triangles (0, 0 for no child).
    let childStart: [SIMD4<Int32>]
    let childCount: [SIMD4<Int32>]

    /// Entries a traversal stack needs: at most 3 per level plus the root.
    var stackCapacity: Int { 3 * depth + 8 }

    /// Builds the hierarchy over `mesh`'s triangles; leaves hold at most `maxLeafSize` (1…8) triangles.
    public init(mesh: TriangleMesh, maxLeafSize: Int = 8) {
        let leafSize = min(8, max(1, maxLeafSize))
        let n = mesh.triangles.count
        triangleCount = n
        bounds = mesh.bounds
        corners = .allocate(capacity: max(1, 3 * n))
        var triMin = [SIMD3<Float>](repeating: .zero, count: n)
        var triMax = [SIMD3<Float>](repeating: .zero, count: n)
        var centroid = [SIMD3<Float>](repeating: .zero, count: n)
        for (i, t) in mesh.triangles.enumerated() {
            let a = mesh.positions[Int(t.x)], b = mesh.positions[Int(t.y)], c = mesh.positions[Int(t.z)]
            (corners + 3 * i).initialize(to: a)
            (corners + 3 * i + 1).initialize(to: b)
            (corners + 3 * i + 2).initialize(to: c)
            triMin[i] = pointwiseMin(a, pointwiseMin(b, c))
            triMax[i] = pointwiseMax(a, pointwiseMax(b, c))
            centroid[i] = (a + b + c) / 3
        }
        var order = (0..<n).map { Int32($0) }
        let binary = BinaryBVHBuilder.build(order: &order, triMin: triMin, triMax: triMax, centroid: centroid,
                                             leafSize: leafSize)
        self.order = order

        // Collapse the binary tree into 4-wide nodes (depth-first, so a node's children sit close to it).
        var nodes4: [BVHNode4] = [.empty]
        var starts: [SIMD4<Int32>] = [.zero], counts: [SIMD4<Int32>] = [.zero]
        var leafBlocks: [TriangleBlock8] = []
        var maxDepth = 1
        if let root = binary.first {
            var work: [(binary: Int, node: Int, depth: Int)] = []
            if root.isLeaf {
                nodes4[0] = BVHNode4.empty
                TriangleBVH.setChild(&nodes4[0], lane: 0, box: root, reference: ~Int32(leafBlocks.count))
                starts[0][0] = Int32(root.start); counts[0][0] = Int32(root.count)
                leafBlocks.append(TriangleBVH.makeBlock(order[root.start..<(root.start + root.count)], corners))
            } else {
                work.append((0, 0, 1))
            }
            while let (b, index, level) = work.popLast() {
                maxDepth = max(maxDepth, level)
                var kids = [binary[b].left, binary[b].right]
                while kids.count < 4 {
                    var widest = -1
                    var widestArea: Float = -1
                    for (k, kid) in kids.enumerated() where !binary[kid].isLeaf {
                        let area = binary[kid].halfArea
                        if area > widestArea { widestArea = area; widest = k }
                    }
                    if widest < 0 { break }
                    let opened = binary[kids[widest]]
                    kids[widest] = opened.left
                    kids.insert(opened.right, at: widest + 1)
                }
                var node = BVHNode4.empty
                var pending: [(binary: Int, node: Int, depth: Int)] = []
                for (lane, kid) in kids.enumerated() {
                    let k = binary[kid]
                    let reference: Int32
                    if k.isLeaf {
                        reference = ~Int32(leafBlocks.count)
                        leafBlocks.append(TriangleBVH.makeBlock(order[k.start..<(k.start + k.count)], corners))
                    } else {
                        reference = Int32(nodes4.count)
                        nodes4.append(.empty)
                        starts.append(.zero); counts.append(.zero)
                        pending.append((kid, Int(reference), level + 1))
                    }
                    TriangleBVH.setChild(&node, lane: lane, box: k, reference: reference)
                    starts[index][lane] = Int32(k.start); counts[index][lane] = Int32(k.count)
                }
                nodes4[index] = node
                work += pending.reversed()
            }
        }
        nodeCount = nodes4.count
        leafCount = leafBlocks.count
        depth = maxDepth
        childStart = starts
        childCount = counts
        nodes = .allocate(capacity: nodes4.count)
        nodes.initialize(from: nodes4, count: nodes4.count)
        blocks = .allocate(capacity: max(1, leafBlocks.count))
        blocks.initialize(from: leafBlocks, count: leafBlocks.count)
    }

    deinit {
        nodes.deallocate()
        blocks.deallocate()
        corners.deallocate()
    }

    /// Corners a, b, c of triangle `index` (in the mesh's order).
    @inline(__always)
    public func triangle(_ index: Int) -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
        (corners[3 * index], corners[3 * index + 1], corners[3 * index + 2])
    }

    private static func setChild(_ node: inout BVHNode4, lane: Int, box: BinaryBVHBuilder.Node, reference: Int32) {
        node.minX[lane] = box.lo.x; node.minY[lane] = box.lo.y; node.minZ[lane] = box.lo.z
        node.maxX[lane] = box.hi.x; node.maxY[lane] = box.hi.y; node.maxZ[lane] = box.hi.z
        node.child[lane] = reference
    }

    /// The SIMD8 block of the triangles `indices` (1…8 of them).
    private static func makeBlock(_ indices: ArraySlice<Int32>, _ corners: UnsafeMutablePointer<SIMD3<Float>>) -> TriangleBlock8 {
        let z = SIMD8<Float>()
        var k = TriangleBlock8(ax: z, ay: z, az: z, e0x: z, e0y: z, e0z: z, e1x: z, e1y: z, e1z: z, e2x: z, e2y: z, e2z: z,
                               inv0: z, inv1: z, inv2: z, nx: z, ny: z, nz: z,
                               m0x: z, m0y: z, m0z: z, m1x: z, m1y: z, m1z: z, m2x: z, m2y: z, m2z: z,
                               triangle: SIMD8(repeating: -1))
        let first = corners[3 * Int(indices.first!)]
        for lane in 0..<8 {
            guard lane < indices.count else {
                k.ax[lane] = first.x; k.ay[lane] = first.y; k.az[lane] = first.z
                continue
            }
            let t = Int(indices[indices.startIndex + lane])
            let a = corners[3 * t], b = corners[3 * t + 1], c = corners[3 * t + 2]
            let e0 = b - a, e1 = c - b, e2 = a - c
            let normal = cross(e0, c - a)
            let area2 = length(normal)
            let n = area2 > 0 && area2.isFinite ? normal / area2 : SIMD3<Float>.zero
            let m0 = cross(n, e0), m1 = cross(n, e1), m2 = cross(n, e2)
            func inverse(_ e: SIMD3<Float>) -> Float { let l = dot(e, e); return l > 0 ? 1 / l : 0 }
            k.ax[lane] = a.x; k.ay[lane] = a.y; k.az[lane] = a.z
            k.e0x[lane] = e0.x; k.e0y[lane] = e0.y; k.e0z[lane] = e0.z
            k.e1x[lane] = e1.x; k.e1y[lane] = e1.y; k.e1z[lane] = e1.z
            k.e2x[lane] = e2.x; k.e2y[lane] = e2.y; k.e2z[lane] = e2.z
            k.inv0[lane] = inverse(e0); k.inv1[lane] = inverse(e1); k.inv2[lane] = inverse(e2)
            k.nx[lane] = n.x; k.ny[lane] = n.y; k.nz[lane] = n.z
            k.m0x[lane] = m0.x; k.m0y[lane] = m0.y; k.m0z[lane] = m0.z
            k.m1x[lane] = m1.x; k.m1y[lane] = m1.y; k.m1z[lane] = m1.z
            k.m2x[lane] = m2.x; k.m2y[lane] = m2.y; k.m2z[lane] = m2.z
            k.triangle[lane] = Int32(t)
        }
        return k
    }
}

/// The binary tree TriangleBVH collapses: binned SAH splits (16 bins on each axis) until a node holds at
/// most `leafSize` triangles, falling back to a median split where SAH finds no useful plane.
enum BinaryBVHBuilder {
    struct Node {
        var lo: SIMD3<Float>, hi: SIMD3<Float>
        var start: Int, count: Int
        var left: Int, right: Int
        var isLeaf: Bool { left < 0 }
        var halfArea: Float { let e = hi - lo; return e.x * e.y + e.y * e.z + e.z * e.x }
    }

    static let binCount = 16

    /// The nodes, root first; `order` is permuted so every node covers `order[start..<start+count]`.
    static func build(order: inout [Int32], triMin: [SIMD3<Float>], triMax: [SIMD3<Float>], centroid: [SIMD3<Float>],
                      leafSize: Int) -> [Node] {
        let n = order.count
        if n == 0 { return [] }
        var nodes = [Node(lo: .zero, hi: .zero, start: 0, count: n, left: -1, right: -1)]
        var work: [(node: Int, start: Int, end: Int)] = [(0, 0, n)]
        while let (index, start, end) = work.popLast() {
            var lo = SIMD3<Float>(repeating: .infinity), hi = SIMD3<Float>(repeating: -.infinity)
            var clo = lo, chi = hi
            for i in start..<end {
                let t = Int(order[i])
                lo = pointwiseMin(lo, triMin[t]); hi = pointwiseMax(hi, triMax[t])
                clo = pointwiseMin(clo, centroid[t]); chi = pointwiseMax(chi, centroid[t])
            }
            let count = end - start
            if count <= leafSize {
                nodes[index] = Node(lo: lo, hi: hi, start: start, count: count, left: -1, right: -1)
                continue
            }
            var mid = sahPartition(&order, start, end, clo, chi, triMin, triMax, centroid)
            if mid <= start || mid >= end { mid = medianPartition(&order, start, end, clo, chi, centroid) }
            let left = nodes.count
            nodes.append(Node(lo: .zero, hi: .zero, start: start, count: mid - start, left: -1, right: -1))
            nodes.append(Node(lo: .zero, hi: .zero, start: mid, count: end - mid, left: -1, right: -1))
            nodes[index] = Node(lo: lo, hi: hi, start: start, count: count, left: left, right: left + 1)
            work.append((left + 1, mid, end))
            work.append((left, start, mid))
        }
        return nodes
    }

    /// Partitions `order[start..<end]` at the cheapest binned SAH plane; returns the split index
    /// (`start` when no plane separates the triangles).
    private static func sahPartition(_ order: inout [Int32], _ start: Int, _ end: Int, _ clo: SIMD3<Float>, _ chi: SIMD3<Float>,
                                     _ triMin: [SIMD3<Float>], _ triMax: [SIMD3<Float>], _ centroid: [SIMD3<Float>]) -> Int {
        let extent = chi - clo
        var bestCost = Float.infinity, bestAxis = -1, bestSplit = 0
        var binLo = [SIMD3<Float>](repeating: .zero, count: binCount), binHi = binLo
        var binN = [Int](repeating: 0, count: binCount)
        var rightArea = [Float](repeating: 0, count: binCount), rightN = [Int](repeating: 0, count: binCount)
        func halfArea(_ lo: SIMD3<Float>, _ hi: SIMD3<Float>) -> Float {
            let e = hi - lo
            return e.x * e.y + e.y * e.z + e.z * e.x
        }
        for axis in 0..<3 where extent[axis] > 0 {
            let k = Float(binCount) / extent[axis]
            for b in 0..<binCount {
                binLo[b] = SIMD3(repeating: .infinity); binHi[b] = SIMD3(repeating: -.infinity); binN[b] = 0
            }
            for i in start..<end {
                let t = Int(order[i])
                let b = min(binCount - 1, max(0, Int((centroid[t][axis] - clo[axis]) * k)))
                binN[b] += 1
                binLo[b] = pointwiseMin(binLo[b], triMin[t]); binHi[b] = pointwiseMax(binHi[b], triMax[t])
            }
            var lo = SIMD3<Float>(repeating: .infinity), hi = SIMD3<Float>(repeating: -.infinity), count = 0
            for b in stride(from: binCount - 1, to: 0, by: -1) {
                lo = pointwiseMin(lo, binLo[b]); hi = pointwiseMax(hi, binHi[b]); count += binN[b]
                rightArea[b] = count > 0 ? halfArea(lo, hi) : 0
                rightN[b] = count
            }
            lo = SIMD3(repeating: .infinity); hi = SIMD3(repeating: -.infinity); count = 0
            for split in 1..<binCount {
                lo = pointwiseMin(lo, binLo[split - 1]); hi = pointwiseMax(hi, binHi[split - 1]); count += binN[split - 1]
                guard count > 0, rightN[split] > 0 else { continue }
                let cost = halfArea(lo, hi) * Float(count) + rightArea[split] * Float(rightN[split])
                if cost < bestCost { bestCost = cost; bestAxis = axis; bestSplit = split }
            }
        }
        if bestAxis < 0 { return start }
        let k = Float(binCount) / extent[bestAxis]
        var i = start, j = end - 1
        while i <= j {
            let t = Int(order[i])
            let b = min(binCount - 1, max(0, Int((centroid[t][bestAxis] - clo[bestAxis]) * k)))
            if b < bestSplit { i += 1 } else { order.swapAt(i, j); j -= 1 }
        }
        return i
    }

    /// Sorts `order[start..<end]` along the widest centroid axis and splits it in half.
    private static func medianPartition(_ order: inout [Int32], _ start: Int, _ end: Int, _ clo: SIMD3<Float>,
                                        _ chi: SIMD3<Float>, _ centroid: [SIMD3<Float>]) -> Int {
        let e = chi - clo
        let axis = e.x >= e.y && e.x >= e.z ? 0 : (e.y >= e.z ? 1 : 2)
        order[start..<end].sort { a, b in
            let ca = centroid[Int(a)][axis], cb = centroid[Int(b)][axis]
            return ca != cb ? ca < cb : a < b
        }
        return (start + end) / 2
    }
}
