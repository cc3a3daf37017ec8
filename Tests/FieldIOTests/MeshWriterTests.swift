import Foundation
import Testing
@testable import FieldIO

/// Writing OBJ and PLY: files read back as the same mesh, bit for bit, normals included.
@Suite struct MeshWriterTests {
    @Test(arguments: [false, true])
    func plyRoundTrip(binary: Bool) throws {
        let dir = temporaryFolder()
        for normals in [false, true] {
            let mesh = MeshSamples.strip(500, normals: normals)
            let path = dir + "/strip-\(normals).ply"
            try mesh.writePLY(to: path, binary: binary)
            let back = try TriangleMesh.read(path)
            #expect(back == mesh)
            #expect(back.positions.map(\.x.bitPattern) == mesh.positions.map(\.x.bitPattern))
            #expect(back.normals.count == (normals ? mesh.positions.count : 0))
        }
    }

    @Test func objRoundTrip() throws {
        let dir = temporaryFolder()
        for normals in [false, true] {
            let mesh = MeshSamples.strip(500, normals: normals)
            let path = dir + "/strip-\(normals).obj"
            try mesh.writeOBJ(to: path)
            let back = try TriangleMesh.read(path)
            #expect(back == mesh)
            #expect(back.normals.count == (normals ? mesh.positions.count : 0))
        }
    }

    @Test func objNormalsOfUnusedVerticesSurvive() throws {
        var mesh = MeshSamples.tetra
        mesh.positions.append(SIMD3(5, 5, 5))  // used by no triangle
        mesh.normals = [SIMD3(0, 0, 1), SIMD3(0, 1, 0), SIMD3(1, 0, 0), SIMD3(0.6, 0.8, 0), SIMD3(-1, 0, 0)]
        let back = try TriangleMesh.decodeOBJ(bytes: mesh.encodeOBJ(), file: "n.obj")
        #expect(back == mesh)
    }

    @Test func writtenTextLooksAsExpected() throws {
        let mesh = TriangleMesh(positions: [SIMD3(0, 0, 0), SIMD3(1.5, -0.25, 0), SIMD3(0, 0.1, 1e-7)],
                                triangles: [SIMD3(0, 1, 2)], normals: [SIMD3(0, 0, 1), SIMD3(0, 0, 1), SIMD3(0, 0, -1)])
        let obj = String(decoding: mesh.encodeOBJ(), as: UTF8.self)
        #expect(obj.hasSuffix("v 0 0 0\nv 1.5 -0.25 0\nv 0 0.1 1e-7\nvn 0 0 1\nvn 0 0 1\nvn 0 0 -1\nf 1//1 2//2 3//3\n"))
        let ply = String(decoding: mesh.encodePLY(), as: UTF8.self)
        #expect(ply.hasPrefix("ply\nformat ascii 1.0\n"))
        #expect(ply.contains("element vertex 3\nproperty float x\nproperty float y\nproperty float z\nproperty float nx\n"))
        #expect(ply.hasSuffix("end_header\n0 0 0 0 0 1\n1.5 -0.25 0 0 0 1\n0 0.1 1e-7 0 0 -1\n3 0 1 2\n"))
        let plain = TriangleMesh(positions: mesh.positions, triangles: mesh.triangles)
        #expect(String(decoding: plain.encodeOBJ(), as: UTF8.self).hasSuffix("f 1 2 3\n"))
        let binary = plain.encodePLY(binary: true)
        #expect(binary.count == String(decoding: binary.prefix(200), as: UTF8.self).components(separatedBy: "end_header\n")[0].utf8.count
                + "end_header\n".utf8.count + 3 * 12 + 13)
    }

    @Test func writeChoosesTheFormatByExtension() throws {
        let dir = temporaryFolder()
        let mesh = MeshSamples.cube
        try mesh.write(to: dir + "/a.OBJ")
        try mesh.write(to: dir + "/a.ply")
        #expect(try TriangleMesh.read(dir + "/a.OBJ") == mesh)
        #expect(try TriangleMesh.read(dir + "/a.ply") == mesh)
        let stl = caught { () throws(FieldError) in try mesh.write(to: dir + "/a.stl") }
        #expect(stl?.message.contains("writing STL is not supported") == true)
        let unknown = caught { () throws(FieldError) in try mesh.write(to: dir + "/a.txt") }
        #expect(unknown?.message.contains("unknown mesh file extension") == true)
    }

    @Test func writingLeavesNoTemporaryFilesAndReportsBadFolders() throws {
        let dir = temporaryFolder()
        try MeshSamples.cube.writePLY(to: dir + "/cube.ply", binary: true)
        try MeshSamples.cube.writePLY(to: dir + "/cube.ply")  // replaces the file
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["cube.ply"])
        let error = caught { () throws(FieldError) in try MeshSamples.cube.writeOBJ(to: dir + "/missing/cube.obj") }
        #expect(error?.file == dir + "/missing/cube.obj")
    }

    @Test func extremeFloatsRoundTripThroughText() throws {
        var values: [Float] = [0, -0.0, 1, -1, 0.1, 1e-5, 1e-6, 123456792, 1e15, 1e16, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, 3.4e38, 9.999999e14,
                               0.3, 16777216, 8388607.5, Float(bitPattern: 18), Float.leastNormalMagnitude.nextDown]
        for i in 0..<3000 { values.append(Float(bitPattern: UInt32(truncatingIfNeeded: Int(sample(i) * 4e9)) & 0x7FFF_FFFF | (i % 2 == 0 ? 0 : 0x8000_0000))) }
        values = values.filter(\.isFinite)
        while values.count % 3 != 0 { values.append(0.5) }
        let positions = stride(from: 0, to: values.count, by: 3).map { SIMD3(values[$0], values[$0 + 1], values[$0 + 2]) }
        let mesh = TriangleMesh(positions: positions, triangles: [SIMD3(0, 1, 2)])
        for bytes in [mesh.encodeOBJ(), mesh.encodePLY()] {
            let back = try bytes.first == UInt8(ascii: "p")
                ? TriangleMesh.decodePLY(bytes: bytes, file: "x.ply") : TriangleMesh.decodeOBJ(bytes: bytes, file: "x.obj")
            #expect(back.positions.count == positions.count)
            for (a, b) in zip(back.positions, positions) where a != b || a.x.sign != b.x.sign {
                Issue.record("\(b) came back as \(a)")
            }
        }
    }
}
