import FieldIO
import Foundation

/// Closed (and deliberately opened) triangle meshes built from formulas: spheres, boxes, tori, for tests
/// and demo scenes. Every closed mesh here has counter-clockwise triangles seen from outside, so its
/// generalized winding number is 1 inside and 0 outside.
public enum ProceduralMesh {
    /// A geodesic sphere: an icosahedron whose triangles are split in four `subdivisions` times, with the
    /// vertices pushed onto the sphere. 20·4^s triangles, 10·4^s + 2 vertices; per-vertex normals are the
    /// radial directions.
    public static func icosphere(subdivisions: Int = 3, radius: Float = 1, center: SIMD3<Float> = .zero) -> TriangleMesh {
        // The icosahedron: the 12 cyclic permutations of (0, ±1, ±φ); its edges are the vertex pairs at distance 2.
        let phi = Float((1 + 5.0.squareRoot()) / 2)
        var unit: [SIMD3<Float>] = []
        for s1: Float in [-1, 1] {
            for s2: Float in [-1, 1] {
                unit.append(SIMD3(0, s1, s2 * phi))
                unit.append(SIMD3(s1, s2 * phi, 0))
                unit.append(SIMD3(s2 * phi, 0, s1))
            }
        }
        func isEdge(_ i: Int, _ j: Int) -> Bool {
            let d = unit[i] - unit[j]
            return abs(dot(d, d) - 4) < 1e-3
        }
        var triangles: [SIMD3<UInt32>] = []
        for i in 0..<12 {
            for j in (i + 1)..<12 where isEdge(i, j) {
                for k in (j + 1)..<12 where isEdge(i, k) && isEdge(j, k) {
                    triangles.append(outward(SIMD3(UInt32(i), UInt32(j), UInt32(k)), unit, about: .zero))
                }
            }
        }
        var positions = unit.map { normalized($0) }
        for _ in 0..<max(0, subdivisions) {
            var midpoints: [UInt64: UInt32] = [:]
            func midpoint(_ a: UInt32, _ b: UInt32) -> UInt32 {
                let key = UInt64(min(a, b)) << 32 | UInt64(max(a, b))
                if let m = midpoints[key] { return m }
                let m = UInt32(positions.count)
                positions.append(normalized(positions[Int(a)] + positions[Int(b)]))
                midpoints[key] = m
                return m
            }
            var finer: [SIMD3<UInt32>] = []
            finer.reserveCapacity(triangles.count * 4)
            for t in triangles {
                let ab = midpoint(t.x, t.y), bc = midpoint(t.y, t.z), ca = midpoint(t.z, t.x)
                finer += [SIMD3(t.x, ab, ca), SIMD3(ab, t.y, bc), SIMD3(ca, bc, t.z), SIMD3(ab, bc, ca)]
            }
            triangles = finer
        }
        let normals = positions
        return TriangleMesh(positions: positions.map { center + radius * $0 }, triangles: triangles, normals: normals)
    }

    /// An axis-aligned box from `min` to `max`: 8 vertices, 12 triangles, facing outward.
    public static func box(min lo: SIMD3<Float>, max hi: SIMD3<Float>) -> TriangleMesh {
        var positions: [SIMD3<Float>] = []
        for i in 0..<8 {
            positions.append(SIMD3(i & 1 == 0 ? lo.x : hi.x, i & 2 == 0 ? lo.y : hi.y, i & 4 == 0 ? lo.z : hi.z))
        }
        // Each face: the four corners with one coordinate bit fixed, split along a diagonal.
        var triangles: [SIMD3<UInt32>] = []
        let center = (lo + hi) / 2
        for axis in 0..<3 {
            for side in 0..<2 {
                let bit = 1 << axis
                let others = (0..<8).filter { ($0 & bit != 0) == (side == 1) }   // 4 corners, ascending
                // Corners 0 and 3 of `others` are opposite: split along that diagonal.
                let q = others.map { UInt32($0) }
                triangles.append(outward(SIMD3(q[0], q[1], q[3]), positions, about: center))
                triangles.append(outward(SIMD3(q[0], q[3], q[2]), positions, about: center))
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles)
    }

    /// A torus around the z axis through `center`: the circle of radius `majorRadius` swept by a tube of
    /// radius `minorRadius`, with `majorSegments` × `minorSegments` quads (two triangles each), facing outward.
    public static func torus(majorRadius: Float = 1, minorRadius: Float = 0.25, majorSegments: Int = 48,
                             minorSegments: Int = 24, center: SIMD3<Float> = .zero) -> TriangleMesh {
        let nu = Swift.max(3, majorSegments), nv = Swift.max(3, minorSegments)
        var positions: [SIMD3<Float>] = []
        var normals: [SIMD3<Float>] = []
        for i in 0..<nu {
            let u = 2 * Double.pi * Double(i) / Double(nu)
            for j in 0..<nv {
                let v = 2 * Double.pi * Double(j) / Double(nv)
                let ring = Double(majorRadius) + Double(minorRadius) * cos(v)
                positions.append(center + SIMD3(Float(ring * cos(u)), Float(ring * sin(u)), Float(Double(minorRadius) * sin(v))))
                normals.append(SIMD3(Float(cos(v) * cos(u)), Float(cos(v) * sin(u)), Float(sin(v))))
            }
        }
        func index(_ i: Int, _ j: Int) -> UInt32 { UInt32((i % nu) * nv + (j % nv)) }
        var triangles: [SIMD3<UInt32>] = []
        for i in 0..<nu {
            for j in 0..<nv {
                // (u, v) → (u+1, v) → (u+1, v+1): ∂u × ∂v points out of the tube.
                let a = index(i, j), b = index(i + 1, j), c = index(i + 1, j + 1), d = index(i, j + 1)
                triangles.append(SIMD3(a, b, c))
                triangles.append(SIMD3(a, c, d))
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles, normals: normals)
    }

    /// An icosphere with a hole: the triangles whose centroid lies within `capAngle` radians of the +z pole
    /// (seen from the centre) are removed. The result is open, so only a hole-robust sign can classify it.
    public static func openSphere(subdivisions: Int = 3, radius: Float = 1, center: SIMD3<Float> = .zero,
                                  capAngle: Float = 0.5) -> TriangleMesh {
        let cosine = Float(cos(Double(capAngle)))
        return icosphere(subdivisions: subdivisions, radius: radius, center: center).removingTriangles { a, b, c in
            let direction = normalized((a + b + c) / 3 - center)
            return direction.z > cosine
        }
    }

    /// `t` reordered, if needed, so that its normal points away from `center` (for convex shapes).
    private static func outward(_ t: SIMD3<UInt32>, _ positions: [SIMD3<Float>], about center: SIMD3<Float>) -> SIMD3<UInt32> {
        let a = positions[Int(t.x)], b = positions[Int(t.y)], c = positions[Int(t.z)]
        return dot(cross(b - a, c - a), (a + b + c) / 3 - center) >= 0 ? t : SIMD3(t.x, t.z, t.y)
    }
}

extension TriangleMesh {
    /// This mesh without the triangles for which `predicate(a, b, c)` (their corner positions) is true;
    /// vertices no remaining triangle uses are dropped (normals follow their vertices).
    public func removingTriangles(where predicate: (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) -> Bool) -> TriangleMesh {
        let kept = triangles.filter { t in
            !predicate(positions[Int(t.x)], positions[Int(t.y)], positions[Int(t.z)])
        }
        // Keep the used vertices in their original order.
        var used = [Bool](repeating: false, count: positions.count)
        for t in kept { used[Int(t.x)] = true; used[Int(t.y)] = true; used[Int(t.z)] = true }
        var remap = [UInt32](repeating: 0, count: positions.count)
        var newPositions: [SIMD3<Float>] = []
        var newNormals: [SIMD3<Float>] = []
        for i in positions.indices where used[i] {
            remap[i] = UInt32(newPositions.count)
            newPositions.append(positions[i])
            if !normals.isEmpty { newNormals.append(normals[i]) }
        }
        let newTriangles = kept.map { t in SIMD3(remap[Int(t.x)], remap[Int(t.y)], remap[Int(t.z)]) }
        return TriangleMesh(positions: newPositions, triangles: newTriangles, normals: newNormals)
    }
}
