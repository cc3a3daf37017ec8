import FieldIO
import TensorCore

/// The far-field expansion of the (up to) four children of one BVH node, SoA: expansion centre p̃
/// (area-weighted centroid), squared radius r² (r: farthest corner from p̃; +∞ for no child, so it is
/// never approximated), the area-weighted normal N = Σ aₜnₜ (dipole) and the first-order
/// tensor C = Σ aₜ nₜ (cₜ − p̃)ᵀ (row = normal component), both exact integrals over the triangles.
struct WindingNode4 {
    var cx, cy, cz, radius2: SIMD4<Float>
    var nx, ny, nz: SIMD4<Float>
    var c00, c01, c02, c10, c11, c12, c20, c21, c22: SIMD4<Float>
}

/// The generalized winding number w(p) = Σ Ωₜ(p) / 4π of a triangle mesh (Jacobson et al. 2013), made fast
/// with the tree of a `TriangleBVH` (Barill et al. 2018): a subtree whose expansion centre is farther than
/// β times its radius is replaced by its second-order (dipole + first-order) far-field expansion; leaves
/// nearer than that are summed exactly (solid angles, SIMD8). w is 1 inside and 0 outside a closed,
/// outward-facing mesh and degrades gracefully across holes and non-manifold parts: "inside" is w > ½.
public final class FastWindingNumber: @unchecked Sendable {
    /// The hierarchy whose nodes carry the expansions.
    public let bvh: TriangleBVH
    /// The accuracy parameter β: larger is slower and more accurate (Barill et al. use 2).
    public let beta: Float
    let nodes: UnsafeMutablePointer<WindingNode4>

    /// Expansions for every node of `bvh` (computed in Double) with accuracy parameter `beta`.
    public init(bvh: TriangleBVH, beta: Float = 2) {
        self.bvh = bvh
        self.beta = beta
        nodes = .allocate(capacity: bvh.nodeCount)
        let z = SIMD4<Float>()
        for i in 0..<bvh.nodeCount {
            var node = WindingNode4(cx: z, cy: z, cz: z, radius2: SIMD4(repeating: .infinity), nx: z, ny: z, nz: z,
                                    c00: z, c01: z, c02: z, c10: z, c11: z, c12: z, c20: z, c21: z, c22: z)
            for lane in 0..<4 where bvh.childCount[i][lane] > 0 {
                let start = Int(bvh.childStart[i][lane]), count = Int(bvh.childCount[i][lane])
                let e = FastWindingNumber.expansion(bvh, bvh.order[start..<(start + count)])
                let r = e.radius
                node.cx[lane] = Float(e.center.x); node.cy[lane] = Float(e.center.y); node.cz[lane] = Float(e.center.z)
                node.radius2[lane] = Float(r * r)
                node.nx[lane] = Float(e.normal.x); node.ny[lane] = Float(e.normal.y); node.nz[lane] = Float(e.normal.z)
                node.c00[lane] = Float(e.c[0].x); node.c01[lane] = Float(e.c[0].y); node.c02[lane] = Float(e.c[0].z)
                node.c10[lane] = Float(e.c[1].x); node.c11[lane] = Float(e.c[1].y); node.c12[lane] = Float(e.c[1].z)
                node.c20[lane] = Float(e.c[2].x); node.c21[lane] = Float(e.c[2].y); node.c22[lane] = Float(e.c[2].z)
            }
            (nodes + i).initialize(to: node)
        }
    }

    deinit { nodes.deallocate() }

    /// The winding number at `point` (fast, approximate far away; see the type's description), with this
    /// evaluator's β or another accuracy parameter.
    public func windingNumber(at point: SIMD3<Float>, beta: Float? = nil) -> Float {
        let b = beta ?? self.beta
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: bvh.stackCapacity) { stack in
            evaluate(point, stack.baseAddress!, betaSquared: b * b)
        }
    }

    /// The exact winding number of `mesh` at `point`: every triangle's solid angle, summed in Double.
    /// O(triangles) per point: for tests and checks.
    public static func exactWindingNumber(of mesh: TriangleMesh, at point: SIMD3<Float>) -> Double {
        var sum = 0.0
        for t in mesh.triangles {
            sum += Double(solidAngle(at: point, mesh.positions[Int(t.x)], mesh.positions[Int(t.y)], mesh.positions[Int(t.z)]))
        }
        return sum / (4 * Double.pi)
    }

    /// The traversal with accuracy parameter √`betaSquared`: a child is approximated when its centre is
    /// farther than β·r. `stack` must hold `bvh.stackCapacity` entries. Deterministic (fixed order).
    @inline(__always)
    func evaluate(_ p: SIMD3<Float>, _ stack: UnsafeMutablePointer<Int32>, betaSquared: Float) -> Float {
        let beta2 = SIMD4<Float>(repeating: betaSquared)
        let px4 = SIMD4<Float>(repeating: p.x), py4 = SIMD4<Float>(repeating: p.y), pz4 = SIMD4<Float>(repeating: p.z)
        let expansions = self.nodes, tree = bvh.nodes, blocks = bvh.blocks
        var far4 = SIMD4<Float>(), exact8 = SIMD8<Float>()
        stack[0] = 0
        var top = 1
        while top > 0 {
            top &-= 1
            let index = Int(stack[top])
            let e = expansions + index
            let rx = e.pointee.cx - px4, ry = e.pointee.cy - py4, rz = e.pointee.cz - pz4
            let d2 = rx * rx + ry * ry + rz * rz
            let admission = e.pointee.radius2 * beta2
            let farBits = SIMDLanes.lessMask(admission, d2)
            if farBits != 0 {
                let inverse = 1 / SIMDLanes.squareRoot(d2)
                let inverse2 = inverse * inverse
                let inverse3 = inverse2 * inverse
                let rN = rx * e.pointee.nx + ry * e.pointee.ny + rz * e.pointee.nz
                let trace = e.pointee.c00 + e.pointee.c11 + e.pointee.c22
                let cr0 = e.pointee.c00 * rx + e.pointee.c01 * ry + e.pointee.c02 * rz
                let cr1 = e.pointee.c10 * rx + e.pointee.c11 * ry + e.pointee.c12 * rz
                let cr2 = e.pointee.c20 * rx + e.pointee.c21 * ry + e.pointee.c22 * rz
                let rCr = rx * cr0 + ry * cr1 + rz * cr2
                let term = (rN + trace) * inverse3 - 3 * rCr * inverse3 * inverse2
                far4 += SIMDLanes.keepWhereLess(term, admission, d2)
                if farBits == 0xF { continue }
            }
            let child = tree[index].child
            var nearBits = ~farBits & 0xF
            while nearBits != 0 {
                let l = nearBits.trailingZeroBitCount
                nearBits &= nearBits &- 1
                let c = child[l]
                if c >= 0 {
                    stack[top] = c
                    top &+= 1
                } else if c != BVHNode4.noChild {
                    exact8 += blockHalfSolidAngles(blocks + Int(~c), p)
                }
            }
        }
        return SIMDLanes.sum(far4) * (0.25 / Float.pi) + SIMDLanes.sum(exact8) * (0.5 / Float.pi)
    }

    /// The expansion of the triangles `indices`: centre, radius, N, C (rows: normal component).
    private static func expansion(_ bvh: TriangleBVH, _ indices: ArraySlice<Int32>)
        -> (center: SIMD3<Double>, radius: Double, normal: SIMD3<Double>, c: [SIMD3<Double>]) {
        var totalArea = 0.0
        var weighted = SIMD3<Double>.zero, plain = SIMD3<Double>.zero
        for t in indices {
            let (a, b, c) = bvh.triangle(Int(t))
            let da = SIMD3<Double>(a), db = SIMD3<Double>(b), dc = SIMD3<Double>(c)
            let area = 0.5 * lengthD(crossD(db - da, dc - da))
            let centroid = (da + db + dc) / 3
            totalArea += area
            weighted += area * centroid
            plain += centroid
        }
        let center = totalArea > 0 ? weighted / totalArea : plain / Double(indices.count)
        var radius = 0.0
        var normal = SIMD3<Double>.zero
        var c = [SIMD3<Double>](repeating: .zero, count: 3)
        for t in indices {
            let (a, b, cc) = bvh.triangle(Int(t))
            let da = SIMD3<Double>(a), db = SIMD3<Double>(b), dc = SIMD3<Double>(cc)
            let areaVector = 0.5 * crossD(db - da, dc - da)
            let offset = (da + db + dc) / 3 - center
            normal += areaVector
            for i in 0..<3 { c[i] += areaVector[i] * offset }
            for v in [da, db, dc] { radius = max(radius, lengthD(v - center)) }
        }
        return (center, radius, normal, c)
    }
}

/// Half the signed solid angle (Ω/2 = atan2(det, denominator), Van Oosterom & Strackee) that each of the
/// eight triangles of `block` subtends at `p`; padding lanes give 0. Never inlined, for the reason given
/// at `blockDistanceSquared` (full AVX width).
@inline(never)
func blockHalfSolidAngles(_ block: UnsafePointer<TriangleBlock8>, _ p: SIMD3<Float>) -> SIMD8<Float> {
    let px = SIMD8<Float>(repeating: p.x), py = SIMD8<Float>(repeating: p.y), pz = SIMD8<Float>(repeating: p.z)
    let ax = block.pointee.ax - px, ay = block.pointee.ay - py, az = block.pointee.az - pz
    let bx = ax + block.pointee.e0x, by = ay + block.pointee.e0y, bz = az + block.pointee.e0z
    let cx = bx + block.pointee.e1x, cy = by + block.pointee.e1y, cz = bz + block.pointee.e1z
    let la = SIMDLanes.squareRoot(ax * ax + ay * ay + az * az)
    let lb = SIMDLanes.squareRoot(bx * bx + by * by + bz * bz)
    let lc = SIMDLanes.squareRoot(cx * cx + cy * cy + cz * cz)
    let det = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)
    let ab = ax * bx + ay * by + az * bz, ac = ax * cx + ay * cy + az * cz, bc = bx * cx + by * cy + bz * cz
    let denominator = la * lb * lc + ab * lc + ac * lb + bc * la
    return atan2Lanes(det, denominator)
}

@inline(__always) private func crossD(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inline(__always) private func lengthD(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
