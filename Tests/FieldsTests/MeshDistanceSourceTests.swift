import FieldIO
import Fields
import Geometry
import Testing
import TensorCore

/// The mesh ground truth on a box built in memory: its unit-cube normalisation, exact signed distances,
/// area-uniform surface samples with their triangles, and hinted queries that agree with plain ones.
@Suite struct MeshDistanceSourceTests {
    let pool = WorkerPool(threads: 2)
    /// The box in mesh units: 2 × 1 × 1, off the origin.
    let lo = SIMD3<Float>(-1, 0.5, 2), hi = SIMD3<Float>(1, 1.5, 3)

    /// An axis-aligned box as a `TriangleMesh`: 8 corners (bit k of the index picks lo or hi on axis k),
    /// two triangles per face, each turned counter-clockwise seen from outside.
    static func boxMesh(lo: SIMD3<Float>, hi: SIMD3<Float>) -> TriangleMesh {
        let positions = (0..<8).map { i in
            SIMD3<Float>(i & 1 == 0 ? lo.x : hi.x, i & 2 == 0 ? lo.y : hi.y, i & 4 == 0 ? lo.z : hi.z)
        }
        let centre = (lo + hi) / 2
        var triangles: [SIMD3<UInt32>] = []
        for axis in 0..<3 {
            let b = 1 << ((axis + 1) % 3), c = 1 << ((axis + 2) % 3)
            for side in [0, 1 << axis] {
                // The face's corners in cyclic order around it.
                let quad = [side, side | b, side | b | c, side | c].map { UInt32($0) }
                for t in [SIMD3(quad[0], quad[1], quad[2]), SIMD3(quad[0], quad[2], quad[3])] {
                    let p0 = positions[Int(t.x)], p1 = positions[Int(t.y)], p2 = positions[Int(t.z)]
                    let e1 = p1 - p0, e2 = p2 - p0
                    let normal = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
                    let outward = ((p0 + p1 + p2) / 3 - centre)
                    triangles.append((normal * outward).sum() > 0 ? t : SIMD3(t.x, t.z, t.y))
                }
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles)
    }

    func source() -> MeshDistanceSource { MeshDistanceSource(Self.boxMesh(lo: lo, hi: hi), pool: pool) }

    /// The unit mesh is the mesh under the normalisation, inside the unit cube with the longest side almost
    /// filling it; `scale` and `offset` undo it.
    @Test func normalisationIntoTheUnitCube() {
        let s = source()
        #expect(s.unitMesh.triangles.count == 12 && s.unitMesh.positions.count == 8)
        let b = s.unitMesh.bounds
        #expect(length(b.min - s.normalization.toUnit(lo)) < 1e-6 && length(b.max - s.normalization.toUnit(hi)) < 1e-6)
        #expect(b.min.min() > 0 && b.max.max() < 1)
        #expect(b.max.x - b.min.x > 0.98)                                   // the 2-unit side, less the margin
        #expect(length((b.min + b.max) / 2 - SIMD3(repeating: 0.5)) < 1e-6)
        #expect(abs(s.scale * s.normalization.scale - 1) < 1e-6)
        #expect(length(s.offset - s.normalization.toMesh(.zero)) < 1e-6)
        #expect(length(s.offset + s.scale * SIMD3(repeating: 1) - s.normalization.toMesh(SIMD3(repeating: 1))) < 1e-5)
    }

    /// Signed distances in the unit cube are the analytic box distance, negative inside, and in mesh units
    /// (× `scale`) the box distance of the mesh-space point.
    @Test func distancesAreTheAnalyticBoxDistance() {
        let s = source()
        let unitLo = s.normalization.toUnit(lo), unitHi = s.normalization.toUnit(hi)
        var rng = RandomGenerator(seed: 31)
        var xyz = (0..<(3 * 2000)).map { _ in rng.nextFloat() }
        // Known points: the box centre, a face centre, just outside a face, a point off an edge.
        let known: [(SIMD3<Float>, Float)] = [
            (SIMD3(0, 1, 2.5), -0.5), (SIMD3(1, 1, 2.5), 0), (SIMD3(0, 1.75, 2.5), 0.25),
            (SIMD3(1.3, 1, 3.4), 0.5), (SIMD3(0.9, 1, 2.5), -0.1),
        ]
        for (p, _) in known { let u = s.normalization.toUnit(p); xyz += [u.x, u.y, u.z] }
        let d = sourceDistances(s, xyz, pool: pool)
        var inside = 0
        for i in 0..<(xyz.count / 3) {
            let p = xyzPoint(xyz, i)
            #expect(abs(d[i] - boxDistance(p, lo: unitLo, hi: unitHi)) < 1e-5, "point \(i): \(d[i])")
            let meshPoint = s.offset + s.scale * p
            #expect(abs(d[i] * s.scale - boxDistance(meshPoint, lo: lo, hi: hi)) < 1e-4, "point \(i) in mesh units")
            if d[i] < 0 { inside += 1 }
        }
        #expect(inside > 100)                                                 // the box is ~1/4 of the cube
        for (k, (_, expected)) in known.enumerated() {
            #expect(abs(d[2000 + k] * s.scale - expected) < 1e-4, "known point \(k): \(d[2000 + k] * s.scale)")
        }
    }

    /// A surface sample lies on its hinted triangle and on the surface; samples are area-uniform (the two
    /// 1 × 1 end faces hold 2 of the box's 10 square units).
    @Test func surfaceSamplesLieOnTheirTriangles() {
        let s = source()
        let unitLo = s.normalization.toUnit(lo), unitHi = s.normalization.toUnit(hi)
        var rng = RandomGenerator(seed: 32), again = RandomGenerator(seed: 32)
        var onEnds = 0
        var triangles = Set<Int32>()
        for _ in 0..<2000 {
            let (p, hint) = s.surfaceSample(&rng)
            #expect(hint >= 0 && hint < 12)
            guard hint >= 0 && hint < 12 else { continue }
            triangles.insert(hint)
            let t = s.unitMesh.triangles[Int(hint)]
            let m = s.unitMesh.positions
            #expect(distanceSquaredToTriangle(p, m[Int(t.x)], m[Int(t.y)], m[Int(t.z)]) < 1e-12)
            #expect(abs(boxDistance(p, lo: unitLo, hi: unitHi)) < 1e-5)
            if abs(p.x - unitLo.x) < 1e-5 || abs(p.x - unitHi.x) < 1e-5 { onEnds += 1 }
            #expect(s.surfacePoint(&again) == p)                              // same draws as surfaceSample
        }
        #expect(triangles.count == 12)
        #expect(abs(Float(onEnds) / 2000 - 0.2) < 0.04, "\(onEnds) of 2000 on the end faces")
    }

    /// Hinted queries give the plain query's distances: near-surface points with their triangles, points with
    /// no hint, and points far from their hinted triangle.
    @Test func hintsGiveTheSameDistancesAsNoHints() {
        let s = source()
        var rng = RandomGenerator(seed: 33)
        var xyz: [Float] = [], hints: [Int32] = []
        for i in 0..<1500 {
            let (p, hint) = s.surfaceSample(&rng)
            let q = i < 1000 ? p + 0.01 * SIMD3(rng.nextFloat(-1, 1), rng.nextFloat(-1, 1), rng.nextFloat(-1, 1))
                             : SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            xyz += [q.x, q.y, q.z]
            hints.append(i % 5 == 0 ? -1 : hint)
        }
        let plain = sourceDistances(s, xyz, pool: pool)
        var hinted = [Float](repeating: .nan, count: 1500)
        s.distances(points: xyz, hints: hints, count: 1500, output: &hinted, pool: pool)
        for i in 0..<1500 { #expect(abs(hinted[i] - plain[i]) < 1e-6, "point \(i): \(hinted[i]) vs \(plain[i])") }
        // Through the SDF task (which passes its batch's hints): targets are the plain distances.
        let task = SDFTask(source: s, batchCapacity: 1024, uniformCount: 100, nearCount: 100, pool: pool)
        let (points, targets) = sdfBatch(task, batch: 1024, seed: 34, pool: pool)
        let expected = sourceDistances(s, points, pool: pool)
        for i in 0..<512 { #expect(targets[i] == 0 && abs(expected[i]) < 1e-5) }
        for i in 512..<1024 { #expect(abs(targets[i] - expected[i]) < 1e-6, "batch point \(i)") }
    }

    /// The protocol's central-difference gradient is the face normal away from edges.
    @Test func gradientsAreFaceNormalsAwayFromEdges() {
        let s = source()
        let points = [SIMD3<Float>(0, 1, 2.5), SIMD3(1.2, 1, 2.5), SIMD3(0.3, 1.1, 3.2), SIMD3(-0.5, 0.3, 2.6)]
            .map { s.normalization.toUnit($0) }
        let expected: [SIMD3<Float>] = [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 0, 1), SIMD3(0, -1, 0)]
        let xyz = points.flatMap { [$0.x, $0.y, $0.z] }
        var distances = [Float](repeating: .nan, count: 4), gradients = [Float](repeating: .nan, count: 12)
        s.gradients(points: xyz, count: 4, distances: &distances, gradients: &gradients, pool: pool)
        #expect(distances == sourceDistances(s, xyz, pool: pool))
        // The centre is equidistant from the four long faces: skip its gradient (a kink).
        for i in 1..<4 { #expect(length(xyzPoint(gradients, i) - expected[i]) < 1e-2, "point \(i): \(xyzPoint(gradients, i))") }
    }
}
