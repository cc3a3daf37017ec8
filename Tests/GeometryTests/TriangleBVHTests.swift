import FieldIO
import Geometry
import Testing
import TensorCore

/// Exact closest points through the BVH agree with brute force, on a triangle soup (with degenerate
/// triangles) and on a sphere (distance = |‖p − c‖ − r| up to tessellation error).
struct TriangleBVHTests {
    @Test(arguments: [1, 4, 8])
    func closestPointMatchesBruteForceOnASoup(leafSize: Int) {
        let mesh = randomSoup(count: 400, seed: 3)
        let bvh = TriangleBVH(mesh: mesh, maxLeafSize: leafSize)
        #expect(bvh.triangleCount == 400)
        let xyz = uniformPoints(300, lo: -0.3, hi: 1.3, seed: 4)
        for i in 0..<300 {
            let p = point(xyz, i)
            let expected = bruteForceDistance(mesh, p)
            guard let hit = bvh.closestPoint(to: p) else { Issue.record("no hit"); continue }
            #expect(abs(hit.distance - expected) <= 1e-5 * max(1, expected), "point \(i)")
            // The reported point lies on the reported triangle, at the reported distance.
            let t = mesh.triangles[hit.triangle]
            let (a, b, c) = (mesh.positions[Int(t.x)], mesh.positions[Int(t.y)], mesh.positions[Int(t.z)])
            let fromBarycentric = hit.barycentric.x * a + hit.barycentric.y * b + hit.barycentric.z * c
            #expect(length(fromBarycentric - hit.point) < 1e-4)
            #expect(abs(length(hit.point - p) - hit.distance) < 1e-5)
            #expect(abs(hit.barycentric.sum() - 1) < 1e-5)
        }
    }

    @Test func hintsAndUpperBoundsDoNotChangeTheAnswer() {
        let mesh = randomSoup(count: 300, seed: 5)
        let bvh = TriangleBVH(mesh: mesh)
        let xyz = uniformPoints(100, lo: 0, hi: 1, seed: 6)
        for i in 0..<100 {
            let p = point(xyz, i)
            let plain = bvh.closestPoint(to: p)!
            let hinted = bvh.closestPoint(to: p, hintTriangle: (i * 37) % 300)!
            #expect(abs(hinted.distance - plain.distance) < 1e-6)
            // A bound just above the answer still finds it; one below finds nothing.
            #expect(abs(bvh.closestPoint(to: p, upperBound: plain.distance * 1.01 + 1e-6)!.distance - plain.distance) < 1e-6)
            #expect(bvh.closestPoint(to: p, upperBound: plain.distance * 0.99) == nil)
        }
    }

    @Test func sphereDistanceIsAnalyticUpToTessellation() {
        let center = SIMD3<Float>(0.5, 0.5, 0.5), radius: Float = 0.3
        let mesh = ProceduralMesh.icosphere(subdivisions: 4, radius: radius, center: center)
        let bvh = TriangleBVH(mesh: mesh)
        // A facet sinks below the sphere by at most r − √(r² − L²/3) (L: longest edge; circumradius ≤ L/√3).
        var longest: Float = 0
        for t in mesh.triangles {
            longest = max(longest, length(mesh.positions[Int(t.x)] - mesh.positions[Int(t.y)]))
        }
        let sag = radius - (radius * radius - longest * longest / 3).squareRoot()
        let xyz = uniformPoints(500, lo: 0, hi: 1, seed: 8)
        for i in 0..<500 {
            let p = point(xyz, i)
            let analytic = abs(length(p - center) - radius)
            #expect(abs(bvh.closestPoint(to: p)!.distance - analytic) <= sag + 1e-5)
        }
    }

    @Test func rayQueriesMatchBruteForce() {
        let mesh = randomSoup(count: 300, seed: 9)
        let bvh = TriangleBVH(mesh: mesh)
        var rng = RandomGenerator(seed: 10)
        var hits = 0
        for _ in 0..<300 {
            let origin = SIMD3<Float>(rng.nextFloat(-0.5, 1.5), rng.nextFloat(-0.5, 1.5), rng.nextFloat(-0.5, 1.5))
            let target = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            var direction = normalized(target - origin)
            if hits % 7 == 3 { direction = SIMD3(0, 0, target.z > origin.z ? 1 : -1) }   // axis-aligned rays too
            var expected = Float.infinity
            for t in mesh.triangles {
                if let s = rayTriangle(origin, direction, mesh.positions[Int(t.x)], mesh.positions[Int(t.y)], mesh.positions[Int(t.z)]) {
                    expected = min(expected, s)
                }
            }
            let hit = bvh.intersect(origin: origin, direction: direction)
            #expect(bvh.intersectsAny(origin: origin, direction: direction) == expected.isFinite)
            if expected.isFinite {
                hits += 1
                guard let hit else { Issue.record("missed a hit at \(expected)"); continue }
                #expect(abs(hit.distance - expected) < 1e-4)
                let t = mesh.triangles[hit.triangle]
                let q = hit.barycentric.x * mesh.positions[Int(t.x)] + hit.barycentric.y * mesh.positions[Int(t.y)]
                    + hit.barycentric.z * mesh.positions[Int(t.z)]
                #expect(length(q - (origin + hit.distance * direction)) < 1e-4)
                #expect(!bvh.intersectsAny(origin: origin, direction: direction, maxDistance: expected * 0.999 - 1e-4))
            } else {
                #expect(hit == nil)
            }
        }
        #expect(hits > 50)
    }

    @Test func emptyAndTinyMeshes() {
        let empty = TriangleBVH(mesh: TriangleMesh(positions: [], triangles: []))
        #expect(empty.closestPoint(to: .zero) == nil)
        #expect(empty.intersect(origin: .zero, direction: SIMD3(1, 0, 0)) == nil)
        let one = TriangleMesh(positions: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 1, 0)], triangles: [SIMD3(0, 1, 2)])
        let hit = TriangleBVH(mesh: one).closestPoint(to: SIMD3(0.25, 0.25, 2))!
        #expect(abs(hit.distance - 2) < 1e-6 && hit.triangle == 0)
        #expect(length(hit.barycentric - SIMD3(0.5, 0.25, 0.25)) < 1e-6)
    }
}

/// Möller–Trumbore in Double, two-sided; the hit distance or nil.
private func rayTriangle(_ o: SIMD3<Float>, _ d: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, _ c: SIMD3<Float>) -> Float? {
    let o = SIMD3<Double>(o), d = SIMD3<Double>(d), a = SIMD3<Double>(a), b = SIMD3<Double>(b), c = SIMD3<Double>(c)
    func cr(_ u: SIMD3<Double>, _ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)
    }
    let e1 = b - a, e2 = c - a
    let pv = cr(d, e2)
    let det = (e1 * pv).sum()
    if abs(det) < 1e-12 { return nil }
    let tv = o - a
    let u = (tv * pv).sum() / det
    let qv = cr(tv, e1)
    let v = (d * qv).sum() / det
    let t = (e2 * qv).sum() / det
    return u >= 0 && v >= 0 && u + v <= 1 && t > 0 ? Float(t) : nil
}
