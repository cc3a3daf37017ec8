import FieldIO
import Geometry
import Testing

/// instant-ngp's unit-cube placement: inflated box, largest extent → 1, centred, invertible.
struct MeshNormalizationTests {
    @Test func mapsTheInflatedBoxOntoTheUnitCubeCentred() {
        let lo = SIMD3<Float>(-2, 1, 10), hi = SIMD3<Float>(6, 3, 11)
        let n = MeshNormalization(boundsMin: lo, boundsMax: hi)
        let margin = 0.005 * length(hi - lo)
        let largest = 8 + 2 * margin
        #expect(abs(n.scale - 1 / largest) < 1e-6)
        // The largest axis spans exactly [0, 1] once inflated; the others are centred.
        #expect(abs(n.toUnit(lo - margin).x) < 1e-5)
        #expect(abs(n.toUnit(hi + margin).x - 1) < 1e-5)
        let center = n.toUnit((lo + hi) / 2)
        #expect(length(center - SIMD3(repeating: 0.5)) < 1e-5)
        let u = n.toUnit(hi)
        #expect(u.x < 1 && u.y < 1 && u.z < 1 && n.toUnit(lo).min() > 0)
    }

    @Test func roundTripsPointsDistancesAndMeshes() {
        let mesh = ProceduralMesh.torus(majorRadius: 3, minorRadius: 1, center: SIMD3(5, -4, 2))
        let n = MeshNormalization(mesh: mesh)
        let unit = n.apply(to: mesh)
        let b = unit.bounds
        #expect(b.min.min() > 0 && b.max.max() < 1)
        let back = n.inverse(unit)
        for (p, q) in zip(mesh.positions, back.positions) { #expect(length(p - q) < 1e-5) }
        #expect(back.triangles == mesh.triangles && back.normals == mesh.normals)
        let p = SIMD3<Float>(1.5, 2.5, -3.5)
        #expect(length(n.toMesh(n.toUnit(p)) - p) < 1e-5)
        // Distances scale with the same factor as positions.
        let a = SIMD3<Float>(0.2, 0.3, 0.4), c = SIMD3<Float>(0.7, 0.1, 0.9)
        #expect(abs(n.toMeshDistance(length(a - c)) - length(n.toMesh(a) - n.toMesh(c))) < 1e-5)
        #expect(abs(n.toUnitDistance(n.toMeshDistance(0.25)) - 0.25) < 1e-7)
    }

    @Test func zeroExtentDoesNotDivideByZero() {
        let p = SIMD3<Float>(3, 3, 3)
        let n = MeshNormalization(boundsMin: p, boundsMax: p)
        #expect(n.scale == 1)
        #expect(n.toUnit(p) == SIMD3(repeating: 0.5))
        #expect(n.toMesh(SIMD3(repeating: 0.5)) == p)
        let single = TriangleMesh(positions: [p, p, p], triangles: [SIMD3(0, 1, 2)])
        #expect(MeshNormalization(mesh: single).scale.isFinite)
    }
}
