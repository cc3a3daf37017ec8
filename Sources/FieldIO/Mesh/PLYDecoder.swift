/// Reads PLY meshes in all three encodings (ascii, binary_little_endian, binary_big_endian): positions
/// from the `vertex` element's x, y, z (any order and scalar type), normals when nx, ny, nz are all there,
/// and polygons (fan-triangulated) from the `face` element's `vertex_indices` (or `vertex_index`) list.
/// Every other element and property is skipped.
struct PLYDecoder {
    /// What a property's values are used for.
    private enum Role: Equatable {
        case skip
        case position(Int)
        case normal(Int)
        case faceIndices
    }

    /// A property without its name: what the row loops need, free of reference counting.
    private struct Field {
        var type: PLYScalarType
        var countType: PLYScalarType?
        var role: Role
    }

    private let file: String
    private let header: PLYHeader
    /// Each element's properties with their roles, parallel to `header.elements`.
    private let fields: [[Field]]
    private let vertexCount: Int
    private let hasNormals: Bool
    private var positions: [SIMD3<Float>] = []
    private var normals: [SIMD3<Float>] = []
    private var triangles: [SIMD3<UInt32>] = []
    private var polygon: [UInt32] = []

    /// Decodes PLY `bytes`; `file` names the source in errors.
    static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> TriangleMesh {
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected a PLY mesh") }
        let mesh = try bytes.withUnsafeBufferPointer { (buffer) throws(FieldError) -> TriangleMesh in
            let header = try PLYHeader.parse(buffer, file: file)
            var decoder = try PLYDecoder(header: header, file: file)
            guard let base = buffer.baseAddress else { throw FieldError(file: file, "is empty, expected a PLY mesh") }
            switch header.format {
            case .ascii:
                var scanner = TextScanner(base, count: buffer.count)
                scanner.position = header.bodyOffset
                scanner.line = header.bodyLine
                try decoder.readASCII(&scanner)
            case .binaryLittleEndian, .binaryBigEndian:
                try decoder.readBinary(UnsafeRawPointer(base), count: buffer.count, from: header.bodyOffset,
                                       bigEndian: header.format == .binaryBigEndian)
            }
            return TriangleMesh(positions: decoder.positions, triangles: decoder.triangles,
                                normals: decoder.hasNormals ? decoder.normals : [])
        }
        try MeshValidation.validate(mesh, file: file)
        return mesh
    }

    /// Works out which properties matter, or explains what the header lacks.
    private init(header: PLYHeader, file: String) throws(FieldError) {
        self.file = file
        self.header = header
        func fail(_ message: String) -> FieldError { FieldError(file: file, location: "header", message) }
        guard let vertex = header.element("vertex") else { throw FieldError(file: file, "has no vertices (no vertex element)") }
        guard header.element("face") != nil else { throw FieldError(file: file, "has no faces (no face element)") }
        for axis in ["x", "y", "z"] {
            guard let p = vertex.properties.first(where: { $0.name == axis }) else {
                throw fail("the vertex element has no '\(axis)' property")
            }
            guard p.countType == nil else { throw fail("vertex property '\(axis)' is a list, expected a scalar") }
        }
        let normalNames = ["nx", "ny", "nz"]
        hasNormals = normalNames.allSatisfy { n in vertex.properties.contains { $0.name == n && $0.countType == nil } }
        var foundIndices = false
        var fields: [[Field]] = []
        for element in header.elements {
            var elementFields: [Field] = []
            for p in element.properties {
                var role = Role.skip
                if element.name == "vertex", p.countType == nil {
                    if let axis = ["x", "y", "z"].firstIndex(of: p.name) { role = .position(axis) }
                    if hasNormals, let axis = normalNames.firstIndex(of: p.name) { role = .normal(axis) }
                } else if element.name == "face", !foundIndices, p.name == "vertex_indices" || p.name == "vertex_index" {
                    guard p.countType != nil else { throw fail("face property '\(p.name)' is a scalar, expected a list") }
                    guard p.type.isInteger else { throw fail("face property '\(p.name)' is a list of floats, expected integers") }
                    role = .faceIndices
                    foundIndices = true
                }
                elementFields.append(Field(type: p.type, countType: p.countType, role: role))
            }
            fields.append(elementFields)
        }
        guard foundIndices else { throw fail("the face element has no vertex_indices list property") }
        self.fields = fields
        vertexCount = vertex.count
    }

    // MARK: Binary

    private mutating func readBinary(_ base: UnsafeRawPointer, count end: Int, from start: Int, bigEndian: Bool) throws(FieldError) {
        var offset = start
        for (e, element) in header.elements.enumerated() {
            let elementFields = fields[e]
            let fixedRow = elementFields.allSatisfy { $0.countType == nil }
            if elementFields.allSatisfy({ $0.role == .skip }), fixedRow {
                // Nothing needed from it: skip the whole element at once.
                let rowSize = element.properties.reduce(0) { $0 + $1.type.size }
                let (total, overflow) = rowSize.multipliedReportingOverflow(by: element.count)
                guard !overflow, total <= end - offset else {
                    throw truncated(element, row: rowSize == 0 ? 0 : (end - offset) / rowSize)
                }
                offset += total
                continue
            }
            let isVertex = element.name == "vertex"
            if isVertex {
                let rowSize = element.properties.reduce(0) { $0 + $1.type.size }
                let capacity = min(element.count, (end - offset) / max(rowSize, 1) + 1)
                positions.reserveCapacity(capacity)
                if hasNormals { normals.reserveCapacity(capacity) }
            } else if element.name == "face" {
                triangles.reserveCapacity(min(element.count, (end - offset) / 4 + 1))
            }
            for row in 0..<element.count {
                var p = SIMD3<Float>(), n = SIMD3<Float>()
                for (k, property) in elementFields.enumerated() {
                    if let countType = property.countType {
                        guard countType.size <= end - offset else { throw truncated(element, row: row) }
                        let length = countType.load(from: base + offset, bigEndian: bigEndian)
                        offset += countType.size
                        guard length >= 0, length <= Double(end - offset) else {
                            if length < 0 {
                                throw badRow(element, row, "list '\(element.properties[k].name)' has a negative length \(Int(length))")
                            }
                            throw truncated(element, row: row)
                        }
                        let items = Int(length)
                        guard items * property.type.size <= end - offset else { throw truncated(element, row: row) }
                        if property.role == .faceIndices {
                            polygon.removeAll(keepingCapacity: true)
                            for i in 0..<items {
                                let v = property.type.load(from: base + offset + i * property.type.size, bigEndian: bigEndian)
                                polygon.append(try checkedIndex(v, row: row))
                            }
                            try addPolygon(row: row)
                        }
                        offset += items * property.type.size
                    } else {
                        guard property.type.size <= end - offset else { throw truncated(element, row: row) }
                        switch property.role {
                        case .position(let axis): p[axis] = Float(property.type.load(from: base + offset, bigEndian: bigEndian))
                        case .normal(let axis): n[axis] = Float(property.type.load(from: base + offset, bigEndian: bigEndian))
                        case .skip, .faceIndices: break
                        }
                        offset += property.type.size
                    }
                }
                if isVertex {
                    positions.append(p)
                    if hasNormals { normals.append(n) }
                }
            }
        }
    }

    // MARK: ASCII

    private mutating func readASCII(_ scanner: inout TextScanner) throws(FieldError) {
        for (e, element) in header.elements.enumerated() {
            let elementFields = fields[e]
            if elementFields.isEmpty { continue }  // rows without properties take no text
            let isVertex = element.name == "vertex"
            for row in 0..<element.count {
                var p = SIMD3<Float>(), n = SIMD3<Float>()
                for (k, property) in elementFields.enumerated() {
                    scanner.skipWhitespace()
                    if scanner.atEnd { throw endsEarly(element, row: row, line: scanner.line) }
                    if property.countType != nil {
                        guard let items = scanner.integer() else {
                            throw malformed(scanner, element, row, k, "a list length")
                        }
                        guard items >= 0 else {
                            throw badRow(element, row, "list '\(element.properties[k].name)' has a negative length \(items)")
                        }
                        let isIndices = property.role == .faceIndices
                        if isIndices { polygon.removeAll(keepingCapacity: true) }
                        for _ in 0..<items {
                            scanner.skipWhitespace()
                            if scanner.atEnd { throw endsEarly(element, row: row, line: scanner.line) }
                            if isIndices {
                                guard let v = scanner.integer() else {
                                    throw malformed(scanner, element, row, k, "an integer vertex index")
                                }
                                polygon.append(try checkedIndex(Double(v), row: row))
                            } else {
                                _ = scanner.token()
                            }
                        }
                        if isIndices { try addPolygon(row: row) }
                    } else {
                        switch property.role {
                        case .position(let axis):
                            guard let x = scanner.float() else { throw malformed(scanner, element, row, k, "a number") }
                            p[axis] = x
                        case .normal(let axis):
                            guard let x = scanner.float() else { throw malformed(scanner, element, row, k, "a number") }
                            n[axis] = x
                        case .skip, .faceIndices:
                            _ = scanner.token()
                        }
                    }
                }
                if isVertex {
                    positions.append(p)
                    if hasNormals { normals.append(n) }
                }
            }
        }
    }

    // MARK: Shared

    /// A vertex index read from a face, checked against the vertex count the header declares.
    @inline(__always)
    private func checkedIndex(_ v: Double, row: Int) throws(FieldError) -> UInt32 {
        guard v >= 0, v < Double(vertexCount) else {
            throw badRow("face", row,
                         "vertex index \(Int(exactly: v).map(String.init) ?? "\(v)") is out of range (the file has \(vertexCount) vertices)")
        }
        return UInt32(v)
    }

    /// Fan-triangulates the polygon just read.
    @inline(__always)
    private mutating func addPolygon(row: Int) throws(FieldError) {
        guard polygon.count >= 3 else {
            throw badRow("face", row, "a face needs at least 3 vertices, found \(polygon.count)")
        }
        for i in 1..<(polygon.count - 1) {
            triangles.append(SIMD3(polygon[0], polygon[i], polygon[i + 1]))
        }
    }

    private func badRow(_ element: PLYHeader.Element, _ row: Int, _ message: String) -> FieldError {
        badRow(element.name, row, message)
    }

    private func badRow(_ elementName: String, _ row: Int, _ message: String) -> FieldError {
        FieldError(file: file, location: "\(elementName) \(row)", message)
    }

    private func truncated(_ element: PLYHeader.Element, row: Int) -> FieldError {
        FieldError(file: file, location: "\(element.name) \(row)",
                   "the file is truncated: it ends inside \(element.name) \(row) of the \(element.count) the header declares")
    }

    private func endsEarly(_ element: PLYHeader.Element, row: Int, line: Int) -> FieldError {
        FieldError(file: file, location: "line \(line)",
                   "the file is truncated: it ends inside \(element.name) \(row) of the \(element.count) the header declares")
    }

    private func malformed(_ scanner: TextScanner, _ element: PLYHeader.Element, _ row: Int,
                           _ property: Int, _ expected: String) -> FieldError {
        FieldError(file: file, location: "line \(scanner.line)",
                   "malformed number \(scanner.tokenText()) for \(element.name) \(row) property '\(element.properties[property].name)', expected \(expected)")
    }
}
