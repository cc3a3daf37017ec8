/// Writes a mesh as PLY, ascii or binary_little_endian: float x y z (and nx ny nz when the mesh has
/// normals) per vertex, and a `uchar`-counted `int` list `vertex_indices` per triangle.
enum PLYEncoder {
    /// The whole file as bytes.
    static func encode(_ mesh: TriangleMesh, binary: Bool) -> [UInt8] {
        let withNormals = !mesh.normals.isEmpty
        var header = "ply\nformat \(binary ? "binary_little_endian" : "ascii") 1.0\ncomment written by fieldfit\n"
        header += "element vertex \(mesh.positions.count)\nproperty float x\nproperty float y\nproperty float z\n"
        if withNormals { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        let indexType = mesh.positions.count <= Int(Int32.max) ? "int" : "uint"
        header += "element face \(mesh.triangles.count)\nproperty list uchar \(indexType) vertex_indices\nend_header\n"
        let head = Array(header.utf8)
        let floatsPerVertex = withNormals ? 6 : 3
        let capacity = binary
            ? head.count + mesh.positions.count * floatsPerVertex * 4 + mesh.triangles.count * 13
            : head.count + mesh.positions.count * floatsPerVertex * (DecimalFormatting.maxFloatBytes + 1)
                + mesh.triangles.count * (2 + 3 * (DecimalFormatting.maxIntegerBytes + 1))
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            guard let out = buffer.baseAddress else { written = 0; return }
            for (i, b) in head.enumerated() { out[i] = b }
            var at = head.count
            mesh.positions.withUnsafeBufferPointer { positions in
                mesh.normals.withUnsafeBufferPointer { normals in
                    for v in 0..<positions.count {
                        let p = positions[v]
                        if binary {
                            at = storeFloats(p, at: at, in: out)
                            if withNormals { at = storeFloats(normals[v], at: at, in: out) }
                        } else {
                            at &+= DecimalFormatting.write(p, to: out + at)
                            if withNormals {
                                out[at] = 0x20
                                at &+= 1
                                at &+= DecimalFormatting.write(normals[v], to: out + at)
                            }
                            out[at] = 0x0A
                            at &+= 1
                        }
                    }
                }
            }
            mesh.triangles.withUnsafeBufferPointer { triangles in
                for t in triangles {
                    if binary {
                        out[at] = 3
                        let raw = UnsafeMutableRawPointer(out + (at &+ 1))
                        raw.storeBytes(of: t.x.littleEndian, toByteOffset: 0, as: UInt32.self)
                        raw.storeBytes(of: t.y.littleEndian, toByteOffset: 4, as: UInt32.self)
                        raw.storeBytes(of: t.z.littleEndian, toByteOffset: 8, as: UInt32.self)
                        at &+= 13
                    } else {
                        out[at] = UInt8(ascii: "3")
                        out[at &+ 1] = 0x20
                        at &+= 2
                        at &+= DecimalFormatting.writeDigits(UInt64(t.x), to: out + at)
                        out[at] = 0x20
                        at &+= 1
                        at &+= DecimalFormatting.writeDigits(UInt64(t.y), to: out + at)
                        out[at] = 0x20
                        at &+= 1
                        at &+= DecimalFormatting.writeDigits(UInt64(t.z), to: out + at)
                        out[at] = 0x0A
                        at &+= 1
                    }
                }
            }
            written = at
        }
    }

    /// Stores three little-endian floats at `out + at`; returns the offset after them.
    @inline(__always)
    private static func storeFloats(_ v: SIMD3<Float>, at: Int, in out: UnsafeMutablePointer<UInt8>) -> Int {
        let raw = UnsafeMutableRawPointer(out + at)
        raw.storeBytes(of: v.x.bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: v.y.bitPattern.littleEndian, toByteOffset: 4, as: UInt32.self)
        raw.storeBytes(of: v.z.bitPattern.littleEndian, toByteOffset: 8, as: UInt32.self)
        return at &+ 12
    }
}
