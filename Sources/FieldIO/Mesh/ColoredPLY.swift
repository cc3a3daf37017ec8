/// Binary little-endian PLY with per-vertex colours, for what fieldfit exports besides plain meshes: coloured
/// meshes (vertex `x y z [nx ny nz] red green blue`, `face` lists of three `int`s), point clouds (vertices
/// only) and line sets (an `edge` element of `int vertex1, vertex2`, as MeshLab and CloudCompare read it).
public struct ColoredPLY: Equatable, Sendable {
    /// Vertex positions.
    public var positions: [SIMD3<Float>]
    /// Per-vertex normals, or empty.
    public var normals: [SIMD3<Float>]
    /// Per-vertex colours, one per position.
    public var colors: [SIMD3<UInt8>]
    /// Triangles (indices into `positions`), or empty.
    public var triangles: [SIMD3<UInt32>]
    /// Line segments (indices into `positions`), or empty.
    public var edges: [SIMD2<UInt32>]

    /// A PLY from its parts; `normals` empty or one per vertex, `colors` one per vertex.
    public init(positions: [SIMD3<Float>], normals: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>],
                triangles: [SIMD3<UInt32>] = [], edges: [SIMD2<UInt32>] = []) {
        precondition(colors.count == positions.count, "ColoredPLY: one colour per vertex")
        precondition(normals.isEmpty || normals.count == positions.count, "ColoredPLY: one normal per vertex")
        self.positions = positions
        self.normals = normals
        self.colors = colors
        self.triangles = triangles
        self.edges = edges
    }

    /// A colour in [0, 1] as bytes (rounded, clamped).
    public static func bytes(_ c: SIMD3<Float>) -> SIMD3<UInt8> {
        func b(_ v: Float) -> UInt8 { UInt8(max(0, min(255, (v * 255).rounded()))) }
        return SIMD3(b(c.x), b(c.y), b(c.z))
    }

    /// The whole file.
    public func encode() -> [UInt8] {
        let withNormals = !normals.isEmpty
        var header = "ply\nformat binary_little_endian 1.0\ncomment written by fieldfit\n"
        header += "element vertex \(positions.count)\nproperty float x\nproperty float y\nproperty float z\n"
        if withNormals { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        header += "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        if !triangles.isEmpty { header += "element face \(triangles.count)\nproperty list uchar int vertex_indices\n" }
        if !edges.isEmpty { header += "element edge \(edges.count)\nproperty int vertex1\nproperty int vertex2\n" }
        header += "end_header\n"
        var out = Array(header.utf8)
        out.reserveCapacity(out.count + positions.count * (withNormals ? 27 : 15) + triangles.count * 13 + edges.count * 8)
        func append(_ v: UInt32) {
            let l = v.littleEndian
            out.append(UInt8(truncatingIfNeeded: l)); out.append(UInt8(truncatingIfNeeded: l >> 8))
            out.append(UInt8(truncatingIfNeeded: l >> 16)); out.append(UInt8(truncatingIfNeeded: l >> 24))
        }
        func append(_ v: SIMD3<Float>) { append(v.x.bitPattern); append(v.y.bitPattern); append(v.z.bitPattern) }
        for i in positions.indices {
            append(positions[i])
            if withNormals { append(normals[i]) }
            out.append(colors[i].x); out.append(colors[i].y); out.append(colors[i].z)
        }
        for t in triangles {
            out.append(3)
            append(t.x); append(t.y); append(t.z)
        }
        for e in edges { append(e.x); append(e.y) }
        return out
    }

    /// Writes the file to `path` atomically.
    public func write(to path: String) throws(FieldError) {
        try FileAccess.writeAtomically(encode(), to: path)
    }
}
