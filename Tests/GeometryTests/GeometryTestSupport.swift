import FieldIO
import Geometry
import TensorCore

/// A random triangle soup in [0, 1]³: `count` triangles of assorted sizes, with a few degenerate ones
/// (repeated corners, collinear corners) mixed in.
func randomSoup(count: Int, seed: UInt64) -> TriangleMesh {
    var rng = RandomGenerator(seed: seed)
    var positions: [SIMD3<Float>] = []
    var triangles: [SIMD3<UInt32>] = []
    for t in 0..<count {
        let center = SIMD3<Float>(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
        let size = 0.01 + 0.2 * rng.nextFloat() * rng.nextFloat()
        var corners = (0..<3).map { _ in center + size * SIMD3<Float>(rng.nextFloat(-1, 1), rng.nextFloat(-1, 1), rng.nextFloat(-1, 1)) }
        if t % 50 == 7 { corners[2] = corners[1] }                                  // repeated corner
        if t % 50 == 19 { corners[2] = (corners[0] + corners[1]) / 2 }              // collinear
        let base = UInt32(positions.count)
        positions += corners
        triangles.append(SIMD3(base, base + 1, base + 2))
    }
    return TriangleMesh(positions: positions, triangles: triangles)
}

/// The exact distance from `p` to `mesh`, trying every triangle.
func bruteForceDistance(_ mesh: TriangleMesh, _ p: SIMD3<Float>) -> Float {
    var best = Float.infinity
    for t in mesh.triangles {
        best = min(best, distanceSquaredToTriangle(p, mesh.positions[Int(t.x)], mesh.positions[Int(t.y)], mesh.positions[Int(t.z)]))
    }
    return best.squareRoot()
}

/// `count` uniform points in lo…hi, flattened row-major xyz.
func uniformPoints(_ count: Int, lo: Float, hi: Float, seed: UInt64) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<(3 * count)).map { _ in rng.nextFloat(lo, hi) }
}

/// The point `i` of a flattened xyz array.
func point(_ xyz: [Float], _ i: Int) -> SIMD3<Float> { SIMD3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]) }

/// Signed distances from a fresh oracle call on `points`.
func signedDistances(_ oracle: SignedDistanceOracle, _ points: [Float], threads: Int) -> [Float] {
    let n = points.count / 3
    var out = [Float](repeating: .nan, count: n)
    points.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            oracle.signedDistance(points: p.baseAddress!, count: n, output: o.baseAddress!, pool: WorkerPool(threads: threads))
        }
    }
    return out
}
