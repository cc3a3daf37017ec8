import FieldIO
import Geometry
import TensorCore
import Testing

/// Chamfer distance and normal consistency on spheres whose answers are known.
struct MeshMetricsTests {
    @Test func meshAgainstItself() {
        let sphere = ProceduralMesh.icosphere(subdivisions: 4, radius: 0.3)
        let c = MeshMetrics.compare(sphere, sphere, samples: 10_000, seed: 3, pool: WorkerPool(threads: 2))
        // Only the sampling floor: the mean nearest-neighbour spacing of N uniform points, ½ √(area / N) ≈ 0.0053.
        #expect(c.chamfer < 0.008, "self chamfer \(c.chamfer)")
        #expect(c.chamfer > 0)
        #expect(c.chamfer == (c.meanDistanceAToB + c.meanDistanceBToA) / 2)
        #expect(c.normalConsistency > 0.99, "self normal consistency \(c.normalConsistency)")
        #expect(c.samples == 10_000)
        // Seeded: the same result again, and for another thread count.
        #expect(c == MeshMetrics.compare(sphere, sphere, samples: 10_000, seed: 3, pool: WorkerPool(threads: 1)))
    }

    @Test func concentricSpheres() {
        let inner = ProceduralMesh.icosphere(subdivisions: 5, radius: 0.3)
        let outer = ProceduralMesh.icosphere(subdivisions: 5, radius: 0.35)
        let c = MeshMetrics.compare(inner, outer, samples: 8_000, pool: WorkerPool(threads: 2))
        #expect(abs(c.chamfer - 0.05) < 0.003, "chamfer \(c.chamfer)")
        #expect(abs(c.meanDistanceAToB - 0.05) < 0.003 && abs(c.meanDistanceBToA - 0.05) < 0.003)
        #expect(c.normalConsistency > 0.98)
    }

    @Test func perpendicularPlanesAndEmptyMeshes() {
        // Two unit squares at right angles: normals disagree everywhere.
        let xy = TriangleMesh(positions: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 0), SIMD3(0, 1, 0)],
                              triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        let xz = TriangleMesh(positions: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 0, 1), SIMD3(0, 0, 1)],
                              triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
        let c = MeshMetrics.compare(xy, xz, samples: 1_000, pool: WorkerPool(threads: 2))
        #expect(c.normalConsistency < 1e-6)
        // Mean distance from the unit square to the edge y = 0 of the other: ∫ y dy = 0.5 (up to sampling).
        #expect(abs(c.meanDistanceAToB - 0.5) < 0.04)
        let empty = TriangleMesh(positions: [], triangles: [])
        let e = MeshMetrics.compare(empty, xy, samples: 10, pool: WorkerPool(threads: 1))
        #expect(e.chamfer == .infinity && e.normalConsistency == 0)
    }
}
