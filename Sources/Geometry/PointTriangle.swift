import Foundation

/// The point of triangle `a b c` closest to `p`, with its barycentric coordinates (weights of a, b, c),
/// found by classifying `p` against the triangle's Voronoi regions (3 vertices, 3 edges, the face).
/// Degenerate (zero-area) triangles fall back to the closest of their three edges.
@inline(__always)
public func closestPointOnTriangle(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>,
                                   _ c: SIMD3<Float>) -> (point: SIMD3<Float>, barycentric: SIMD3<Float>) {
    let ab = b - a, ac = c - a, ap = p - a
    let n = cross(ab, ac)
    if !(dot(n, n) > 0) { return closestPointOnDegenerateTriangle(p, a, b, c) }
    let d1 = dot(ab, ap), d2 = dot(ac, ap)
    if d1 <= 0 && d2 <= 0 { return (a, SIMD3(1, 0, 0)) }                       // vertex a
    let bp = p - b
    let d3 = dot(ab, bp), d4 = dot(ac, bp)
    if d3 >= 0 && d4 <= d3 { return (b, SIMD3(0, 1, 0)) }                      // vertex b
    let vc = d1 * d4 - d3 * d2
    if vc <= 0 && d1 >= 0 && d3 <= 0 {                                         // edge ab
        let v = d1 / (d1 - d3)
        return (a + v * ab, SIMD3(1 - v, v, 0))
    }
    let cp = p - c
    let d5 = dot(ab, cp), d6 = dot(ac, cp)
    if d6 >= 0 && d5 <= d6 { return (c, SIMD3(0, 0, 1)) }                      // vertex c
    let vb = d5 * d2 - d1 * d6
    if vb <= 0 && d2 >= 0 && d6 <= 0 {                                         // edge ac
        let w = d2 / (d2 - d6)
        return (a + w * ac, SIMD3(1 - w, 0, w))
    }
    let va = d3 * d6 - d5 * d4
    if va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0 {                               // edge bc
        let w = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        return (b + w * (c - b), SIMD3(0, 1 - w, w))
    }
    let denominator = va + vb + vc                                             // face
    if !(denominator > 0) { return closestPointOnDegenerateTriangle(p, a, b, c) }
    let v = vb / denominator, w = vc / denominator
    return (a + v * ab + w * ac, SIMD3(1 - v - w, v, w))
}

/// The squared distance from `p` to triangle `a b c`.
@inline(__always)
public func distanceSquaredToTriangle(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, _ c: SIMD3<Float>) -> Float {
    let q = closestPointOnTriangle(p, a, b, c).point - p
    return dot(q, q)
}

/// The closest point of the three edges of a degenerate triangle (a segment or a point).
private func closestPointOnDegenerateTriangle(_ p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>,
                                              _ c: SIMD3<Float>) -> (point: SIMD3<Float>, barycentric: SIMD3<Float>) {
    var best = (point: a, barycentric: SIMD3<Float>(1, 0, 0))
    var bestDistance = Float.infinity
    let corners = [a, b, c]
    for i in 0..<3 {
        let u = corners[i], v = corners[(i + 1) % 3]
        let e = v - u
        let ee = dot(e, e)
        let t = ee > 0 ? min(max(dot(p - u, e) / ee, 0), 1) : 0
        let q = u + t * e
        let d = dot(q - p, q - p)
        if d < bestDistance {
            bestDistance = d
            var bary = SIMD3<Float>.zero
            bary[i] = 1 - t
            bary[(i + 1) % 3] += t
            best = (q, bary)
        }
    }
    return best
}

/// The signed solid angle (steradians) that triangle `a b c` subtends at `p`: positive when `p` sees the
/// triangle's back (the side opposite its counter-clockwise normal), so a closed, outward-facing mesh sums
/// to 4π inside and 0 outside. Van Oosterom & Strackee's formula, tan(Ω/2) = det / denominator.
@inline(__always)
public func solidAngle(at p: SIMD3<Float>, _ a: SIMD3<Float>, _ b: SIMD3<Float>, _ c: SIMD3<Float>) -> Float {
    let x = SIMD3<Double>(a - p), y = SIMD3<Double>(b - p), z = SIMD3<Double>(c - p)
    let lx = (x * x).sum().squareRoot(), ly = (y * y).sum().squareRoot(), lz = (z * z).sum().squareRoot()
    let yz = SIMD3(y.y * z.z - y.z * z.y, y.z * z.x - y.x * z.z, y.x * z.y - y.y * z.x)
    let det = (x * yz).sum()
    let denominator = lx * ly * lz + (x * y).sum() * lz + (x * z).sum() * ly + (y * z).sum() * lx
    if det == 0 && denominator == 0 { return 0 }
    return Float(2 * atan2(det, denominator))
}
