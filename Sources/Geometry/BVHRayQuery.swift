import TensorCore

/// Where a ray first meets a mesh.
public struct RayHit: Sendable, Equatable {
    /// The ray parameter t of the hit (origin + t·direction; the distance when direction is a unit vector).
    public var distance: Float
    /// The index (in the mesh's order) of the triangle hit.
    public var triangle: Int
    /// The hit point's barycentric coordinates in that triangle (weights of corners a, b, c).
    public var barycentric: SIMD3<Float>
}

extension TriangleBVH {
    /// The nearest hit of the ray origin + t·direction with t in (minDistance, maxDistance), from either
    /// side of the triangles (Möller–Trumbore, SIMD8 per leaf), or nil.
    public func intersect(origin: SIMD3<Float>, direction: SIMD3<Float>, minDistance: Float = 0,
                          maxDistance: Float = .infinity) -> RayHit? {
        withUnsafeTemporaryAllocation(of: BVHStackEntry.self, capacity: stackCapacity) { stack in
            traceRay(origin, direction, minDistance, maxDistance, anyHit: false, stack.baseAddress!)
        }
    }

    /// Whether the ray origin + t·direction meets any triangle for t in (minDistance, maxDistance); stops at
    /// the first hit found.
    public func intersectsAny(origin: SIMD3<Float>, direction: SIMD3<Float>, minDistance: Float = 0,
                              maxDistance: Float = .infinity) -> Bool {
        withUnsafeTemporaryAllocation(of: BVHStackEntry.self, capacity: stackCapacity) { stack in
            traceRay(origin, direction, minDistance, maxDistance, anyHit: true, stack.baseAddress!) != nil
        }
    }

    /// Front-to-back traversal (children sorted by entry distance); with `anyHit` it returns the first hit.
    func traceRay(_ o: SIMD3<Float>, _ d: SIMD3<Float>, _ tMin: Float, _ tMax: Float, anyHit: Bool,
                  _ stack: UnsafeMutablePointer<BVHStackEntry>) -> RayHit? {
        // Zero direction components become tiny ones: finite slab products, no 0·∞.
        var safe = d
        for k in 0..<3 where abs(safe[k]) < 1e-30 { safe[k] = safe[k] < 0 ? -1e-30 : 1e-30 }
        let inv = 1 / safe
        let ox4 = SIMD4<Float>(repeating: o.x), oy4 = SIMD4<Float>(repeating: o.y), oz4 = SIMD4<Float>(repeating: o.z)
        let ix4 = SIMD4<Float>(repeating: inv.x), iy4 = SIMD4<Float>(repeating: inv.y), iz4 = SIMD4<Float>(repeating: inv.z)
        let ox = SIMD8<Float>(repeating: o.x), oy = SIMD8<Float>(repeating: o.y), oz = SIMD8<Float>(repeating: o.z)
        let dx = SIMD8<Float>(repeating: d.x), dy = SIMD8<Float>(repeating: d.y), dz = SIMD8<Float>(repeating: d.z)
        let lowest = SIMD4<Float>(repeating: tMin)
        var best = tMax
        var bestTriangle: Int32 = -1
        stack[0] = BVHStackEntry(node: 0, key: tMin)
        var top = 1
        while top > 0 {
            top &-= 1
            let entry = stack[top]
            if !(entry.key <= best) { continue }
            if entry.node < 0 {
                let block = blocks + Int(~entry.node)
                // Möller–Trumbore with e1 = b − a = e0 and e2 = c − a = −(a − c).
                let e1x = block.pointee.e0x, e1y = block.pointee.e0y, e1z = block.pointee.e0z
                let e2x = -block.pointee.e2x, e2y = -block.pointee.e2y, e2z = -block.pointee.e2z
                let px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x
                let det = e1x * px + e1y * py + e1z * pz
                let invDet = 1 / det
                let tx = ox - block.pointee.ax, ty = oy - block.pointee.ay, tz = oz - block.pointee.az
                let u = (tx * px + ty * py + tz * pz) * invDet
                let qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x
                let v = (dx * qx + dy * qy + dz * qz) * invDet
                let t = (e2x * qx + e2y * qy + e2z * qz) * invDet
                let zero = SIMD8<Float>()
                let hit = (det .!= zero) .& (u .>= zero) .& (v .>= zero) .& (u + v .<= SIMD8(repeating: 1))
                    .& (t .> SIMD8(repeating: tMin)) .& (t .< SIMD8(repeating: best)) .& (block.pointee.triangle .>= SIMD8(repeating: 0))
                if any(hit) {
                    for l in 0..<8 where hit[l] && t[l] < best {
                        best = t[l]
                        bestTriangle = block.pointee.triangle[l]
                    }
                    if anyHit { break }
                }
                continue
            }
            let node = nodes + Int(entry.node)
            let t0x = (node.pointee.minX - ox4) * ix4, t1x = (node.pointee.maxX - ox4) * ix4
            let t0y = (node.pointee.minY - oy4) * iy4, t1y = (node.pointee.maxY - oy4) * iy4
            let t0z = (node.pointee.minZ - oz4) * iz4, t1z = (node.pointee.maxZ - oz4) * iz4
            let near = SIMDLanes.maximum(SIMDLanes.maximum(SIMDLanes.minimum(t0x, t1x), SIMDLanes.minimum(t0y, t1y)),
                                         SIMDLanes.maximum(SIMDLanes.minimum(t0z, t1z), lowest))
            let far = SIMDLanes.minimum(SIMDLanes.minimum(SIMDLanes.maximum(t0x, t1x), SIMDLanes.maximum(t0y, t1y)),
                                        SIMDLanes.minimum(SIMDLanes.maximum(t0z, t1z), SIMD4(repeating: best)))
            let child = node.pointee.child
            let enter = (near .<= far) .& (child .!= SIMD4(repeating: BVHNode4.noChild))
            if !any(enter) { continue }
            let base = top
            for l in 0..<4 where enter[l] {
                let e = BVHStackEntry(node: child[l], key: near[l])
                var j = top
                while j > base && stack[j &- 1].key < e.key {
                    stack[j] = stack[j &- 1]
                    j &-= 1
                }
                stack[j] = e
                top &+= 1
            }
        }
        guard bestTriangle >= 0 else { return nil }
        let (a, b, c) = triangle(Int(bestTriangle))
        // Barycentrics of the hit point, recomputed in scalar for the winning triangle.
        let e1 = b - a, e2 = c - a
        let p = cross(d, e2)
        let det = dot(e1, p)
        let s = o - a
        let u = dot(s, p) / det
        let v = dot(d, cross(s, e1)) / det
        return RayHit(distance: best, triangle: Int(bestTriangle), barycentric: SIMD3(1 - u - v, u, v))
    }
}
