import FieldIO
import TensorCore

/// Draws points uniformly over a mesh's surface: a triangle with probability proportional to its
/// area, then a uniform point inside it. Used for SDF training batches (surface and near-surface
/// points) and for the Chamfer distance and normal consistency between meshes.
public struct SurfaceSampler: Sendable {
    /// Corner positions of every triangle, three per triangle.
    public let corners: [SIMD3<Float>]
    /// Unit face normal of every triangle (zero for degenerate ones).
    public let faceNormals: [SIMD3<Float>]
    /// Running sum of triangle areas (`cumulativeArea[i]` = area of triangles 0…i).
    private let cumulativeArea: [Double]

    /// A sampler over `mesh`'s triangles. The mesh must have at least one triangle of positive area.
    public init(_ mesh: TriangleMesh) {
        var corners = [SIMD3<Float>]()
        var normals = [SIMD3<Float>]()
        var sums = [Double]()
        corners.reserveCapacity(mesh.triangles.count * 3)
        normals.reserveCapacity(mesh.triangles.count)
        sums.reserveCapacity(mesh.triangles.count)
        var total = 0.0
        for t in mesh.triangles {
            let a = mesh.positions[Int(t.x)], b = mesh.positions[Int(t.y)], c = mesh.positions[Int(t.z)]
            corners += [a, b, c]
            let n = SIMD3<Double>(cross(b - a, c - a))
            let length = (n * n).sum().squareRoot()
            normals.append(length > 0 ? SIMD3<Float>(n / length) : .zero)
            total += length / 2
            sums.append(total)
        }
        precondition(total > 0, "SurfaceSampler: the mesh has no area")
        self.corners = corners
        faceNormals = normals
        cumulativeArea = sums
    }

    /// The mesh's total surface area.
    public var totalArea: Double { cumulativeArea.last ?? 0 }

    /// A uniformly distributed surface point and the index of the triangle it lies on.
    @inline(__always)
    public func sample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, triangle: Int) {
        let target = Double(rng.nextFloat()) * totalArea
        var lo = 0, hi = cumulativeArea.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulativeArea[mid] <= target { lo = mid + 1 } else { hi = mid }
        }
        var u = rng.nextFloat(), v = rng.nextFloat()
        if u + v > 1 { u = 1 - u; v = 1 - v }
        let a = corners[3 * lo], b = corners[3 * lo + 1], c = corners[3 * lo + 2]
        return (a + u * (b - a) + v * (c - a), lo)
    }
}
