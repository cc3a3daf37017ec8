/// A triangle mesh: vertex positions, triangles as triples of vertex indices, and optional
/// per-vertex normals (empty, or one per vertex). The common currency of the mesh readers, the
/// geometry algorithms (BVH, winding numbers, marching cubes) and the mesh writers.
public struct TriangleMesh: Sendable, Equatable {
    /// Vertex positions.
    public var positions: [SIMD3<Float>]
    /// Triangles: indices into `positions`, counter-clockwise seen from outside.
    public var triangles: [SIMD3<UInt32>]
    /// Per-vertex normals, or empty.
    public var normals: [SIMD3<Float>]

    /// A mesh from its parts; `normals` must be empty or as long as `positions`.
    public init(positions: [SIMD3<Float>], triangles: [SIMD3<UInt32>], normals: [SIMD3<Float>] = []) {
        precondition(normals.isEmpty || normals.count == positions.count, "TriangleMesh: one normal per vertex")
        self.positions = positions
        self.triangles = triangles
        self.normals = normals
    }

    /// The smallest and largest corner of the vertices' bounding box (zeros for an empty mesh).
    public var bounds: (min: SIMD3<Float>, max: SIMD3<Float>) {
        guard var lo = positions.first else { return (.zero, .zero) }
        var hi = lo
        for p in positions {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo, hi)
    }
}
