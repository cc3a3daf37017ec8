import FieldIO
import Geometry
import Testing

/// The procedural meshes are closed (every edge used once in each direction) where they should be,
/// face outward (winding number 1 at an inside point) and have the expected sizes.
struct ProceduralMeshTests {
    /// Directed edge counts: a closed, consistently oriented mesh uses each directed edge exactly once and
    /// each of them also in reverse.
    func isClosedAndOriented(_ mesh: TriangleMesh) -> Bool {
        var directed: [UInt64: Int] = [:]
        for t in mesh.triangles {
            for (a, b) in [(t.x, t.y), (t.y, t.z), (t.z, t.x)] { directed[UInt64(a) << 32 | UInt64(b), default: 0] += 1 }
        }
        return directed.allSatisfy { key, n in n == 1 && directed[(key & 0xFFFF_FFFF) << 32 | key >> 32] == 1 }
    }

    @Test func icosphereSizesRadiusAndOrientation() {
        for s in 0...3 {
            let m = ProceduralMesh.icosphere(subdivisions: s, radius: 2, center: SIMD3(1, 2, 3))
            #expect(m.triangles.count == 20 << (2 * s))
            #expect(m.positions.count == 10 * (1 << (2 * s)) + 2)
            #expect(m.normals.count == m.positions.count)
            for p in m.positions { #expect(abs(length(p - SIMD3(1, 2, 3)) - 2) < 1e-5) }
            #expect(isClosedAndOriented(m))
            #expect(abs(FastWindingNumber.exactWindingNumber(of: m, at: SIMD3(1.3, 2.1, 3)) - 1) < 1e-4)
        }
    }

    @Test func boxAndTorusAreClosedAndFaceOutward() {
        let box = ProceduralMesh.box(min: SIMD3(-1, 0, 2), max: SIMD3(1, 3, 2.5))
        #expect(box.triangles.count == 12 && box.positions.count == 8)
        #expect(isClosedAndOriented(box))
        #expect(abs(FastWindingNumber.exactWindingNumber(of: box, at: SIMD3(0.2, 1, 2.2)) - 1) < 1e-4)
        #expect(abs(FastWindingNumber.exactWindingNumber(of: box, at: SIMD3(0.2, 1, 3))) < 1e-4)
        let torus = ProceduralMesh.torus(majorRadius: 1, minorRadius: 0.3, majorSegments: 32, minorSegments: 12)
        #expect(torus.triangles.count == 2 * 32 * 12)
        #expect(isClosedAndOriented(torus))
        #expect(abs(FastWindingNumber.exactWindingNumber(of: torus, at: SIMD3(1, 0, 0.05)) - 1) < 1e-4)
        #expect(abs(FastWindingNumber.exactWindingNumber(of: torus, at: .zero)) < 1e-4)
    }

    @Test func openSphereLosesItsCapAndUnusedVertices() {
        let closed = ProceduralMesh.icosphere(subdivisions: 3)
        let open = ProceduralMesh.openSphere(subdivisions: 3, capAngle: 0.6)
        #expect(open.triangles.count < closed.triangles.count)
        #expect(open.triangles.count > closed.triangles.count * 8 / 10)
        #expect(!isClosedAndOriented(open))
        for p in open.positions { #expect(p.z < 0.9) }   // cos 0.6 ≈ 0.825: the pole vertices are gone
        #expect(open.normals.count == open.positions.count)
        for t in open.triangles { #expect(Int(max(t.x, max(t.y, t.z))) < open.positions.count) }
        let all = closed.removingTriangles { _, _, _ in false }
        #expect(all == closed)
    }
}
