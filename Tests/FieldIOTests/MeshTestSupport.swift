import Foundation
import Testing
@testable import FieldIO

/// Small meshes and byte-level file builders for the mesh reader and writer tests.
enum MeshSamples {
    /// A tetrahedron whose vertices appear in triangle order (so STL welding numbers them the same way).
    static let tetra = TriangleMesh(
        positions: [SIMD3(0, 0, 0), SIMD3(0, 1, 0), SIMD3(1, 0, 0), SIMD3(0, 0, 1)],
        triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(0, 3, 1), SIMD3(2, 1, 3)])

    /// A unit cube with 8 vertices and 12 triangles (each quad `a b c d` split as `a b c`, `a c d`).
    static let cubeQuads: [[UInt32]] = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [2, 3, 7, 6], [1, 2, 6, 5], [0, 4, 7, 3]]
    static let cube = TriangleMesh(
        positions: [SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 0), SIMD3(0, 1, 0),
                    SIMD3(0, 0, 1), SIMD3(1, 0, 1), SIMD3(1, 1, 1), SIMD3(0, 1, 1)],
        triangles: cubeQuads.flatMap { q in [SIMD3(q[0], q[1], q[2]), SIMD3(q[0], q[2], q[3])] })

    /// The cube as OBJ text with quads.
    static var cubeOBJ: String {
        var s = "# cube\n"
        for p in cube.positions { s += "v \(p.x) \(p.y) \(p.z)\n" }
        for q in cubeQuads { s += "f " + q.map { String($0 + 1) }.joined(separator: " ") + "\n" }
        return s
    }

    /// A mesh of `n` triangles in a strip with irregular coordinates, and per-vertex normals when asked.
    static func strip(_ n: Int, normals: Bool) -> TriangleMesh {
        let count = n + 2
        let positions = (0..<count).map { (i: Int) -> SIMD3<Float> in
            let x: Float = Float(i) * 0.37 + sample(i) * 1e-3
            let y: Float = Float(i % 2) + sample(i, seed: 2)
            let z: Float = sample(i, seed: 3) * 1e4 - 5e3
            return SIMD3(x, y, z)
        }
        var triangles: [SIMD3<UInt32>] = []
        for i in 0..<UInt32(n) {
            triangles.append(i % 2 == 0 ? SIMD3(i, i + 1, i + 2) : SIMD3(i + 1, i, i + 2))
        }
        var ns: [SIMD3<Float>] = []
        if normals {
            for i in 0..<count {
                let v = SIMD3<Float>(sample(i, seed: 4) - 0.5, sample(i, seed: 5) - 0.5, 0.25)
                ns.append(v / (v * v).sum().squareRoot())
            }
        }
        return TriangleMesh(positions: positions, triangles: triangles, normals: ns)
    }
}

/// Builds PLY files byte by byte from rows of typed values, so that every scalar type, both byte orders,
/// lists and extra elements can be tested.
struct PLYBuilder {
    /// A value with its PLY type name.
    enum Value {
        case scalar(String, Double)
        case list(String, String, [Double])
    }

    struct Element {
        var name: String
        var properties: [String]  // header lines after "property "
        var rows: [[Value]]
    }

    var elements: [Element] = []
    var comments: [String] = ["made by PLYBuilder"]

    /// The file in `format`: "ascii", "binary_little_endian" or "binary_big_endian".
    func bytes(_ format: String, lineEnd: String = "\n") -> [UInt8] {
        var header = "ply\(lineEnd)format \(format) 1.0\(lineEnd)"
        for c in comments { header += "comment \(c)\(lineEnd)" }
        for e in elements {
            header += "element \(e.name) \(e.rows.count)\(lineEnd)"
            for p in e.properties { header += "property \(p)\(lineEnd)" }
        }
        header += "end_header\(lineEnd)"
        var out = Array(header.utf8)
        for e in elements {
            for row in e.rows {
                if format == "ascii" {
                    var words: [String] = []
                    for v in row {
                        switch v {
                        case .scalar(let t, let x): words.append(Self.text(t, x))
                        case .list(let ct, let it, let xs):
                            words.append(Self.text(ct, Double(xs.count)))
                            words += xs.map { Self.text(it, $0) }
                        }
                    }
                    out += Array((words.joined(separator: " ") + lineEnd).utf8)
                } else {
                    let big = format == "binary_big_endian"
                    for v in row {
                        switch v {
                        case .scalar(let t, let x): out += Self.binary(t, x, bigEndian: big)
                        case .list(let ct, let it, let xs):
                            out += Self.binary(ct, Double(xs.count), bigEndian: big)
                            for x in xs { out += Self.binary(it, x, bigEndian: big) }
                        }
                    }
                }
            }
        }
        return out
    }

    static func text(_ type: String, _ x: Double) -> String {
        ["float", "float32", "double", "float64"].contains(type) ? "\(x)" : String(Int(x))
    }

    static func binary(_ type: String, _ x: Double, bigEndian: Bool) -> [UInt8] {
        var le: [UInt8]
        switch type {
        case "char", "int8": le = [UInt8(bitPattern: Int8(x))]
        case "uchar", "uint8": le = [UInt8(x)]
        case "short", "int16": le = withUnsafeBytes(of: Int16(x).littleEndian, Array.init)
        case "ushort", "uint16": le = withUnsafeBytes(of: UInt16(x).littleEndian, Array.init)
        case "int", "int32": le = withUnsafeBytes(of: Int32(x).littleEndian, Array.init)
        case "uint", "uint32": le = withUnsafeBytes(of: UInt32(x).littleEndian, Array.init)
        case "float", "float32": le = withUnsafeBytes(of: Float(x).bitPattern.littleEndian, Array.init)
        case "double", "float64": le = withUnsafeBytes(of: x.bitPattern.littleEndian, Array.init)
        default: fatalError("unknown test type \(type)")
        }
        return bigEndian ? le.reversed() : le
    }

    /// A plain PLY of `mesh`: float x y z, and `list uchar int vertex_indices`.
    static func plain(_ mesh: TriangleMesh) -> PLYBuilder {
        PLYBuilder(elements: [
            Element(name: "vertex", properties: ["float x", "float y", "float z"],
                    rows: mesh.positions.map { p in [.scalar("float", Double(p.x)), .scalar("float", Double(p.y)), .scalar("float", Double(p.z))] }),
            Element(name: "face", properties: ["list uchar int vertex_indices"],
                    rows: mesh.triangles.map { t in [.list("uchar", "int", [Double(t.x), Double(t.y), Double(t.z)])] }),
        ])
    }
}

/// Builds STL files, binary or ASCII, from a mesh's triangles.
enum STLBuilder {
    static func binary(_ mesh: TriangleMesh, header: String = "binary STL made by a test") -> [UInt8] {
        var out = Array(header.utf8.prefix(80))
        out += [UInt8](repeating: 0x20, count: 80 - out.count)
        out += withUnsafeBytes(of: UInt32(mesh.triangles.count).littleEndian, Array.init)
        for t in mesh.triangles {
            out += [UInt8](repeating: 0, count: 12)  // normal
            for k in 0..<3 {
                let p = mesh.positions[Int(t[k])]
                for x in [p.x, p.y, p.z] { out += withUnsafeBytes(of: x.bitPattern.littleEndian, Array.init) }
            }
            out += [0, 0]
        }
        return out
    }

    static func ascii(_ mesh: TriangleMesh, name: String = "test") -> [UInt8] {
        var s = "solid \(name)\n"
        for t in mesh.triangles {
            s += "  facet normal 0 0 0\n    outer loop\n"
            for k in 0..<3 {
                let p = mesh.positions[Int(t[k])]
                s += "      vertex \(p.x) \(p.y) \(p.z)\n"
            }
            s += "    endloop\n  endfacet\n"
        }
        s += "endsolid \(name)\n"
        return Array(s.utf8)
    }
}

/// Decodes `bytes` as `format`, expecting an error whose one-line text names `file` and contains `words`;
/// returns the error.
@discardableResult
func expectMeshError(_ bytes: [UInt8], _ format: MeshFormat, _ words: [String], location: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation) -> FieldError? {
    let file = "/data/broken." + format.rawValue
    let error = caught { () throws(FieldError) in try TriangleMesh.decode(bytes, format: format, file: file) }
    guard let error else {
        Issue.record("decoding did not fail", sourceLocation: sourceLocation)
        return nil
    }
    let text = error.description
    #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
    #expect(text.hasPrefix(file + ": "), "\(text)", sourceLocation: sourceLocation)
    for w in words { #expect(text.contains(w), "\(text)", sourceLocation: sourceLocation) }
    if let location { #expect(error.location == location, "\(text)", sourceLocation: sourceLocation) }
    return error
}
