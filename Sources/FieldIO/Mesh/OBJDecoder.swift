/// Reads Wavefront OBJ text: `v` positions and `f` faces (fan-triangulated; `a`, `a/b`, `a//c`, `a/b/c`
/// corners; negative indices count back from the latest vertex). Per-vertex normals come from `vn` when
/// every face corner names one and each vertex always gets the same normal; `vt`, `o`, `g`, `s`, `usemtl`,
/// `mtllib`, comments and unknown statements are skipped. Works on the bytes in place, line by line.
struct OBJDecoder {
    private let file: String
    private var scanner: TextScanner
    private var positions: [SIMD3<Float>] = []
    private var triangles: [SIMD3<UInt32>] = []
    private var normalList: [SIMD3<Float>] = []
    /// The normal index of each triangle corner, while every corner so far has one.
    private var cornerNormals: [SIMD3<UInt32>] = []
    private var everyCornerHasNormal = true
    /// Positive indices beyond the elements read so far, checked once the whole file is read.
    private var forwardReferences: [(line: Int, index: Int, isNormal: Bool)] = []
    /// The corners of the face being read (the first `cornerCount` entries), reused from face to face.
    private var polygon: [UInt32] = []
    private var polygonNormals: [UInt32] = []
    private var cornerCount = 0
    private var normalCount = 0

    /// Decodes OBJ `bytes`; `file` names the source in errors.
    static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected an OBJ mesh") }
        let mesh = try bytes.withUnsafeBufferPointer { (buffer) throws(FieldError) -> TriangleMesh in
            guard let base = buffer.baseAddress else { throw FieldError(file: file, "is empty, expected an OBJ mesh") }
            var decoder = OBJDecoder(file: file, scanner: TextScanner(base, count: buffer.count))
            return try decoder.run()
        }
        try MeshValidation.validate(mesh, file: file)
        return mesh
    }

    private init(file: String, scanner: TextScanner) {
        self.file = file
        self.scanner = scanner
    }

    private func fail(_ message: String) -> FieldError {
        FieldError(file: file, location: "line \(scanner.line)", message)
    }

    private mutating func run() throws(FieldError) -> TriangleMesh {
        if scanner.peek() == 0xEF, scanner.peek(1) == 0xBB, scanner.peek(2) == 0xBF { scanner.position = 3 }  // UTF-8 BOM
        while !scanner.atEnd {
            scanner.skipBlanks()
            let c = scanner.peek()
            if c == UInt8(ascii: "v") {
                let c1 = scanner.peek(1)
                if TextScanner.isBlank(c1) {
                    scanner.position &+= 1
                    positions.append(try vector("vertex"))
                } else if c1 == UInt8(ascii: "n"), TextScanner.isBlank(scanner.peek(2)) {
                    scanner.position &+= 2
                    normalList.append(try vector("normal"))
                }
            } else if c == UInt8(ascii: "f"), TextScanner.isBlank(scanner.peek(1)) {
                scanner.position &+= 1
                try face()
            }
            scanner.skipLine()
        }
        return try finish()
    }

    /// Three coordinates (further values on the line, such as `w` or a colour, are ignored).
    private mutating func vector(_ what: String) throws(FieldError) -> SIMD3<Float> {
        var v = SIMD3<Float>()
        for axis in 0..<3 {
            scanner.skipBlanks()
            if scanner.atLineEnd {
                throw fail("a \(what) needs 3 coordinates, found \(axis)")
            }
            guard let x = scanner.float() else {
                throw fail("malformed \(what) coordinate \(scanner.tokenText()), expected a number")
            }
            guard x.isFinite else { throw fail("\(what) coordinate \(x) is not a finite number") }
            v[axis] = x
        }
        return v
    }

    /// One `f` statement: its corners, fan-triangulated.
    private mutating func face() throws(FieldError) {
        cornerCount = 0
        normalCount = 0
        while true {
            scanner.skipBlanks()
            if scanner.atLineEnd { break }
            let start = scanner.position
            guard let raw = scanner.integerPrefix() else { throw malformedCorner(start) }
            var normal = -1
            if scanner.peek() == UInt8(ascii: "/") {
                scanner.position &+= 1
                if scanner.peek() != UInt8(ascii: "/"), !TextScanner.isDelimiter(scanner.peek()) {
                    guard scanner.integerPrefix() != nil else { throw malformedCorner(start) }  // texture index, unused
                }
                if scanner.peek() == UInt8(ascii: "/") {
                    scanner.position &+= 1
                    if !TextScanner.isDelimiter(scanner.peek()) {
                        guard let n = scanner.integerPrefix() else { throw malformedCorner(start) }
                        normal = try resolve(n, count: normalList.count, isNormal: true)
                    }
                }
            }
            guard TextScanner.isDelimiter(scanner.peek()) else { throw malformedCorner(start) }
            let vertex = UInt32(truncatingIfNeeded: try resolve(raw, count: positions.count, isNormal: false))
            if cornerCount < polygon.count { polygon[cornerCount] = vertex } else { polygon.append(vertex) }
            cornerCount &+= 1
            if normal < 0 {
                everyCornerHasNormal = false
            } else {
                let n = UInt32(truncatingIfNeeded: normal)
                if normalCount < polygonNormals.count { polygonNormals[normalCount] = n } else { polygonNormals.append(n) }
                normalCount &+= 1
            }
        }
        guard cornerCount >= 3 else {
            throw fail("a face needs at least 3 vertices, found \(cornerCount)")
        }
        let withNormals = everyCornerHasNormal && normalCount == cornerCount
        if !withNormals, !cornerNormals.isEmpty { cornerNormals = [] }
        for i in 1..<(cornerCount &- 1) {
            triangles.append(SIMD3(polygon[0], polygon[i], polygon[i &+ 1]))
            if withNormals { cornerNormals.append(SIMD3(polygonNormals[0], polygonNormals[i], polygonNormals[i &+ 1])) }
        }
    }

    private func malformedCorner(_ start: Int) -> FieldError {
        var end = start
        while end < scanner.count, !TextScanner.isDelimiter(scanner.base[end]) { end &+= 1 }
        return fail("malformed face vertex '\(scanner.text(start..<end))', expected v, v/vt, v//vn or v/vt/vn with integer indices")
    }

    /// A 1-based or negative (relative) OBJ index as a 0-based one.
    private mutating func resolve(_ raw: Int, count: Int, isNormal: Bool) throws(FieldError) -> Int {
        let what = isNormal ? "normal" : "vertex"
        if raw > 0 {
            guard raw <= Int(UInt32.max) else { throw fail("\(what) index \(raw) is too large") }
            if raw > count { forwardReferences.append((scanner.line, raw, isNormal)) }
            return raw &- 1
        }
        if raw == 0 { throw fail("\(what) index 0 is not valid: OBJ indices start at 1") }
        let index = count &+ raw
        guard index >= 0 else {
            throw fail("relative \(what) index \(raw) points before the first \(what) (\(count) so far)")
        }
        return index
    }

    /// Checks the indices that pointed ahead and assembles the mesh.
    private mutating func finish() throws(FieldError) -> TriangleMesh {
        for ref in forwardReferences {
            let count = ref.isNormal ? normalList.count : positions.count
            if ref.index > count {
                let what = ref.isNormal ? "normal" : "vertex"
                throw FieldError(file: file, location: "line \(ref.line)",
                                 "\(what) index \(ref.index) is past the last \(what) (the file has \(count))")
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles, normals: vertexNormals())
    }

    /// One normal per vertex when the faces give every vertex a single normal; otherwise empty.
    private func vertexNormals() -> [SIMD3<Float>] {
        guard everyCornerHasNormal, !normalList.isEmpty, !triangles.isEmpty, cornerNormals.count == triangles.count else { return [] }
        let unset = UInt32.max
        var chosen = [UInt32](repeating: unset, count: positions.count)
        for t in 0..<triangles.count {
            let tri = triangles[t], nor = cornerNormals[t]
            for k in 0..<3 {
                let v = Int(tri[k]), n = nor[k]
                if v >= chosen.count { return [] }
                if chosen[v] == unset {
                    chosen[v] = n
                } else if chosen[v] != n, normalList[Int(chosen[v])] != normalList[Int(n)] {
                    return []  // the same vertex with different normals: per-corner normals, not per-vertex
                }
            }
        }
        // Vertices no face uses: their own `vn` when the file has one per vertex (as our writer makes), else zero.
        let parallel = normalList.count == positions.count
        return (0..<positions.count).map { v in
            chosen[v] != unset ? normalList[Int(chosen[v])] : (parallel ? normalList[v] : SIMD3<Float>())
        }
    }
}
