import FieldIO

/// instant-ngp's placement of a mesh in the unit cube [0, 1]³: the vertices' bounding box, inflated on
/// every side by 0.5 % of its diagonal, is scaled uniformly so that its largest extent becomes 1 and
/// centred at (0.5, 0.5, 0.5). The transform is `unit = mesh · scale + offset`; keep it to return points,
/// distances and extracted meshes to the mesh's own units.
public struct MeshNormalization: Sendable, Equatable {
    /// Multiplies mesh coordinates (1 / the inflated box's largest extent; 1 for a zero-extent box).
    public let scale: Float
    /// Added after scaling.
    public let offset: SIMD3<Float>

    /// A transform given directly (`scale` must be positive).
    public init(scale: Float, offset: SIMD3<Float>) {
        precondition(scale > 0 && scale.isFinite, "MeshNormalization: scale must be positive and finite")
        self.scale = scale
        self.offset = offset
    }

    /// instant-ngp's rule for the box `lo`…`hi`. A box of zero extent gets scale 1 (it is only moved to
    /// the cube's centre), so nothing divides by zero.
    public init(boundsMin lo: SIMD3<Float>, boundsMax hi: SIMD3<Float>) {
        let margin = 0.005 * length(hi - lo)
        let inflatedMin = lo - SIMD3(repeating: margin), inflatedMax = hi + SIMD3(repeating: margin)
        let extent = inflatedMax - inflatedMin
        let largest = max(extent.x, max(extent.y, extent.z))
        let s: Float = largest > 0 && largest.isFinite ? 1 / largest : 1
        let center = (inflatedMin + inflatedMax) / 2
        self.init(scale: s.isFinite && s > 0 ? s : 1, offset: SIMD3(repeating: 0.5) - center * s)
    }

    /// instant-ngp's rule for `mesh`'s bounding box.
    public init(mesh: TriangleMesh) {
        let b = mesh.bounds
        self.init(boundsMin: b.min, boundsMax: b.max)
    }

    /// A mesh-space point in unit-cube coordinates.
    @inline(__always)
    public func toUnit(_ point: SIMD3<Float>) -> SIMD3<Float> { point * scale + offset }

    /// A unit-cube point back in mesh coordinates.
    @inline(__always)
    public func toMesh(_ point: SIMD3<Float>) -> SIMD3<Float> { (point - offset) / scale }

    /// A unit-cube distance (or signed distance) in mesh units.
    @inline(__always)
    public func toMeshDistance(_ distance: Float) -> Float { distance / scale }

    /// A mesh-unit distance in unit-cube units.
    @inline(__always)
    public func toUnitDistance(_ distance: Float) -> Float { distance * scale }

    /// `mesh` moved into the unit cube (triangles and normals unchanged: the scale is uniform and positive).
    public func apply(to mesh: TriangleMesh) -> TriangleMesh {
        var out = mesh
        out.positions = mesh.positions.map { toUnit($0) }
        return out
    }

    /// A unit-cube mesh (e.g. from marching cubes) back in the original mesh's units.
    public func inverse(_ mesh: TriangleMesh) -> TriangleMesh {
        var out = mesh
        out.positions = mesh.positions.map { toMesh($0) }
        return out
    }
}
