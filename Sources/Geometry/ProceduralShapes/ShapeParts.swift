import FieldIO
import Foundation

/// Closed triangle-mesh parts that the procedural shape families are assembled from: solids of revolution,
/// tubes swept along closed or open curves, boxes. Every part is closed (each edge shared by exactly two
/// triangles, in opposite directions) and oriented outward (positive signed volume), so a union of parts
/// keeps a generalized winding number ≥ 1 inside and 0 outside.
public enum ShapeParts {
    /// A solid of revolution about the y axis: `profile` is a list of (radius, height) points from the bottom
    /// pole to the top pole; the first and last radius must be 0 (the poles), the others positive.
    public static func revolution(_ profile: [SIMD2<Float>], segments: Int = 48) -> TriangleMesh {
        precondition(profile.count >= 3 && profile.first!.x == 0 && profile.last!.x == 0, "ShapeParts.revolution: profile must run pole to pole")
        let n = max(3, segments)
        let rings = profile.count - 2
        var positions: [SIMD3<Float>] = [SIMD3(0, profile[0].y, 0)]
        for k in 1...rings {
            for j in 0..<n {
                let a = 2 * Float.pi * Float(j) / Float(n)
                positions.append(SIMD3(profile[k].x * cos(a), profile[k].y, profile[k].x * sin(a)))
            }
        }
        positions.append(SIMD3(0, profile[profile.count - 1].y, 0))
        let top = UInt32(positions.count - 1)
        func ring(_ k: Int, _ j: Int) -> UInt32 { UInt32(1 + (k - 1) * n + (j % n)) }
        var triangles: [SIMD3<UInt32>] = []
        for j in 0..<n { triangles.append(SIMD3(0, ring(1, j), ring(1, j + 1))) }
        if rings > 1 {
            for k in 1..<rings {
                for j in 0..<n {
                    triangles.append(SIMD3(ring(k, j), ring(k + 1, j), ring(k + 1, j + 1)))
                    triangles.append(SIMD3(ring(k, j), ring(k + 1, j + 1), ring(k, j + 1)))
                }
            }
        }
        for j in 0..<n { triangles.append(SIMD3(top, ring(rings, j + 1), ring(rings, j))) }
        return orientedOutward(TriangleMesh(positions: positions, triangles: triangles))
    }

    /// The profile of an ellipse from pole to pole (radius `r`, half-height `h`), `steps` points per half-turn.
    public static func ellipseProfile(radius r: Float, halfHeight h: Float, center: Float = 0, steps: Int = 24) -> [SIMD2<Float>] {
        (0...steps).map { i in
            let t = Float.pi * Float(i) / Float(steps) - Float.pi / 2
            return SIMD2(i == 0 || i == steps ? 0 : r * cos(t), center + h * sin(t))
        }
    }

    /// A tube of radius `radius` swept along the closed curve through `points` (the last point connects back to
    /// the first), with rotation-minimizing frames whose closing twist is spread evenly along the curve.
    public static func closedTube(_ points: [SIMD3<Float>], radius: Float, sides: Int = 16) -> TriangleMesh {
        let frames = sweepFrames(points, closed: true)
        return tube(points, frames: frames, radius: radius, sides: sides, closed: true)
    }

    /// A tube of radius `radius` along the open curve through `points`, closed by flat caps at both ends.
    public static func cappedTube(_ points: [SIMD3<Float>], radius: Float, sides: Int = 16) -> TriangleMesh {
        let frames = sweepFrames(points, closed: false)
        return tube(points, frames: frames, radius: radius, sides: sides, closed: false)
    }

    /// An axis-aligned box with the given centre and size.
    public static func box(center: SIMD3<Float>, size: SIMD3<Float>) -> TriangleMesh {
        ProceduralMesh.box(min: center - size / 2, max: center + size / 2)
    }

    /// The parts as one mesh (vertices renumbered; parts may overlap, each stays closed).
    public static func union(_ parts: [TriangleMesh]) -> TriangleMesh {
        var positions: [SIMD3<Float>] = []
        var triangles: [SIMD3<UInt32>] = []
        for part in parts {
            let base = UInt32(positions.count)
            positions += part.positions
            triangles += part.triangles.map { $0 &+ SIMD3(repeating: base) }
        }
        return TriangleMesh(positions: positions, triangles: triangles)
    }

    /// Six times the signed volume enclosed by a closed mesh (positive when its triangles face outward).
    public static func signedVolume6(_ mesh: TriangleMesh) -> Double {
        var v = 0.0
        for t in mesh.triangles {
            let a = mesh.positions[Int(t.x)], b = mesh.positions[Int(t.y)], c = mesh.positions[Int(t.z)]
            v += Double(dot(a, cross(b, c)))
        }
        return v
    }

    /// `mesh` with every triangle flipped when its signed volume is negative.
    static func orientedOutward(_ mesh: TriangleMesh) -> TriangleMesh {
        guard signedVolume6(mesh) < 0 else { return mesh }
        return TriangleMesh(positions: mesh.positions, triangles: mesh.triangles.map { SIMD3($0.x, $0.z, $0.y) })
    }

    /// A (normal, binormal) pair per curve point, perpendicular to the tangent, transported without twist.
    private static func sweepFrames(_ points: [SIMD3<Float>], closed: Bool) -> [(SIMD3<Float>, SIMD3<Float>)] {
        let n = points.count
        func tangent(_ i: Int) -> SIMD3<Float> {
            if closed { return normalized(points[(i + 1) % n] - points[(i + n - 1) % n]) }
            return normalized(points[min(i + 1, n - 1)] - points[max(i - 1, 0)])
        }
        let t0 = tangent(0)
        let helper: SIMD3<Float> = abs(t0.y) < 0.9 ? SIMD3(0, 1, 0) : SIMD3(1, 0, 0)
        var normal = normalized(cross(t0, helper))
        var normals: [SIMD3<Float>] = [normal]
        for i in 1..<n {
            let t = tangent(i)
            normal = normalized(normal - dot(normal, t) * t)
            normals.append(normal)
        }
        var twist: Float = 0
        if closed {
            // The transported normal after a full loop, against the first: spread that angle over the points.
            let t = tangent(0)
            let back = normalized(normal - dot(normal, t) * t)
            twist = atan2(dot(cross(back, normals[0]), t), dot(back, normals[0]))
        }
        return (0..<n).map { i in
            let t = tangent(i)
            let angle = twist * Float(i) / Float(n)
            let nn = normals[i], bb = cross(t, nn)
            let rotated = cos(angle) * nn + sin(angle) * bb
            return (rotated, cross(t, rotated))
        }
    }

    private static func tube(_ points: [SIMD3<Float>], frames: [(SIMD3<Float>, SIMD3<Float>)], radius: Float,
                             sides: Int, closed: Bool) -> TriangleMesh {
        let n = points.count, m = max(3, sides)
        var positions: [SIMD3<Float>] = []
        for i in 0..<n {
            let (nn, bb) = frames[i]
            for j in 0..<m {
                let a = 2 * Float.pi * Float(j) / Float(m)
                positions.append(points[i] + radius * (cos(a) * nn + sin(a) * bb))
            }
        }
        func index(_ i: Int, _ j: Int) -> UInt32 { UInt32((i % n) * m + (j % m)) }
        var triangles: [SIMD3<UInt32>] = []
        for i in 0..<(closed ? n : n - 1) {
            for j in 0..<m {
                triangles.append(SIMD3(index(i, j), index(i + 1, j), index(i + 1, j + 1)))
                triangles.append(SIMD3(index(i, j), index(i + 1, j + 1), index(i, j + 1)))
            }
        }
        if !closed {
            let start = UInt32(positions.count)
            positions.append(points[0])
            let end = UInt32(positions.count)
            positions.append(points[n - 1])
            for j in 0..<m {
                triangles.append(SIMD3(start, index(0, j), index(0, j + 1)))
                triangles.append(SIMD3(end, index(n - 1, j + 1), index(n - 1, j)))
            }
        }
        return orientedOutward(TriangleMesh(positions: positions, triangles: triangles))
    }
}
