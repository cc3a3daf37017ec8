import TensorCore

/// The point of a mesh closest to a query point.
public struct ClosestPointResult: Sendable, Equatable {
    /// Euclidean distance from the query to `point`.
    public var distance: Float
    /// The closest point on the mesh.
    public var point: SIMD3<Float>
    /// The index (in the mesh's order) of the triangle `point` lies on.
    public var triangle: Int
    /// `point`'s barycentric coordinates in that triangle (weights of its corners a, b, c); a zero weight
    /// tells that the point lies on an edge, two zeros on a vertex.
    public var barycentric: SIMD3<Float>
}

extension TriangleBVH {
    /// The exact closest point of the mesh to `point`, or nil when the mesh is empty or nothing lies
    /// closer than `upperBound`. A `hintTriangle` (e.g. the triangle a near-surface point was sampled
    /// from) seeds the search with its distance, so most of the tree is pruned at once.
    public func closestPoint(to point: SIMD3<Float>, upperBound: Float = .infinity,
                             hintTriangle: Int = -1) -> ClosestPointResult? {
        var best2 = upperBound * upperBound
        var bestTriangle: Int32 = -1
        if hintTriangle >= 0 && hintTriangle < triangleCount {
            let (a, b, c) = triangle(hintTriangle)
            let d2 = distanceSquaredToTriangle(point, a, b, c)
            if d2 <= best2 { best2 = d2; bestTriangle = Int32(hintTriangle) }
        }
        withUnsafeTemporaryAllocation(of: BVHStackEntry.self, capacity: stackCapacity) { stack in
            nearestTriangle(point, &best2, &bestTriangle, stack.baseAddress!)
        }
        guard bestTriangle >= 0 else { return nil }
        let (a, b, c) = triangle(Int(bestTriangle))
        let closest = closestPointOnTriangle(point, a, b, c)
        return ClosestPointResult(distance: length(closest.point - point), point: closest.point,
                                  triangle: Int(bestTriangle), barycentric: closest.barycentric)
    }

    /// Nearest-first search: lowers `best2` (a squared distance) and sets `bestTriangle` whenever a
    /// triangle closer than `best2` is found. `stack` must hold `stackCapacity` entries. The nearest hit
    /// child is entered directly; the others wait on the stack, sorted so the nearer pop first, and are
    /// dropped when they pop no nearer than the best distance by then.
    @inline(__always)
    func nearestTriangle(_ p: SIMD3<Float>, _ best2: inout Float, _ bestTriangle: inout Int32,
                         _ stack: UnsafeMutablePointer<BVHStackEntry>) {
        let px4 = SIMD4<Float>(repeating: p.x), py4 = SIMD4<Float>(repeating: p.y), pz4 = SIMD4<Float>(repeating: p.z)
        let nodes = self.nodes, blocks = self.blocks
        let zero = SIMD4<Float>()
        var best = best2, bestIndex = bestTriangle
        var node: Int32 = 0
        var top = 0
        while true {
            if node >= 0 {
                let n = nodes + Int(node)
                let dx = SIMDLanes.maximum(SIMDLanes.maximum(n.pointee.minX - px4, px4 - n.pointee.maxX), zero)
                let dy = SIMDLanes.maximum(SIMDLanes.maximum(n.pointee.minY - py4, py4 - n.pointee.maxY), zero)
                let dz = SIMDLanes.maximum(SIMDLanes.maximum(n.pointee.minZ - pz4, pz4 - n.pointee.maxZ), zero)
                let d2 = dx * dx + dy * dy + dz * dz
                var hits = SIMDLanes.lessMask(d2, SIMD4(repeating: best))
                if hits != 0 {
                    let child = n.pointee.child
                    if hits & (hits &- 1) == 0 {                 // one child: enter it
                        node = child[hits.trailingZeroBitCount]
                        continue
                    }
                    // Several: push them sorted (nearest on top), then enter the nearest.
                    let base = top
                    while hits != 0 {
                        let l = hits.trailingZeroBitCount
                        hits &= hits &- 1
                        let e = BVHStackEntry(node: child[l], key: d2[l])
                        var j = top
                        while j > base && stack[j &- 1].key < e.key {
                            stack[j] = stack[j &- 1]
                            j &-= 1
                        }
                        stack[j] = e
                        top &+= 1
                    }
                    top &-= 1
                    node = stack[top].node
                    continue
                }
            } else {
                let block = blocks + Int(~node)
                let d = blockDistanceSquared(block, p)
                let m = SIMDLanes.pairwiseMin(d)
                if m < best {
                    best = m
                    bestIndex = block.pointee.triangle[SIMDLanes.equalMask(d, SIMD8(repeating: m)).trailingZeroBitCount]
                }
            }
            // Next: the nearest waiting node that may still hold something closer.
            var next: Int32? = nil
            while top > 0 {
                top &-= 1
                let e = stack[top]
                if e.key < best { next = e.node; break }
            }
            guard let n = next else { break }
            node = n
        }
        best2 = best
        bestTriangle = bestIndex
    }
}

/// Squared distances from `p` to the eight triangles of `block`: the distance to the plane where the
/// point projects inside the triangle (all three inward edge tests positive), else the least distance to
/// the three edges as segments.
///
/// Never inlined, on purpose: inlined into a caller that reads the result in 128-bit halves, LLVM
/// narrows the whole kernel to SSE width; on its own it runs on full 256-bit AVX registers.
@inline(never)
func blockDistanceSquared(_ block: UnsafePointer<TriangleBlock8>, _ p: SIMD3<Float>) -> SIMD8<Float> {
    let px = SIMD8<Float>(repeating: p.x), py = SIMD8<Float>(repeating: p.y), pz = SIMD8<Float>(repeating: p.z)
    let zero = SIMD8<Float>(), one = SIMD8<Float>(repeating: 1)
    let w0x = px - block.pointee.ax, w0y = py - block.pointee.ay, w0z = pz - block.pointee.az
    let e0x = block.pointee.e0x, e0y = block.pointee.e0y, e0z = block.pointee.e0z
    let e1x = block.pointee.e1x, e1y = block.pointee.e1y, e1z = block.pointee.e1z
    let e2x = block.pointee.e2x, e2y = block.pointee.e2y, e2z = block.pointee.e2z
    let w1x = w0x - e0x, w1y = w0y - e0y, w1z = w0z - e0z
    let w2x = w1x - e1x, w2y = w1y - e1y, w2z = w1z - e1z

    let t0 = SIMDLanes.minimum(SIMDLanes.maximum((w0x * e0x + w0y * e0y + w0z * e0z) * block.pointee.inv0, zero), one)
    let q0x = w0x - t0 * e0x, q0y = w0y - t0 * e0y, q0z = w0z - t0 * e0z
    let t1 = SIMDLanes.minimum(SIMDLanes.maximum((w1x * e1x + w1y * e1y + w1z * e1z) * block.pointee.inv1, zero), one)
    let q1x = w1x - t1 * e1x, q1y = w1y - t1 * e1y, q1z = w1z - t1 * e1z
    let t2 = SIMDLanes.minimum(SIMDLanes.maximum((w2x * e2x + w2y * e2y + w2z * e2z) * block.pointee.inv2, zero), one)
    let q2x = w2x - t2 * e2x, q2y = w2y - t2 * e2y, q2z = w2z - t2 * e2z
    let edge = SIMDLanes.minimum(q0x * q0x + q0y * q0y + q0z * q0z,
                                 SIMDLanes.minimum(q1x * q1x + q1y * q1y + q1z * q1z, q2x * q2x + q2y * q2y + q2z * q2z))

    let s0 = block.pointee.m0x * w0x + block.pointee.m0y * w0y + block.pointee.m0z * w0z
    let s1 = block.pointee.m1x * w1x + block.pointee.m1y * w1y + block.pointee.m1z * w1z
    let s2 = block.pointee.m2x * w2x + block.pointee.m2y * w2y + block.pointee.m2z * w2z
    let inside = (s0 .> zero) .& (s1 .> zero) .& (s2 .> zero)
    let h = block.pointee.nx * w0x + block.pointee.ny * w0y + block.pointee.nz * w0z
    return edge.replacing(with: h * h, where: inside)
}
