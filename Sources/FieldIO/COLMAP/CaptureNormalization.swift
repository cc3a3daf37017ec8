/// How a posed capture (COLMAP's world) is placed in a transforms.json's world, as instant-ngp's
/// colmap2nerf.py places it: cameras converted to OpenGL camera-to-world (camera x right, y up, looking
/// down −z), the world rotated so the cameras' mean up is +z (our lego/Blender convention), centred on the
/// point the cameras look at (least-squares closest point to every optical axis) and scaled so the
/// cameras' mean distance from it is 4 (instant-ngp's `scale` 0.33 then puts them 1.32 from the centre).
///
/// A world point maps as `p ↦ scale · (rotation · p − center)`.
public struct CaptureNormalization: Equatable, Sendable {
    /// Row-major 3×3 rotation applied first.
    public var rotation: [Double]
    /// The look-at point in rotated coordinates (subtracted after rotating).
    public var center: SIMD3<Double>
    /// Uniform scale applied last.
    public var scale: Double

    /// The mean camera distance from the centre after normalising (colmap2nerf's 4).
    public static let meanCameraDistance = 4.0

    /// A normalisation from its values.
    public init(rotation: [Double], center: SIMD3<Double>, scale: Double) {
        self.rotation = rotation; self.center = center; self.scale = scale
    }

    /// The normalisation for cameras given as OpenGL camera-to-world matrices (16 numbers, row-major) in
    /// the original world. `points` (e.g. the sparse cloud) steady the look-at point when the optical axes
    /// are nearly parallel (a forward-facing capture), where it would be ill-determined along them.
    public init(cameraToWorld poses: [[Double]], points: [SIMD3<Double>] = []) {
        precondition(!poses.isEmpty, "normalising needs at least one camera")
        func col(_ m: [Double], _ j: Int) -> SIMD3<Double> { SIMD3(m[j], m[4 + j], m[8 + j]) }
        let up = poses.reduce(SIMD3<Double>()) { $0 + col($1, 1) }
        let r = CaptureNormalization.rotation(from: up, to: SIMD3(0, 0, 1))
        func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> { CaptureNormalization.multiply(r, v) }
        let origins = poses.map { rotate(col($0, 3)) }
        let directions = poses.map { normalize(-rotate(col($0, 2))) }
        // Σ (I − d dᵀ) p = Σ (I − d dᵀ) o, with a small pull towards a prior that keeps it solvable.
        var a = [Double](repeating: 0, count: 9), b = SIMD3<Double>()
        for (o, d) in zip(origins, directions) {
            for i in 0..<3 { for j in 0..<3 { a[3 * i + j] += (i == j ? 1 : 0) - d[i] * d[j] } }
            b += o - d * (d * o).sum()
        }
        let prior = points.isEmpty ? origins.reduce(SIMD3<Double>(), +) / Double(origins.count)
            : CaptureNormalization.median(points.map(rotate))
        let ridge = 1e-4 * Double(poses.count)
        for i in 0..<3 { a[4 * i] += ridge }
        b += prior * ridge
        let center = CaptureNormalization.solve(a, b) ?? prior
        let mean = origins.reduce(0) { $0 + length($1 - center) } / Double(origins.count)
        self.init(rotation: r, center: center, scale: mean > 1e-12 ? CaptureNormalization.meanCameraDistance / mean : 1)
    }

    /// A point of the original world in normalised coordinates.
    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { scale * (CaptureNormalization.multiply(rotation, p) - center) }

    /// An OpenGL camera-to-world pose (16 numbers) in normalised coordinates: axes rotated, position mapped.
    public func apply(pose m: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 16)
        for j in 0..<3 {
            let axis = CaptureNormalization.multiply(rotation, SIMD3(m[j], m[4 + j], m[8 + j]))
            for i in 0..<3 { out[4 * i + j] = axis[i] }
        }
        let t = apply(SIMD3(m[3], m[7], m[11]))
        for i in 0..<3 { out[4 * i + 3] = t[i] }
        out[15] = 1
        return out
    }

    /// COLMAP's world → camera pose (row-major rotation, translation; OpenCV axes) as an OpenGL
    /// camera-to-world matrix: the inverse, with the camera's y and z axes flipped (colmap2nerf's flip).
    public static func openGLCameraToWorld(worldToCamera r: [Double], translation t: SIMD3<Double>) -> [Double] {
        // Rᵀ's columns are the camera axes in the world; the centre is −Rᵀt.
        let cx: Double = r[0] * t.x + r[3] * t.y + r[6] * t.z
        let cy: Double = r[1] * t.x + r[4] * t.y + r[7] * t.z
        let cz: Double = r[2] * t.x + r[5] * t.y + r[8] * t.z
        let c = SIMD3<Double>(-cx, -cy, -cz)
        return [r[0], -r[3], -r[6], c.x,
                r[1], -r[4], -r[7], c.y,
                r[2], -r[5], -r[8], c.z,
                0, 0, 0, 1]
    }

    // MARK: small linear algebra

    /// The rotation taking direction `a` onto direction `b` (Rodrigues); a half turn about a
    /// perpendicular axis when they are opposite; identity for a zero `a`.
    static func rotation(from a: SIMD3<Double>, to b: SIMD3<Double>) -> [Double] {
        let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        guard length(a) > 1e-12 else { return identity }
        let u = normalize(a), v = normalize(b)
        let c = (u * v).sum()
        if c > 1 - 1e-12 { return identity }
        if c < -1 + 1e-12 {
            var axis = cross(u, SIMD3(1, 0, 0))
            if length(axis) < 1e-6 { axis = cross(u, SIMD3(0, 1, 0)) }
            axis = normalize(axis)
            return (0..<9).map { (i: Int) -> Double in
                let outer: Double = 2 * axis[i / 3] * axis[i % 3]
                return outer - identity[i]
            }
        }
        let k = cross(u, v)
        let kx: [Double] = [0, -k.z, k.y, k.z, 0, -k.x, -k.y, k.x, 0]
        let f = 1 / (1 + c)
        return (0..<9).map { (i: Int) -> Double in
            let row = i / 3, column = i % 3
            var kk = 0.0
            for j in 0..<3 { kk += kx[3 * row + j] * kx[3 * j + column] }
            return identity[i] + kx[i] + kk * f
        }
    }

    static func multiply(_ m: [Double], _ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z, m[6] * v.x + m[7] * v.y + m[8] * v.z)
    }

    /// `a⁻¹ b` for a row-major 3×3 `a` (Cramer's rule), nil when `a` is singular.
    static func solve(_ a: [Double], _ b: SIMD3<Double>) -> SIMD3<Double>? {
        func det(_ m: [Double]) -> Double {
            m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        }
        let d = det(a)
        guard abs(d) > 1e-18 else { return nil }
        var x = SIMD3<Double>()
        for k in 0..<3 {
            var m = a
            for i in 0..<3 { m[3 * i + k] = b[i] }
            x[k] = det(m) / d
        }
        return x
    }

    /// The per-axis median of `points`.
    static func median(_ points: [SIMD3<Double>]) -> SIMD3<Double> {
        var m = SIMD3<Double>()
        for k in 0..<3 { let s = points.map { $0[k] }.sorted(); m[k] = s[s.count / 2] }
        return m
    }
}

private func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
private func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / length(v) }
private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
