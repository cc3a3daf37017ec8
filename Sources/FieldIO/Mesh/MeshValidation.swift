/// The checks every mesh reader applies to what it decoded, so that later stages can rely on them:
/// at least one vertex and one triangle, indices in range, finite coordinates, and a nonzero extent.
enum MeshValidation {
    /// Throws the first problem found, naming `file`; vertices and triangles are counted from 0.
    static func validate(_ mesh: TriangleMesh, file: String) throws(FieldError) {
        guard let first = mesh.positions.first else { throw FieldError(file: file, "has no vertices") }
        guard !mesh.triangles.isEmpty else {
            throw FieldError(file: file, "has no faces (\(mesh.positions.count) vertices but no triangles)")
        }
        var lo = first, hi = first
        for (i, p) in mesh.positions.enumerated() {
            guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
                throw FieldError(file: file, location: "vertex \(i)", "coordinates (\(p.x), \(p.y), \(p.z)) are not all finite numbers")
            }
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        let count = UInt32(truncatingIfNeeded: mesh.positions.count)
        for (t, tri) in mesh.triangles.enumerated() where tri.x >= count || tri.y >= count || tri.z >= count {
            throw FieldError(file: file, location: "triangle \(t)",
                             "vertex index \(max(tri.x, tri.y, tri.z)) is out of range (the mesh has \(count) vertices)")
        }
        if lo == hi {
            throw FieldError(file: file, "the mesh has zero extent: all \(mesh.positions.count) vertices are at (\(lo.x), \(lo.y), \(lo.z))")
        }
    }
}
