import Foundation
import Testing
@testable import FieldIO

/// Reading OBJ, PLY and STL: every format and encoding gives the same indexed mesh.
@Suite struct MeshReaderTests {
    func obj(_ text: String) throws -> TriangleMesh { try TriangleMesh.decodeOBJ(bytes: Array(text.utf8), file: "t.obj") }

    @Test func objCubeWithQuads() throws {
        let mesh = try obj(MeshSamples.cubeOBJ)
        #expect(mesh == MeshSamples.cube)
        #expect(mesh.normals.isEmpty)
    }

    @Test func objCornerFormsAndIgnoredStatements() throws {
        let text = """
            \u{FEFF}# exported by a tool\r
            mtllib tetra.mtl\r
            o Tetra\r
            g group1\r
            v 0 0 0\r
            v 0 1.0 0 1.0\r
            v 1e0 0 0 0.5 0.5 0.5\r
            v   0\t0  +1.0   # comment\r
            vt 0 0\r
            vt 1 0\r
            vn 0 0 1\r
            vp 0.5\r
            usemtl red\r
            s off\r
            f 1/1 2/2 3/1\r
            f 1//1 3//1 4//1\r
            f 1/1/1 4/2/1 2/1/1 # a comment after a face\r
            l 1 2\r
            unknownstatement 1 2 3\r
            f 3 2 \\\r
              4\r

            """
        let mesh = try obj(text)
        #expect(mesh.positions == MeshSamples.tetra.positions)
        #expect(mesh.triangles == MeshSamples.tetra.triangles)
        #expect(mesh.normals.isEmpty)  // not every corner names a normal
    }

    @Test func objNegativeIndices() throws {
        let text = """
            v 0 0 0
            v 0 1 0
            v 1 0 0
            f -3 -2 -1
            v 0 0 1
            f -4 -2 -1
            f 1 -1 -3
            vt 0 0
            vn 0 0 1
            f -2/-1/-1 -3//-1 -1/1
            """
        let mesh = try obj(text)
        #expect(mesh == MeshSamples.tetra)
    }

    @Test func objPolygonsAreFanTriangulated() throws {
        let text = "v 0 0 0\nv 2 0 0\nv 3 1 0\nv 1 2 0\nv -1 1 0\nf 1 2 3 4 5\nf 1 2 3\n"
        let mesh = try obj(text)
        #expect(mesh.triangles == [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(0, 3, 4), SIMD3(0, 1, 2)])
    }

    @Test func objPerVertexNormals() throws {
        let text = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nvn 0 0 -1\nvn 1 1 1\nvn 0 0 -1\n"
            + "f 1//1 3//3 2//1\nf 1//3 2//1 4//2\n"
        let mesh = try obj(text)
        #expect(mesh.normals == [SIMD3(0, 0, -1), SIMD3(0, 0, -1), SIMD3(0, 0, -1), SIMD3(1, 1, 1)])

        // A vertex with two different normals: they are per corner, so no per-vertex normals.
        let split = try obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nvn 0 0 -1\nvn 1 1 1\nf 1//1 3//1 2//1\nf 1//2 2//2 4//2\n")
        #expect(split.normals.isEmpty)
        #expect(split.triangles.count == 2)
    }

    @Test func objWithoutFinalLineBreak() throws {
        let mesh = try obj("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3")
        #expect(mesh.triangles == [SIMD3(0, 1, 2)])
    }

    @Test(arguments: ["ascii", "binary_little_endian"])
    func plyElementWithoutPropertiesIsSkippedAtOnce(format: String) throws {
        var bytes = PLYBuilder.plain(MeshSamples.tetra).bytes(format)
        let header = Array("element nothing 1000000000000\n".utf8)
        let at = bytes.indices.first { Array(bytes[$0..<($0 + 14)]) == Array("element vertex".utf8) } ?? 0
        bytes.insert(contentsOf: header, at: at)
        #expect(try TriangleMesh.decodePLY(bytes: bytes, file: "t.ply") == MeshSamples.tetra)
    }

    @Test func objForwardReferenceIsResolvedAtTheEnd() throws {
        let mesh = try obj("f 1 2 3\nv 0 0 0\nv 1 0 0\nv 0 1 0\n")
        #expect(mesh.triangles == [SIMD3(0, 1, 2)])
    }

    @Test(arguments: ["ascii", "binary_little_endian", "binary_big_endian"])
    func plyPlainEncodings(format: String) throws {
        let mesh = try TriangleMesh.decodePLY(bytes: PLYBuilder.plain(MeshSamples.cube).bytes(format), file: "t.ply")
        #expect(mesh == MeshSamples.cube)
    }

    @Test func plyCRLFHeaderAndBody() throws {
        let mesh = try TriangleMesh.decodePLY(bytes: PLYBuilder.plain(MeshSamples.tetra).bytes("ascii", lineEnd: "\r\n"), file: "t.ply")
        #expect(mesh == MeshSamples.tetra)
        let binary = try TriangleMesh.decodePLY(bytes: PLYBuilder.plain(MeshSamples.tetra).bytes("binary_little_endian", lineEnd: "\r\n"), file: "t.ply")
        #expect(binary == MeshSamples.tetra)
    }

    /// A PLY with every scalar type, shuffled properties, lists in skipped elements, quads, normals, and
    /// `vertex_index` instead of `vertex_indices`: the three encodings give the same mesh.
    func busyPLY() -> PLYBuilder {
        let cube = MeshSamples.cube
        let types = ["char", "uchar", "short", "ushort", "int", "uint", "float", "double",
                     "int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64"]
        let before = PLYBuilder.Element(
            name: "material", properties: types.enumerated().map { "\($1) m\($0)" } + ["list ushort float shades"],
            rows: (0..<3).map { (r: Int) -> [PLYBuilder.Value] in
                var row: [PLYBuilder.Value] = []
                for t in types {
                    let signed = !t.hasPrefix("u")
                    row.append(.scalar(t, Double(r + 1) * (signed ? -1 : 1)))
                }
                let shades: [Double] = (0..<r).map { Double($0) * 0.5 }
                row.append(.list("ushort", "float", shades))
                return row
            })
        let vertex = PLYBuilder.Element(
            name: "vertex",
            properties: ["uchar red", "double z", "list uint8 int16 tags", "float nx", "float ny", "short x", "float nz", "float64 y", "uchar alpha"],
            rows: cube.positions.enumerated().map { i, p in
                [.scalar("uchar", Double(i * 30)), .scalar("double", Double(p.z)), .list("uint8", "int16", [Double(-i), 7]),
                 .scalar("float", 0), .scalar("float", 0.5), .scalar("short", Double(p.x)), .scalar("float", Double(i)),
                 .scalar("float64", Double(p.y)), .scalar("uchar", 255)]
            })
        let face = PLYBuilder.Element(
            name: "face", properties: ["uchar flags", "list uint16 uint32 vertex_index", "list uchar float texcoord", "int id"],
            rows: MeshSamples.cubeQuads.enumerated().map { i, q in
                [.scalar("uchar", 1), .list("uint16", "uint32", q.map(Double.init)), .list("uchar", "float", [0.25, 0.5]), .scalar("int", Double(-i))]
            })
        let edge = PLYBuilder.Element(
            name: "edge", properties: ["int vertex1", "int vertex2", "list char uchar colour"],
            rows: [[.scalar("int", 0), .scalar("int", 1), .list("char", "uchar", [1, 2, 3])],
                   [.scalar("int", 2), .scalar("int", 3), .list("char", "uchar", [])]])
        return PLYBuilder(elements: [before, vertex, face, edge], comments: ["busy", "obj_info is also allowed"])
    }

    @Test(arguments: ["ascii", "binary_little_endian", "binary_big_endian"])
    func plyExtraElementsPropertiesAndTypes(format: String) throws {
        let mesh = try TriangleMesh.decodePLY(bytes: busyPLY().bytes(format), file: "t.ply")
        #expect(mesh.positions == MeshSamples.cube.positions)
        #expect(mesh.triangles == MeshSamples.cube.triangles)
        #expect(mesh.normals == (0..<8).map { SIMD3(0, 0.5, Float($0)) })
    }

    @Test func plyEncodingsAgree() throws {
        let b = busyPLY()
        let meshes = try ["ascii", "binary_little_endian", "binary_big_endian"].map { f in
            try TriangleMesh.decodePLY(bytes: b.bytes(f), file: "t.ply")
        }
        #expect(meshes[0] == meshes[1])
        #expect(meshes[1] == meshes[2])
    }

    @Test func plyFaceElementBeforeVertices() throws {
        var b = PLYBuilder.plain(MeshSamples.tetra)
        b.elements.reverse()
        for f in ["ascii", "binary_little_endian"] {
            #expect(try TriangleMesh.decodePLY(bytes: b.bytes(f), file: "t.ply") == MeshSamples.tetra)
        }
    }

    @Test func stlBinaryAndASCIIAreWelded() throws {
        let tetra = MeshSamples.tetra
        let binary = try TriangleMesh.decodeSTL(bytes: STLBuilder.binary(tetra), file: "t.stl")
        #expect(binary == tetra)
        let ascii = try TriangleMesh.decodeSTL(bytes: STLBuilder.ascii(tetra), file: "t.stl")
        #expect(ascii == tetra)
        let cube = try TriangleMesh.decodeSTL(bytes: STLBuilder.binary(MeshSamples.cube), file: "t.stl")
        #expect(cube.positions.count == 8)
        #expect(cube.triangles.count == 12)
    }

    @Test func stlBinaryWhoseHeaderStartsWithSolid() throws {
        let bytes = STLBuilder.binary(MeshSamples.tetra, header: "solid tetra exported by a tool that writes solid in binary files")
        #expect(Array(bytes.prefix(5)) == Array("solid".utf8))
        #expect(try TriangleMesh.decodeSTL(bytes: bytes, file: "t.stl") == MeshSamples.tetra)
    }

    @Test func stlASCIIVariants() throws {
        // Upper case keywords, several solids, CRLF, a quad facet (fan-triangulated), no trailing newline.
        let text = "SOLID a\r\nFACET NORMAL 0 0 -1\r\nOUTER LOOP\r\nVERTEX 0 0 0\r\nVERTEX 0 1 0\r\nVERTEX 1 0 0\r\nENDLOOP\r\nENDFACET\r\nENDSOLID a\r\n"
            + "solid b\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 1 0 1\nvertex 0 0 1\nendloop\nendfacet\nendsolid"
        let mesh = try TriangleMesh.decodeSTL(bytes: Array(text.utf8), file: "t.stl")
        #expect(mesh.positions == [SIMD3(0, 0, 0), SIMD3(0, 1, 0), SIMD3(1, 0, 0), SIMD3(1, 0, 1), SIMD3(0, 0, 1)])
        #expect(mesh.triangles == [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(0, 3, 4)])
    }

    @Test func weldingMergesExactlyEqualPositionsOnly() {
        var welder = VertexWelder()
        let a = welder.index(of: SIMD3(0, 0, 0))
        let b = welder.index(of: SIMD3(-0.0, 0, -0.0))
        let c = welder.index(of: SIMD3(0, 0, Float(0).nextUp))
        let d = welder.index(of: SIMD3(0, 0, 0))
        #expect(a == 0 && b == 0 && d == 0)
        #expect(c == 1)
        #expect(welder.positions.count == 2)
    }

    @Test func allFormatsReadTheSameTetraFromFiles() throws {
        let dir = temporaryFolder()
        let tetra = MeshSamples.tetra
        var objText = ""
        for p in tetra.positions { objText += "v \(p.x) \(p.y) \(p.z)\n" }
        for t in tetra.triangles { objText += "f \(t.x + 1) \(t.y + 1) \(t.z + 1)\n" }
        let paths = [
            writeBytes(dir, "tetra.obj", Array(objText.utf8)),
            writeBytes(dir, "tetra.OBJ", Array(objText.utf8)),
            writeBytes(dir, "tetra.ply", PLYBuilder.plain(tetra).bytes("ascii")),
            writeBytes(dir, "tetra-le.Ply", PLYBuilder.plain(tetra).bytes("binary_little_endian")),
            writeBytes(dir, "tetra-be.PLY", PLYBuilder.plain(tetra).bytes("binary_big_endian")),
            writeBytes(dir, "tetra.stl", STLBuilder.binary(tetra)),
            writeBytes(dir, "tetra-ascii.STL", STLBuilder.ascii(tetra)),
        ]
        for path in paths {
            #expect(try TriangleMesh.read(path) == tetra, "\(path)")
        }
    }

    @Test func formatFromExtension() {
        #expect(MeshFormat.fromExtension("a/b.obj") == .obj)
        #expect(MeshFormat.fromExtension("B.PLY") == .ply)
        #expect(MeshFormat.fromExtension("c.Stl") == .stl)
        #expect(MeshFormat.fromExtension("mesh") == nil)
        #expect(MeshFormat.fromExtension("dir.obj/mesh") == nil)
        #expect(MeshFormat.fromExtension("mesh.off") == nil)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/work/shared/data/bunny.obj")))
    func stanfordBunny() throws {
        let mesh = try TriangleMesh.read("/work/shared/data/bunny.obj")
        #expect(mesh.positions.count == 2503)
        #expect(mesh.triangles.count == 4968)
        let (lo, hi) = mesh.bounds
        #expect(hi.x > lo.x && hi.y > lo.y && hi.z > lo.z)
    }
}
