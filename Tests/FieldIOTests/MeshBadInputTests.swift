import Foundation
import Testing
@testable import FieldIO

/// Malformed mesh files: each fails with one clear line naming the file, the place and the problem.
@Suite struct MeshBadInputTests {
    let threeVertices = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
    func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: Files

    @Test func missingFileAndFolder() {
        let dir = temporaryFolder()
        let missing = dir + "/nope.obj"
        let error = caught { () throws(FieldError) in try TriangleMesh.read(missing) }
        #expect(error?.description == missing + ": no such file")
        #expect(caught { () throws(FieldError) in try TriangleMesh.read(dir) }?.description.contains("unknown mesh file extension") == true)
        let folder = dir + "/mesh.ply"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(caught { () throws(FieldError) in try TriangleMesh.read(folder) }?.description == folder + ": is a folder, expected a file")
    }

    @Test func unknownExtensionListsTheFormats() {
        let dir = temporaryFolder()
        let path = writeBytes(dir, "mesh.off", text("OFF\n"))
        let error = caught { () throws(FieldError) in try TriangleMesh.read(path) }
        #expect(error?.file == path)
        #expect(error?.message == "unknown mesh file extension, expected .obj, .ply or .stl")
        let noExtension = caught { () throws(FieldError) in try TriangleMesh.read(dir + "/mesh") }
        #expect(noExtension?.message.contains(".obj, .ply or .stl") == true)
    }

    @Test(arguments: MeshFormat.allCases)
    func emptyFile(format: MeshFormat) {
        expectMeshError([], format, ["is empty"])
    }

    @Test func readErrorsNameThePath() {
        let dir = temporaryFolder()
        let path = writeBytes(dir, "broken.obj", text(threeVertices + "f 1 2 9\n"))
        let error = caught { () throws(FieldError) in try TriangleMesh.read(path) }
        #expect(error?.description == path + ": line 4: vertex index 9 is past the last vertex (the file has 3)")
    }

    // MARK: OBJ

    @Test func objWithoutVerticesOrFaces() {
        expectMeshError(text("# only a comment\no thing\n"), .obj, ["has no vertices"])
        expectMeshError(text(threeVertices), .obj, ["has no faces", "3 vertices"])
    }

    @Test func objIndicesOutOfRange() {
        expectMeshError(text(threeVertices + "f 1 2 4\n"), .obj, ["vertex index 4 is past the last vertex", "has 3"], location: "line 4")
        expectMeshError(text(threeVertices + "f 0 1 2\n"), .obj, ["vertex index 0 is not valid", "start at 1"], location: "line 4")
        expectMeshError(text(threeVertices + "f -4 -1 -2\n"), .obj, ["relative vertex index -4", "before the first vertex", "3 so far"], location: "line 4")
        expectMeshError(text(threeVertices + "vn 0 0 1\nf 1//1 2//2 3//1\n"), .obj, ["normal index 2 is past the last normal"], location: "line 5")
        expectMeshError(text(threeVertices + "f 1 2 99999999999\n"), .obj, ["too large"], location: "line 4")
    }

    @Test func objNonFiniteCoordinates() {
        expectMeshError(text("v 0 0 0\nv nan 0 0\n"), .obj, ["coordinate nan is not a finite number"], location: "line 2")
        expectMeshError(text("v 0 0 0\nv 0 -inf 0\n"), .obj, ["not a finite number"], location: "line 2")
        expectMeshError(text("v 0 0 1e39\n"), .obj, ["not a finite number"], location: "line 1")
    }

    @Test func objMalformedNumbers() {
        expectMeshError(text("v 1 2 x\n"), .obj, ["malformed vertex coordinate 'x'"], location: "line 1")
        expectMeshError(text("\n\nv 1.2.3 0 0\n"), .obj, ["malformed vertex coordinate '1.2.3'"], location: "line 3")
        expectMeshError(text("v 1e 0 0\n"), .obj, ["malformed vertex coordinate '1e'"])
        expectMeshError(text("v 1 2\nv 0 0 0\n"), .obj, ["a vertex needs 3 coordinates, found 2"], location: "line 1")
        expectMeshError(text("v 1 2 3\nvn 0 zero 1\n"), .obj, ["malformed normal coordinate 'zero'"], location: "line 2")
        expectMeshError(text(threeVertices + "f 1 a 3\n"), .obj, ["malformed face vertex 'a'"], location: "line 4")
        expectMeshError(text(threeVertices + "f 1/x/1 2 3\n"), .obj, ["malformed face vertex '1/x/1'"], location: "line 4")
        expectMeshError(text(threeVertices + "f 1 2 3.0\n"), .obj, ["malformed face vertex '3.0'"], location: "line 4")
        expectMeshError(text(threeVertices + "f 1 2\n"), .obj, ["a face needs at least 3 vertices, found 2"], location: "line 4")
    }

    @Test func objZeroExtent() {
        expectMeshError(text("v 1 2 3\nv 1 2 3\nv 1 2 3\nf 1 2 3\n"), .obj, ["zero extent", "all 3 vertices are at (1.0, 2.0, 3.0)"])
    }

    @Test func flatMeshIsFine() throws {
        let mesh = try TriangleMesh.decodeOBJ(bytes: text("v 0 0 5\nv 1 0 5\nv 0 1 5\nf 1 2 3\n"), file: "flat.obj")
        #expect(mesh.bounds.max.z == mesh.bounds.min.z)
        let line = try TriangleMesh.decodeOBJ(bytes: text("v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n"), file: "line.obj")
        #expect(line.triangles.count == 1)
    }

    // MARK: PLY

    func ply(_ headerAndBody: String) -> [UInt8] { text("ply\n" + headerAndBody) }
    let tetraPLY = PLYBuilder.plain(MeshSamples.tetra)

    @Test func plyNotPLYOrHeaderBroken() {
        expectMeshError(text("hello world\n"), .ply, ["is not a PLY file"])
        expectMeshError(ply("format ascii 1.0\nelement vertex 3\nproperty float x\n"), .ply, ["no end_header"], location: "header")
        expectMeshError(ply("element vertex 1\nend_header\n"), .ply, ["end_header before any format line"])
        expectMeshError(ply("format ascii 1.0\nelement vertex many\nend_header\n"), .ply, ["count 'many'", "non-negative integer"], location: "header line 3")
        expectMeshError(ply("format ascii 1.0\nproperty float x\nend_header\n"), .ply, ["a property before any element"])
        expectMeshError(ply("format ascii 1.0\nelement vertex 1\nproperty float\nend_header\n"), .ply, ["expected 'property <type> <name>'"])
        expectMeshError(ply("format ascii 1.0\nbanana\nend_header\n"), .ply, ["unknown header keyword 'banana'"], location: "header line 3")
    }

    @Test func plyUnknownFormat() {
        expectMeshError(ply("format binary_middle_endian 1.0\nend_header\n"), .ply,
                        ["unknown PLY format 'binary_middle_endian'", "ascii, binary_little_endian or binary_big_endian"], location: "header line 2")
    }

    @Test func plyUnknownPropertyType() {
        expectMeshError(ply("format ascii 1.0\nelement vertex 1\nproperty float16 x\nend_header\n"), .ply,
                        ["unknown property type 'float16'", "uchar"], location: "header line 4")
        expectMeshError(ply("format ascii 1.0\nelement face 1\nproperty list uchar long vertex_indices\nend_header\n"), .ply,
                        ["unknown property type 'long'"], location: "header line 4")
        expectMeshError(ply("format ascii 1.0\nelement face 1\nproperty list float int vertex_indices\nend_header\n"), .ply,
                        ["count type float", "integer type"])
    }

    @Test func plyMissingElementsOrProperties() {
        expectMeshError(ply("format ascii 1.0\nelement face 0\nproperty list uchar int vertex_indices\nend_header\n"), .ply, ["has no vertices"])
        expectMeshError(ply("format ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n"),
                        .ply, ["has no faces"])
        expectMeshError(ply("format ascii 1.0\nelement vertex 1\nproperty float x\nproperty float z\nelement face 0\nproperty list uchar int vertex_indices\nend_header\n"),
                        .ply, ["no 'y' property"], location: "header")
        expectMeshError(ply("format ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 0\nproperty list uchar int corners\nend_header\n"),
                        .ply, ["no vertex_indices list"], location: "header")
        expectMeshError(ply("format ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 0\nproperty list uchar float vertex_indices\nend_header\n"),
                        .ply, ["list of floats, expected integers"], location: "header")
        var noVertices = tetraPLY
        noVertices.elements[0].rows = []
        noVertices.elements[1].rows = []
        expectMeshError(noVertices.bytes("binary_little_endian"), .ply, ["has no vertices"])
        var noFaces = tetraPLY
        noFaces.elements[1].rows = []
        expectMeshError(noFaces.bytes("ascii"), .ply, ["has no faces", "4 vertices"])
    }

    @Test(arguments: ["ascii", "binary_little_endian", "binary_big_endian"])
    func plyIndexOutOfRange(format: String) {
        var b = tetraPLY
        b.elements[1].rows[2] = [.list("uchar", "int", [0, 9, 1])]
        expectMeshError(b.bytes(format), .ply, ["vertex index 9 is out of range", "has 4 vertices"], location: "face 2")
        b.elements[1].rows[1] = [.list("uchar", "int", [0, -1, 1])]
        expectMeshError(b.bytes(format), .ply, ["vertex index -1 is out of range"], location: "face 1")
    }

    @Test(arguments: ["ascii", "binary_little_endian"])
    func plyFaceWithTwoVertices(format: String) {
        var b = tetraPLY
        b.elements[1].rows[1] = [.list("uchar", "int", [0, 1])]
        expectMeshError(b.bytes(format), .ply, ["a face needs at least 3 vertices, found 2"], location: "face 1")
    }

    @Test(arguments: ["ascii", "binary_little_endian", "binary_big_endian"])
    func plyNonFiniteCoordinates(format: String) {
        var b = tetraPLY
        b.elements[0].rows[1][1] = .scalar("float", .nan)
        expectMeshError(b.bytes(format), .ply, ["not all finite"], location: "vertex 1")
        b = tetraPLY
        b.elements[0].properties[2] = "double z"
        for r in 0..<4 { b.elements[0].rows[r][2] = .scalar("double", 0.5) }
        b.elements[0].rows[3][2] = .scalar("double", 1e300)  // finite as a double, infinite as a float
        expectMeshError(b.bytes(format), .ply, ["not all finite"], location: "vertex 3")
    }

    @Test func plyInfinityInASCII() {
        var bytes = tetraPLY.bytes("ascii")
        let body = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n1.0 0.0 0.0\n", with: "\n1.0 inf 0.0\n")
        bytes = text(body)
        expectMeshError(bytes, .ply, ["not all finite"], location: "vertex 2")
    }

    @Test(arguments: ["binary_little_endian", "binary_big_endian"])
    func plyTruncatedBinary(format: String) {
        let full = tetraPLY.bytes(format)
        let bodyStart = full.count - 4 * 12 - 4 * 13
        // Cut inside vertex 2, inside face 3, and inside a list's items.
        expectMeshError(Array(full.prefix(bodyStart + 2 * 12 + 5)), .ply, ["truncated", "vertex 2 of the 4"], location: "vertex 2")
        expectMeshError(Array(full.prefix(full.count - 13)), .ply, ["truncated", "face 3 of the 4"], location: "face 3")
        expectMeshError(Array(full.prefix(full.count - 3)), .ply, ["truncated"], location: "face 3")
        var longList = tetraPLY
        longList.elements[1].rows[3] = [.list("uchar", "int", [0, 1])]
        var bytes = longList.bytes(format)
        bytes[bytes.count - 9] = 200  // the last face now claims 200 indices
        expectMeshError(bytes, .ply, ["truncated"], location: "face 3")
    }

    @Test func plyTruncatedSkippedElement() {
        var b = tetraPLY
        b.elements.append(PLYBuilder.Element(name: "edge", properties: ["int a", "int b"], rows: [[.scalar("int", 0), .scalar("int", 1)]]))
        let full = b.bytes("binary_little_endian")
        expectMeshError(Array(full.prefix(full.count - 1)), .ply, ["truncated", "edge 0"], location: "edge 0")
    }

    @Test func plyTruncatedASCII() {
        let full = String(decoding: tetraPLY.bytes("ascii"), as: UTF8.self)
        let cut = String(full.dropLast(8))  // inside the last face row
        expectMeshError(text(cut), .ply, ["truncated", "face 3 of the 4"])
        let noFaces = String(full[..<full.range(of: "\n3 ")!.lowerBound]) + "\n"
        expectMeshError(text(noFaces), .ply, ["truncated", "face 0 of the 4"])
    }

    @Test func plyMalformedASCIINumbers() {
        let full = String(decoding: tetraPLY.bytes("ascii"), as: UTF8.self)
        let headerLines = full.components(separatedBy: "end_header\n")[0].split(separator: "\n").count + 1
        let badX = full.replacingOccurrences(of: "\n0.0 1.0 0.0\n", with: "\nabc 1.0 0.0\n")
        expectMeshError(text(badX), .ply, ["malformed number 'abc'", "vertex 1", "property 'x'"], location: "line \(headerLines + 2)")
        let badCount = full.replacingOccurrences(of: "\n3 0 1 2\n", with: "\n3.5 0 1 2\n")
        expectMeshError(text(badCount), .ply, ["malformed number '3.5'", "list length"])
        let badIndex = full.replacingOccurrences(of: "\n3 0 1 2\n", with: "\n3 0 two 2\n")
        expectMeshError(text(badIndex), .ply, ["malformed number 'two'", "integer vertex index"])
    }

    @Test func plyZeroExtent() {
        var b = tetraPLY
        for r in 0..<4 { b.elements[0].rows[r] = [.scalar("float", 2), .scalar("float", 2), .scalar("float", 2)] }
        expectMeshError(b.bytes("binary_little_endian"), .ply, ["zero extent", "all 4 vertices"])
    }

    // MARK: STL

    @Test func stlTooShortOrTruncated() {
        expectMeshError([UInt8](repeating: 0, count: 50), .stl, ["too short for a binary STL", "50 bytes"])
        let full = STLBuilder.binary(MeshSamples.tetra)
        expectMeshError(Array(full.prefix(full.count - 10)), .stl, ["truncated", "declares 4 triangles", "\(full.count - 10) bytes"], location: "header")
        let solidHeader = STLBuilder.binary(MeshSamples.tetra, header: "solid but binary")
        expectMeshError(Array(solidHeader.prefix(full.count - 60)), .stl, ["truncated", "declares 4 triangles"])
        expectMeshError(text("this is not a mesh at all, just a long line of text that goes on and on and on for a while\n"), .stl,
                        ["truncated or not an STL file"])
    }

    @Test func stlWithoutTriangles() {
        expectMeshError(STLBuilder.binary(TriangleMesh(positions: [], triangles: [])), .stl, ["has no vertices"])
        expectMeshError(text("solid empty\nendsolid empty\n"), .stl, ["has no vertices"])
    }

    @Test func stlNonFinite() {
        var bytes = STLBuilder.binary(MeshSamples.tetra)
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init)
        bytes.replaceSubrange((84 + 50 + 12 + 4)..<(84 + 50 + 12 + 8), with: nan)
        expectMeshError(bytes, .stl, ["not all finite"], location: "triangle 1")
        let ascii = String(decoding: STLBuilder.ascii(MeshSamples.tetra), as: UTF8.self)
        expectMeshError(text(ascii.replacingOccurrences(of: "vertex 0.0 0.0 1.0", with: "vertex 0.0 0.0 inf")), .stl, ["not all finite"])
    }

    @Test func stlMalformedASCII() {
        let good = String(decoding: STLBuilder.ascii(MeshSamples.tetra), as: UTF8.self)
        expectMeshError(text(good.replacingOccurrences(of: "vertex 1.0 0.0 0.0", with: "vertex 1.0 abc 0.0")), .stl,
                        ["malformed vertex coordinate 'abc'"], location: "line 6")
        expectMeshError(text("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid\n"), .stl,
                        ["a facet needs 3 vertices, found 2"], location: "line 7")
        expectMeshError(text("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\n"), .stl, ["truncated", "inside a facet"])
        expectMeshError(text("solid x\nbanana\nendsolid\n"), .stl, ["unexpected 'banana'"], location: "line 2")
        expectMeshError(text("solid x\nendfacet\n"), .stl, ["'endfacet' without a 'facet'"], location: "line 2")
    }

    @Test func stlZeroExtent() {
        let point = TriangleMesh(positions: [SIMD3(1, 1, 1)], triangles: [SIMD3(0, 0, 0), SIMD3(0, 0, 0)])
        expectMeshError(STLBuilder.binary(point), .stl, ["zero extent", "all 1 vertices"])
        expectMeshError(STLBuilder.ascii(point), .stl, ["zero extent"])
    }
}
