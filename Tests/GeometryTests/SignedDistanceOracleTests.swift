import FieldIO
import Geometry
import Testing
import TensorCore

/// Signed distance = exact distance with the winding-number sign: right on closed meshes (sphere, box,
/// torus), robust on a sphere with a hole, identical for any thread count.
struct SignedDistanceOracleTests {
    @Test func sphereSignAndDistanceAreAnalytic() {
        let center = SIMD3<Float>(repeating: 0.5), radius: Float = 0.3
        let mesh = ProceduralMesh.icosphere(subdivisions: 3, radius: radius, center: center)
        let oracle = SignedDistanceOracle(mesh: mesh, gridResolution: 16)
        // Facets sink at most r − √(r² − L²/3) below the sphere (L: longest edge).
        var longest: Float = 0
        for t in mesh.triangles { longest = max(longest, length(mesh.positions[Int(t.x)] - mesh.positions[Int(t.y)])) }
        let sag = radius - (radius * radius - longest * longest / 3).squareRoot()
        let xyz = uniformPoints(1500, lo: -0.1, hi: 1.1, seed: 20)
        let sdf = signedDistances(oracle, xyz, threads: 2)
        for i in 0..<1500 {
            let analytic = length(point(xyz, i) - center) - radius
            #expect(abs(sdf[i] - analytic) <= sag + 1e-5, "point \(i): \(sdf[i]) vs \(analytic)")
        }
    }

    @Test func boxSignAndDistanceAreAnalytic() {
        let lo = SIMD3<Float>(0.2, 0.3, 0.25), hi = SIMD3<Float>(0.8, 0.6, 0.7)
        let oracle = SignedDistanceOracle(mesh: ProceduralMesh.box(min: lo, max: hi), gridResolution: 16)
        let xyz = uniformPoints(1500, lo: 0, hi: 1, seed: 21)
        let sdf = signedDistances(oracle, xyz, threads: 1)
        for i in 0..<1500 {
            let p = point(xyz, i)
            let q = pointwiseMax(lo - p, p - hi)
            let analytic = length(pointwiseMax(q, .zero)) + min(q.max(), 0)
            #expect(abs(sdf[i] - analytic) < 1e-5, "point \(i): \(sdf[i]) vs \(analytic)")
        }
    }

    @Test func torusSignMatchesTheAnalyticInside() {
        let c = SIMD3<Float>(repeating: 0.5)
        let oracle = SignedDistanceOracle(mesh: ProceduralMesh.torus(majorRadius: 0.3, minorRadius: 0.1, majorSegments: 48,
                                                                     minorSegments: 16, center: c), gridResolution: 16)
        let xyz = uniformPoints(1500, lo: 0, hi: 1, seed: 22)
        let sdf = signedDistances(oracle, xyz, threads: 2)
        for i in 0..<1500 {
            let p = point(xyz, i) - c
            let ring = (p.x * p.x + p.y * p.y).squareRoot() - 0.3
            let analytic = (ring * ring + p.z * p.z).squareRoot() - 0.1
            // Beyond the tessellation error the sign is the analytic one.
            if abs(analytic) > 5e-3 { #expect((sdf[i] < 0) == (analytic < 0), "point \(i)") }
        }
    }

    @Test func sphereWithAHoleKeepsItsInside() {
        let center = SIMD3<Float>(repeating: 0.5), radius: Float = 0.3
        // Cap of 0.5 rad removed around +z: a hole of radius ≈ 0.14 in a sphere of radius 0.3.
        let mesh = ProceduralMesh.openSphere(subdivisions: 3, radius: radius, center: center, capAngle: 0.5)
        let oracle = SignedDistanceOracle(mesh: mesh, gridResolution: 16)
        let xyz = uniformPoints(1500, lo: 0, hi: 1, seed: 23)
        let sdf = signedDistances(oracle, xyz, threads: 2)
        var checked = 0
        for i in 0..<1500 {
            let p = point(xyz, i)
            let r = length(p - center)
            let nearHole = normalized(p - center).z > 0.7 && abs(r - radius) < 0.2
            if r < radius * 0.8 && !nearHole { #expect(sdf[i] < 0, "inside point \(i) at r = \(r)"); checked += 1 }
            if r > radius * 1.2 && !nearHole { #expect(sdf[i] > 0, "outside point \(i) at r = \(r)"); checked += 1 }
            // The magnitude is still the exact distance to the open mesh.
            if i % 40 == 0 { #expect(abs(abs(sdf[i]) - bruteForceDistance(mesh, p)) < 1e-5) }
        }
        #expect(checked > 1100)
        // The centre and a point just under the hole are inside; the hole's mouth above it is not.
        #expect(oracle.signedDistance(at: center) < 0)
        #expect(oracle.signedDistance(at: center + SIMD3(0, 0, 0.2)) < 0)
        #expect(oracle.signedDistance(at: center + SIMD3(0, 0, 0.4)) > 0)
    }

    @Test func identicalForOneAndTwoThreadsAndWithHints() throws {
        let mesh = ProceduralMesh.openSphere(subdivisions: 3, radius: 0.3, center: SIMD3(repeating: 0.5), capAngle: 0.4)
        let a = SignedDistanceOracle(mesh: mesh, gridResolution: 16, pool: WorkerPool(threads: 1))
        let b = SignedDistanceOracle(mesh: mesh, gridResolution: 16, pool: WorkerPool(threads: 2))
        // 3000 points: above the size from which the oracle reorders queries spatially.
        let xyz = uniformPoints(3000, lo: -0.05, hi: 1.05, seed: 24)
        let one = signedDistances(a, xyz, threads: 1)
        let two = signedDistances(b, xyz, threads: 2)
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern))
        #expect(one.map(\.bitPattern) == signedDistances(a, xyz, threads: 3).map(\.bitPattern))

        // Near-surface points with the triangle they came from: same values as without hints.
        let sampler = SurfaceSampler(mesh)
        var rng = RandomGenerator(seed: 25)
        var near: [Float] = [], hints: [Int32] = []
        for _ in 0..<1000 {
            let s = sampler.sample(&rng)
            let p = s.point + 0.01 * SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())
            near += [p.x, p.y, p.z]
            hints.append(Int32(s.triangle))
        }
        let plain = signedDistances(a, near, threads: 2)
        var hinted = [Float](repeating: .nan, count: 1000), closest = [Int32](repeating: -2, count: 1000)
        near.withUnsafeBufferPointer { p in
            hinted.withUnsafeMutableBufferPointer { o in
                closest.withUnsafeMutableBufferPointer { c in
                    a.signedDistance(points: p.baseAddress!, hintTriangles: hints, count: 1000, output: o.baseAddress!,
                                     closestTriangles: c.baseAddress!, pool: WorkerPool(threads: 2))
                }
            }
        }
        for i in 0..<1000 {
            #expect(abs(hinted[i] - plain[i]) < 1e-6)
            let t = mesh.triangles[Int(closest[i])]
            let d = distanceSquaredToTriangle(point(near, i), mesh.positions[Int(t.x)], mesh.positions[Int(t.y)], mesh.positions[Int(t.z)])
            #expect(abs(d.squareRoot() - abs(plain[i])) < 1e-5)
        }
    }

    @Test func signAgreesWithTheExactWindingNumberOnASoupWithHoles() {
        // An open sphere plus loose triangles: the oracle's certified signs must agree with w > ½ evaluated
        // exactly, wherever w is not within 0.05 of ½.
        var mesh = ProceduralMesh.openSphere(subdivisions: 3, radius: 0.3, center: SIMD3(repeating: 0.5), capAngle: 0.8)
        let soup = randomSoup(count: 40, seed: 26)
        let base = UInt32(mesh.positions.count)
        mesh.positions += soup.positions
        mesh.triangles += soup.triangles.map { $0 &+ base }
        mesh.normals = []
        let oracle = SignedDistanceOracle(mesh: mesh, gridResolution: 16)
        let xyz = uniformPoints(600, lo: 0, hi: 1, seed: 27)
        let sdf = signedDistances(oracle, xyz, threads: 2)
        for i in 0..<600 {
            let w = FastWindingNumber.exactWindingNumber(of: mesh, at: point(xyz, i))
            if abs(w - 0.5) > 0.05 { #expect((sdf[i] < 0) == (w > 0.5), "point \(i), w = \(w)") }
        }
    }
}
