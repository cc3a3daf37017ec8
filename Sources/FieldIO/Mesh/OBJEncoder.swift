/// Writes a mesh as Wavefront OBJ text: `v x y z` lines, `vn` lines when the mesh has normals (one per
/// vertex, same order), and `f a b c` (or `f a//a b//b c//c` with normals) lines, 1-based.
enum OBJEncoder {
    /// The whole file as bytes.
    static func encode(_ mesh: TriangleMesh) -> [UInt8] {
        let withNormals = !mesh.normals.isEmpty
        let head = Array("# written by fieldfit: \(mesh.positions.count) vertices, \(mesh.triangles.count) triangles\n".utf8)
        let vectorLine = 3 + 3 * (DecimalFormatting.maxFloatBytes + 1)
        let indexBytes = DecimalFormatting.maxIntegerBytes + 1
        let capacity = head.count + mesh.positions.count * vectorLine * (withNormals ? 2 : 1)
            + mesh.triangles.count * (2 + 3 * (withNormals ? 2 * indexBytes + 2 : indexBytes))
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            guard let out = buffer.baseAddress else { written = 0; return }
            for (i, b) in head.enumerated() { out[i] = b }
            var at = head.count
            for (list, keyword) in [(mesh.positions, [UInt8(ascii: "v")]), (mesh.normals, [UInt8(ascii: "v"), UInt8(ascii: "n")])] {
                list.withUnsafeBufferPointer { vectors in
                    for v in vectors {
                        for k in keyword { out[at] = k; at &+= 1 }
                        out[at] = 0x20
                        at &+= 1
                        at &+= DecimalFormatting.write(v, to: out + at)
                        out[at] = 0x0A
                        at &+= 1
                    }
                }
            }
            mesh.triangles.withUnsafeBufferPointer { triangles in
                for t in triangles {
                    out[at] = UInt8(ascii: "f")
                    at &+= 1
                    for k in 0..<3 {
                        out[at] = 0x20
                        at &+= 1
                        let index = UInt64(t[k]) &+ 1
                        at &+= DecimalFormatting.writeDigits(index, to: out + at)
                        if withNormals {
                            out[at] = UInt8(ascii: "/")
                            out[at &+ 1] = UInt8(ascii: "/")
                            at &+= 2
                            at &+= DecimalFormatting.writeDigits(index, to: out + at)
                        }
                    }
                    out[at] = 0x0A
                    at &+= 1
                }
            }
            written = at
        }
    }
}
