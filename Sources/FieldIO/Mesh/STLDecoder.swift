/// Reads STL meshes, binary (80-byte header, triangle count, 50 bytes per triangle) or ASCII
/// (`solid` … `facet normal` … `outer loop` … `vertex x y z` …). A file is binary when its size is exactly
/// what its triangle count asks for, even if its header starts with "solid" as some exporters write.
/// STL repeats each corner per triangle, so exactly equal positions are welded into shared vertices;
/// facet normals are not kept.
enum STLDecoder {
    /// Decodes STL `bytes`; `file` names the source in errors.
    static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected an STL mesh") }
        let mesh = try bytes.withUnsafeBufferPointer { (buffer) throws(FieldError) -> TriangleMesh in
            guard let base = buffer.baseAddress else { throw FieldError(file: file, "is empty, expected an STL mesh") }
            let size = buffer.count
            let declared = size >= 84 ? Int(UInt32(littleEndian: UnsafeRawPointer(base + 80).loadUnaligned(as: UInt32.self))) : -1
            if declared >= 0, 84 + 50 * declared == size {
                return try binary(base, triangles: declared, file: file)
            }
            if startsWithSolid(buffer), looksLikeText(buffer) {
                return try ascii(base, count: size, file: file)
            }
            guard declared >= 0 else {
                throw FieldError(file: file, "is too short for a binary STL (\(size) bytes, at least 84 needed) and is not ASCII STL")
            }
            guard 84 + 50 * declared <= size else {
                throw FieldError(file: file, location: "header",
                                 "the file is truncated or not an STL file: the header declares \(declared) triangles "
                                 + "(\(84 + 50 * declared) bytes), the file has \(size) bytes")
            }
            return try binary(base, triangles: declared, file: file)  // trailing bytes after the triangles are ignored
        }
        try MeshValidation.validate(mesh, file: file)
        return mesh
    }

    /// Whether the text starts with `solid` (after blanks), any case.
    private static func startsWithSolid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < bytes.count, TextScanner.isDelimiter(bytes[i]) { i += 1 }
        let word = Array("solid".utf8)
        guard bytes.count - i >= word.count else { return false }
        return (0..<word.count).allSatisfy { bytes[i + $0] | 0x20 == word[$0] }
    }

    /// Whether the first kilobyte has no NUL or other control bytes besides whitespace.
    private static func looksLikeText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes.prefix(1024) where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return false }
        return true
    }

    private static func binary(_ base: UnsafePointer<UInt8>, triangles count: Int, file: String) throws(FieldError) -> TriangleMesh {
        var welder = VertexWelder(capacity: count / 2 + 3)
        var triangles: [SIMD3<UInt32>] = []
        triangles.reserveCapacity(count)
        let raw = UnsafeRawPointer(base)
        for t in 0..<count {
            let record = raw + 84 + 50 * t + 12  // skip the facet normal
            var corners = SIMD3<UInt32>()
            for c in 0..<3 {
                var p = SIMD3<Float>()
                for axis in 0..<3 {
                    p[axis] = Float(bitPattern: UInt32(littleEndian: (record + 12 * c + 4 * axis).loadUnaligned(as: UInt32.self)))
                }
                guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
                    throw FieldError(file: file, location: "triangle \(t)", "vertex coordinates (\(p.x), \(p.y), \(p.z)) are not all finite numbers")
                }
                corners[c] = welder.index(of: p)
            }
            triangles.append(corners)
        }
        return TriangleMesh(positions: welder.positions, triangles: triangles)
    }

    private static func ascii(_ base: UnsafePointer<UInt8>, count: Int, file: String) throws(FieldError) -> TriangleMesh {
        var s = TextScanner(base, count: count)
        var welder = VertexWelder()
        var triangles: [SIMD3<UInt32>] = []
        var loop: [UInt32] = []
        var inFacet = false
        func fail(_ line: Int, _ message: String) -> FieldError { FieldError(file: file, location: "line \(line)", message) }
        while true {
            s.skipWhitespace()
            if s.atEnd { break }
            let line = s.line
            let word = s.token()
            if s.token(word, is: "vertex") {
                var p = SIMD3<Float>()
                for axis in 0..<3 {
                    s.skipBlanks()
                    guard let x = s.float() else {
                        throw fail(s.line, "malformed vertex coordinate \(s.tokenText()), expected a number")
                    }
                    p[axis] = x
                }
                guard p.x.isFinite, p.y.isFinite, p.z.isFinite else {
                    throw fail(line, "vertex coordinates (\(p.x), \(p.y), \(p.z)) are not all finite numbers")
                }
                loop.append(welder.index(of: p))
            } else if s.token(word, is: "facet") {
                if inFacet { throw fail(line, "'facet' inside a facet: the previous one lacks its 'endfacet'") }
                inFacet = true
                loop.removeAll(keepingCapacity: true)
                s.skipLine()  // the facet normal is not used
            } else if s.token(word, is: "endfacet") {
                guard inFacet else { throw fail(line, "'endfacet' without a 'facet'") }
                guard loop.count >= 3 else { throw fail(line, "a facet needs 3 vertices, found \(loop.count)") }
                for i in 1..<(loop.count - 1) { triangles.append(SIMD3(loop[0], loop[i], loop[i + 1])) }
                inFacet = false
            } else if s.token(word, is: "outer") || s.token(word, is: "solid") || s.token(word, is: "endsolid") {
                s.skipLine()  // `outer loop`; a solid's name
            } else if s.token(word, is: "endloop") {
                continue
            } else {
                throw fail(line, "unexpected '\(s.text(word))', expected facet, outer loop, vertex, endloop, endfacet or endsolid")
            }
        }
        if inFacet { throw fail(s.line, "the file is truncated: it ends inside a facet") }
        return TriangleMesh(positions: welder.positions, triangles: triangles)
    }
}
