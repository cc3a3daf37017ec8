/// Reading and writing meshes as files: the format comes from the file name's extension, errors name the
/// file and the place in it, and files are written atomically (a temporary file and a rename).
extension TriangleMesh {
    /// Reads an OBJ, PLY (ascii or binary) or STL (binary or ASCII) mesh, chosen by the extension (any case).
    /// The result has vertices, triangles with indices in range, finite coordinates and a nonzero extent.
    public static func read(_ path: String) throws(FieldError) -> TriangleMesh {
        guard let format = MeshFormat.fromExtension(path) else {
            throw FieldError(file: path, "unknown mesh file extension, expected \(MeshFormat.supportedList)")
        }
        let bytes = try FileAccess.readBytes(path)
        return try decode(bytes, format: format, file: path)
    }

    /// Decodes `bytes` in `format`; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], format: MeshFormat, file: String) throws(FieldError) -> TriangleMesh {
        switch format {
        case .obj: return try decodeOBJ(bytes: bytes, file: file)
        case .ply: return try decodePLY(bytes: bytes, file: file)
        case .stl: return try decodeSTL(bytes: bytes, file: file)
        }
    }

    /// Decodes Wavefront OBJ text; `file` names the source in errors.
    public static func decodeOBJ(bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        try OBJDecoder.decode(bytes, file: file)
    }

    /// Decodes a PLY file (ascii, binary_little_endian or binary_big_endian); `file` names the source in errors.
    public static func decodePLY(bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        try PLYDecoder.decode(bytes, file: file)
    }

    /// Decodes a binary or ASCII STL file, welding equal positions; `file` names the source in errors.
    public static func decodeSTL(bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        try STLDecoder.decode(bytes, file: file)
    }

    /// The mesh as PLY bytes, ascii or binary little-endian, with normals when it has them.
    public func encodePLY(binary: Bool = false) -> [UInt8] {
        PLYEncoder.encode(self, binary: binary)
    }

    /// The mesh as OBJ text bytes, with `vn` normals when it has them.
    public func encodeOBJ() -> [UInt8] {
        OBJEncoder.encode(self)
    }

    /// Writes the mesh as a PLY file (ascii unless `binary`), atomically.
    public func writePLY(to path: String, binary: Bool = false) throws(FieldError) {
        try FileAccess.writeAtomically(encodePLY(binary: binary), to: path)
    }

    /// Writes the mesh as an OBJ file, atomically.
    public func writeOBJ(to path: String) throws(FieldError) {
        try FileAccess.writeAtomically(encodeOBJ(), to: path)
    }

    /// Writes OBJ or binary PLY after the file name's extension (`.obj`, `.ply`).
    public func write(to path: String) throws(FieldError) {
        switch MeshFormat.fromExtension(path) {
        case .obj: try writeOBJ(to: path)
        case .ply: try writePLY(to: path, binary: true)
        case .stl: throw FieldError(file: path, "writing STL is not supported, use .obj or .ply")
        case nil: throw FieldError(file: path, "unknown mesh file extension, expected .obj or .ply")
        }
    }
}
