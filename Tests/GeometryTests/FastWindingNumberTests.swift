import FieldIO
import Geometry
import Testing

/// The fast winding number agrees with the exact solid-angle sum, closed or open.
struct FastWindingNumberTests {
    @Test func solidAngleOfAnOctantIsAnEighthOfTheSphere() {
        let omega = solidAngle(at: .zero, SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))
        #expect(abs(omega - Float.pi / 2) < 1e-6)
        #expect(abs(solidAngle(at: .zero, SIMD3(1, 0, 0), SIMD3(0, 0, 1), SIMD3(0, 1, 0)) + Float.pi / 2) < 1e-6)
    }

    @Test(arguments: ["sphere", "torus", "open sphere", "soup"])
    func fastMatchesExact(shape: String) {
        let mesh: TriangleMesh
        switch shape {
        case "sphere": mesh = ProceduralMesh.icosphere(subdivisions: 3, radius: 0.35, center: SIMD3(repeating: 0.5))
        case "torus": mesh = ProceduralMesh.torus(majorRadius: 0.3, minorRadius: 0.1, center: SIMD3(repeating: 0.5))
        case "open sphere": mesh = ProceduralMesh.openSphere(subdivisions: 3, radius: 0.35, center: SIMD3(repeating: 0.5), capAngle: 0.7)
        default: mesh = randomSoup(count: 300, seed: 11)
        }
        let fast = FastWindingNumber(bvh: TriangleBVH(mesh: mesh), beta: 2)
        let xyz = uniformPoints(200, lo: -0.2, hi: 1.2, seed: 12)
        // Second-order expansions: the worst error shrinks roughly like β⁻³ (measured on the bunny:
        // 0.036 at β = 2, 0.014 at β = 3).
        var worst: [Double] = [0, 0]
        for i in 0..<200 {
            let p = point(xyz, i)
            let exact = FastWindingNumber.exactWindingNumber(of: mesh, at: p)
            worst[0] = max(worst[0], abs(Double(fast.windingNumber(at: p)) - exact))
            worst[1] = max(worst[1], abs(Double(fast.windingNumber(at: p, beta: 4)) - exact))
        }
        #expect(worst[0] < 0.05, "worst error at β = 2: \(worst[0])")
        #expect(worst[1] < 0.01, "worst error at β = 4: \(worst[1])")
        // A huge β evaluates everything exactly.
        let exactish = FastWindingNumber(bvh: TriangleBVH(mesh: mesh), beta: 1e6)
        for i in 0..<20 {
            let p = point(xyz, i)
            #expect(abs(Double(exactish.windingNumber(at: p)) - FastWindingNumber.exactWindingNumber(of: mesh, at: p)) < 1e-4)
        }
    }
}
