/// The marching-cubes case tables, generated once from the cube's geometry rather than copied.
///
/// Numbering (Lorensen/Bourke): corner `i` sits at offset `cornerOffsets[i]` of the cell's lowest
/// corner; edge `e` joins corners `edgeCorners[e]` (edges 0–3 on the bottom face, 4–7 on the top face,
/// 8–11 vertical). A case is an 8-bit index whose bit `i` is set when corner `i` lies *inside*
/// (value < level).
///
/// How the triangles of a case are made: on each of the cube's six faces the iso-contour is a set of
/// segments between the face's crossing edges. A face with four crossings is ambiguous; it is always
/// resolved the same way, *the outside (≥ level) corners are cut off and the inside is connected across
/// the face*. That choice depends only on the face's four signs, so two cells sharing a face always
/// agree, and the extracted surface has no cracks. Each segment is oriented so that the surface on the
/// loop's left has its normal pointing to the outside; the segments chain into closed loops, and each
/// loop is triangulated as a fan from a vertex chosen so that no inner diagonal lies in a cube face.
/// Triangles are counter-clockwise seen from the outside (where the field is ≥ level).
enum MarchingCubesTables {
    /// Corner offsets (x, y, z) within a cell.
    static let cornerOffsets: [SIMD3<Int>] = [
        SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(1, 1, 0), SIMD3(0, 1, 0),
        SIMD3(0, 0, 1), SIMD3(1, 0, 1), SIMD3(1, 1, 1), SIMD3(0, 1, 1),
    ]

    /// The two corners of each edge; the first is the one with the smaller coordinate along the edge's axis.
    static let edgeCorners: [(Int, Int)] = [
        (0, 1), (1, 2), (3, 2), (0, 3),     // bottom face
        (4, 5), (5, 6), (7, 6), (4, 7),     // top face
        (0, 4), (1, 5), (2, 6), (3, 7),     // vertical
    ]

    /// Per edge: (axis 0/1/2, then the x, y, z offset of its lower corner within the cell).
    static let edgeGeometry: [SIMD4<Int32>] = edgeCorners.map { a, b in
        let o = cornerOffsets[a], d = cornerOffsets[b] &- o
        return SIMD4(Int32(d.x == 1 ? 0 : d.y == 1 ? 1 : 2), Int32(o.x), Int32(o.y), Int32(o.z))
    }

    /// Per case: bit `e` set when edge `e` crosses the level.
    static let edgeMasks: [UInt16] = tables.masks

    /// Per case: where its triangles start in `triangleEdges` (257 entries; case `c` owns
    /// `triangleStart[c] ..< triangleStart[c + 1]`, three edge numbers per triangle).
    static let triangleStart: [Int32] = tables.starts

    /// The triangles of all cases, three edge numbers each.
    static let triangleEdges: [UInt8] = tables.edges

    /// The tables, built once.
    private static let tables: (masks: [UInt16], starts: [Int32], edges: [UInt8]) = {
        var masks = [UInt16](repeating: 0, count: 256)
        var starts: [Int32] = [0]
        var edges: [UInt8] = []
        for c in 0..<256 {
            let (mask, triangles) = triangulate(case: c)
            masks[c] = mask
            for t in triangles { edges += [UInt8(t.0), UInt8(t.1), UInt8(t.2)] }
            starts.append(Int32(edges.count))
        }
        return (masks, starts, edges)
    }()

    /// The six faces: four corners in cyclic order and the outward normal.
    private static let faces: [(corners: [Int], normal: SIMD3<Float>)] = [
        ([0, 3, 7, 4], SIMD3(-1, 0, 0)), ([1, 2, 6, 5], SIMD3(1, 0, 0)),
        ([0, 1, 5, 4], SIMD3(0, -1, 0)), ([3, 2, 6, 7], SIMD3(0, 1, 0)),
        ([0, 1, 2, 3], SIMD3(0, 0, -1)), ([4, 5, 6, 7], SIMD3(0, 0, 1)),
    ]

    /// The edge joining corners `a` and `b` (either order).
    private static func edge(_ a: Int, _ b: Int) -> Int {
        edgeCorners.firstIndex { ($0.0 == a && $0.1 == b) || ($0.0 == b && $0.1 == a) }!
    }

    private static func corner(_ i: Int) -> SIMD3<Float> { SIMD3<Float>(cornerOffsets[i]) }

    private static func midpoint(_ e: Int) -> SIMD3<Float> { (corner(edgeCorners[e].0) + corner(edgeCorners[e].1)) / 2 }

    /// The faces (indices into `faces`) an edge lies on.
    private static func facesOf(edge e: Int) -> [Int] {
        let (a, b) = edgeCorners[e]
        return faces.indices.filter { faces[$0].corners.contains(a) && faces[$0].corners.contains(b) }
    }

    /// The crossing-edge mask and the triangles (edge triples) of one case.
    private static func triangulate(case c: Int) -> (UInt16, [(Int, Int, Int)]) {
        func inside(_ i: Int) -> Bool { c >> i & 1 == 1 }
        var mask: UInt16 = 0
        for e in 0..<12 where inside(edgeCorners[e].0) != inside(edgeCorners[e].1) { mask |= 1 << e }
        if mask == 0 { return (0, []) }

        // Oriented contour segments on every face: next[from] = to.
        var next = [Int](repeating: -1, count: 12)
        for face in faces {
            let q = face.corners
            let sides = (0..<4).map { edge(q[$0], q[($0 + 1) % 4]) }   // side k joins q[k] and q[k+1]
            let crossing = (0..<4).filter { mask >> sides[$0] & 1 == 1 }
            var segments: [(Int, Int)] = []                             // pairs of side numbers
            if crossing.count == 2 {
                segments = [(crossing[0], crossing[1])]
            } else if crossing.count == 4 {
                // Ambiguous: cut off the two outside corners (each between sides k-1 and k).
                let k = inside(q[0]) ? 1 : 0
                segments = [((k + 3) % 4, k), ((k + 1) % 4, (k + 2) % 4)]
            }
            for (s0, s1) in segments {
                let ea = sides[s0], eb = sides[s1]
                let mid = (midpoint(ea) + midpoint(eb)) / 2
                // g: the in-face direction from the inside region towards the outside region.
                var g: SIMD3<Float>
                if (s0 + 1) % 4 == s1 || (s1 + 1) % 4 == s0 {
                    let shared = q[(s0 + 1) % 4 == s1 ? s1 : s0]          // the corner between two adjacent sides
                    g = inside(shared) ? mid - corner(shared) : corner(shared) - mid
                } else {
                    var outSum = SIMD3<Float>.zero, inSum = SIMD3<Float>.zero
                    for i in q { if inside(i) { inSum += corner(i) } else { outSum += corner(i) } }
                    g = outSum / 2 - inSum / 2
                }
                // The surface's boundary runs along g × n (n: the face's outward normal).
                let t = cross(g, face.normal)
                let forward = dot(midpoint(eb) - midpoint(ea), t) > 0
                let (from, to) = forward ? (ea, eb) : (eb, ea)
                precondition(next[from] == -1, "MarchingCubesTables: inconsistent contour orientation")
                next[from] = to
            }
        }

        // Chain the segments into loops and triangulate each loop.
        var triangles: [(Int, Int, Int)] = []
        var visited = [Bool](repeating: false, count: 12)
        for start in 0..<12 where mask >> start & 1 == 1 && !visited[start] {
            var loop: [Int] = []
            var e = start
            repeat {
                precondition(e >= 0 && !visited[e], "MarchingCubesTables: open contour")
                visited[e] = true
                loop.append(e)
                e = next[e]
            } while e != start
            triangles += fan(loop)
        }
        return (mask, triangles)
    }

    /// A fan triangulation of a loop whose inner diagonals avoid joining two edges of one cube face
    /// (such a diagonal would lie in the face and could be shared with the neighbouring cell).
    private static func fan(_ loop: [Int]) -> [(Int, Int, Int)] {
        let n = loop.count
        var apex = 0
        if n > 3 {
            for candidate in 0..<n {
                let a = loop[candidate]
                let ok = (2..<(n - 1)).allSatisfy { k in
                    Set(facesOf(edge: a)).isDisjoint(with: facesOf(edge: loop[(candidate + k) % n]))
                }
                if ok { apex = candidate; break }
            }
        }
        return (1..<(n - 1)).map { k in (loop[apex], loop[(apex + k) % n], loop[(apex + k + 1) % n]) }
    }
}
