import Foundation
import Geometry

/// A rotation as a unit quaternion (w, x, y, z), in Double so that paths through many key poses stay exact:
/// what camera paths interpolate orientations with (slerp, and Shoemake's squad for a C¹ spline).
public struct Rotation: Equatable, Sendable {
    /// Scalar part.
    public var w: Double
    /// Vector part.
    public var v: SIMD3<Double>

    /// The quaternion w + v (normalised).
    public init(w: Double, v: SIMD3<Double>) {
        let n = (w * w + (v * v).sum()).squareRoot()
        self.w = n > 0 ? w / n : 1
        self.v = n > 0 ? v / n : .zero
    }

    /// The rotation whose matrix has columns `x`, `y`, `z` (orthonormal, right-handed), by Shepperd's method.
    public init(columns x: SIMD3<Double>, _ y: SIMD3<Double>, _ z: SIMD3<Double>) {
        let trace = x.x + y.y + z.z
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            self.init(w: s / 4, v: SIMD3((y.z - z.y) / s, (z.x - x.z) / s, (x.y - y.x) / s))
        } else if x.x > y.y && x.x > z.z {
            let s = (1 + x.x - y.y - z.z).squareRoot() * 2
            self.init(w: (y.z - z.y) / s, v: SIMD3(s / 4, (y.x + x.y) / s, (z.x + x.z) / s))
        } else if y.y > z.z {
            let s = (1 + y.y - x.x - z.z).squareRoot() * 2
            self.init(w: (z.x - x.z) / s, v: SIMD3((y.x + x.y) / s, s / 4, (z.y + y.z) / s))
        } else {
            let s = (1 + z.z - x.x - y.y).squareRoot() * 2
            self.init(w: (x.y - y.x) / s, v: SIMD3((z.x + x.z) / s, (z.y + y.z) / s, s / 4))
        }
    }

    /// The rotation of a camera: columns right, up, backward.
    public init(camera c: Camera) {
        func d(_ a: SIMD3<Float>) -> SIMD3<Double> { SIMD3(Double(a.x), Double(a.y), Double(a.z)) }
        self.init(columns: d(c.right), d(c.up), d(c.backward))
    }

    /// The rotation matrix's columns.
    public var columns: (x: SIMD3<Double>, y: SIMD3<Double>, z: SIMD3<Double>) {
        let (a, b, c, d) = (w, v.x, v.y, v.z)
        return (SIMD3(1 - 2 * (c * c + d * d), 2 * (b * c + a * d), 2 * (b * d - a * c)),
                SIMD3(2 * (b * c - a * d), 1 - 2 * (b * b + d * d), 2 * (c * d + a * b)),
                SIMD3(2 * (b * d + a * c), 2 * (c * d - a * b), 1 - 2 * (b * b + c * c)))
    }

    /// The Hamilton product `self · o` (apply `o`, then `self`).
    public static func * (q: Rotation, o: Rotation) -> Rotation {
        Rotation(w: q.w * o.w - (q.v * o.v).sum(), v: q.w * o.v + o.w * q.v + cross3(q.v, o.v))
    }

    /// The inverse rotation.
    public var inverse: Rotation { Rotation(w: w, v: -v) }
    /// The same rotation with the opposite sign (q and −q are the same rotation).
    public var negated: Rotation { Rotation(w: -w, v: -v) }
    /// The four components' dot product with `o`.
    public func dot(_ o: Rotation) -> Double { w * o.w + (v * o.v).sum() }
    /// The angle of the rotation from `self` to `o`, in radians (0...π).
    public func angle(to o: Rotation) -> Double { 2 * acos(min(1, abs(dot(o)))) }

    /// The logarithm of a unit quaternion: half the rotation vector.
    public var log: SIMD3<Double> {
        let s = (v * v).sum().squareRoot()
        guard s > 1e-12 else { return v }
        return v * (atan2(s, w) / s)
    }

    /// The unit quaternion exp(u) of a pure quaternion u.
    public static func exp(_ u: SIMD3<Double>) -> Rotation {
        let a = (u * u).sum().squareRoot()
        guard a > 1e-12 else { return Rotation(w: 1, v: u) }
        return Rotation(w: cos(a), v: u * (sin(a) / a))
    }

    /// Spherical linear interpolation from `a` (t = 0) to `b` (t = 1) along the shorter arc.
    public static func slerp(_ a: Rotation, _ b: Rotation, _ t: Double) -> Rotation {
        let b = a.dot(b) < 0 ? b.negated : b
        return a * exp((a.inverse * b).log * t)
    }

    /// Shoemake's squad between `q1` (t = 0) and `q2` (t = 1) with neighbours `q0` and `q3`: a C¹ spline
    /// through the keys when the inner control points of consecutive segments are the same.
    public static func squad(_ q0: Rotation, _ q1: Rotation, _ q2: Rotation, _ q3: Rotation, _ t: Double) -> Rotation {
        let s1 = control(q0, q1, q2), s2 = control(q1, q2, q3)
        let q2n = q1.dot(q2) < 0 ? q2.negated : q2
        let s2n = q1.dot(q2) < 0 ? s2.negated : s2
        return slerpDirect(slerpDirect(q1, q2n, t), slerpDirect(s1, s2n, t), 2 * t * (1 - t))
    }

    /// Squad's inner control point at `q1`: q1 · exp(−(log(q1⁻¹q2) + log(q1⁻¹q0)) / 4), neighbours taken on
    /// `q1`'s hemisphere.
    static func control(_ q0: Rotation, _ q1: Rotation, _ q2: Rotation) -> Rotation {
        let a = q1.dot(q0) < 0 ? q0.negated : q0, b = q1.dot(q2) < 0 ? q2.negated : q2
        let inv = q1.inverse
        return q1 * exp(-((inv * b).log + (inv * a).log) / 4)
    }

    /// Slerp without flipping to the shorter arc (squad needs the arcs it was built with).
    static func slerpDirect(_ a: Rotation, _ b: Rotation, _ t: Double) -> Rotation {
        let c = a.dot(b)
        if c > 0.9995 { return Rotation(w: a.w + (b.w - a.w) * t, v: a.v + (b.v - a.v) * t) }
        let theta = acos(max(-1, min(1, c)))
        let s = sin(theta)
        let ka = sin((1 - t) * theta) / s, kb = sin(t * theta) / s
        return Rotation(w: ka * a.w + kb * b.w, v: ka * a.v + kb * b.v)
    }
}

/// The cross product of two Double 3-vectors.
@inline(__always)
func cross3(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
