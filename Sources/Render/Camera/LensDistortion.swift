import FieldIO

/// OpenCV radial-tangential lens distortion on normalised image coordinates (x right, y down, in
/// focal-length units from the principal point): radial factor `1 + k1·r² + k2·r⁴ + k3·r⁶ + k4·r⁸`,
/// tangential `p1`, `p2`. `distort` maps an ideal pinhole point to where the lens puts it; `undistort`
/// inverts that with Newton's method, which is what making a ray through an observed pixel needs.
public struct LensDistortion: Equatable, Sendable {
    /// Radial terms of r², r⁴, r⁶, r⁸.
    public var k1: Float, k2: Float, k3: Float, k4: Float
    /// Tangential terms.
    public var p1: Float, p2: Float

    /// A distortion from its coefficients (each defaults to zero).
    public init(k1: Float = 0, k2: Float = 0, k3: Float = 0, k4: Float = 0, p1: Float = 0, p2: Float = 0) {
        self.k1 = k1; self.k2 = k2; self.k3 = k3; self.k4 = k4
        self.p1 = p1; self.p2 = p2
    }

    /// The distortion a dataset's coefficients describe; nil when they are all zero (a pinhole).
    public init?(_ c: DistortionCoefficients) {
        guard !c.isZero else { return nil }
        self.init(k1: Float(c.k1), k2: Float(c.k2), k3: Float(c.k3), k4: Float(c.k4), p1: Float(c.p1), p2: Float(c.p2))
    }

    /// Where the lens images the ideal normalised point `p`.
    @inline(__always)
    public func distort(_ p: SIMD2<Float>) -> SIMD2<Float> {
        let x = p.x, y = p.y, r2 = x * x + y * y
        let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * (k3 + r2 * k4)))
        return SIMD2(x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
                     y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y)
    }

    /// The ideal normalised point that the lens images at `q`: Newton's method on `distort(p) = q`
    /// from `p = q`, at most `iterations` steps, stopping once a step is below 1e-7.
    public func undistort(_ q: SIMD2<Float>, iterations: Int = 20) -> SIMD2<Float> {
        var p = q
        for _ in 0..<iterations {
            let x = p.x, y = p.y, r2 = x * x + y * y
            let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * (k3 + r2 * k4)))
            let dRadial = k1 + r2 * (2 * k2 + r2 * (3 * k3 + r2 * 4 * k4))   // d radial / d r²
            let fx = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x) - q.x
            let fy = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y - q.y
            let a = radial + 2 * x * x * dRadial + 2 * p1 * y + 6 * p2 * x      // ∂fx/∂x
            let b = 2 * x * y * dRadial + 2 * p1 * x + 2 * p2 * y               // ∂fx/∂y = ∂fy/∂x
            let d = radial + 2 * y * y * dRadial + 6 * p1 * y + 2 * p2 * x      // ∂fy/∂y
            let det = a * d - b * b
            guard abs(det) > 1e-12 else { break }
            let step = SIMD2((d * fx - b * fy) / det, (a * fy - b * fx) / det)
            p -= step
            if abs(step.x) + abs(step.y) < 1e-7 { break }
        }
        return p
    }
}
