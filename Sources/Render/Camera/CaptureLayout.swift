import Geometry

/// How a capture's cameras are arranged. Inward-facing captures (lego: cameras all around the object, looking
/// at it) are rendered along an orbit; forward-facing ones (a phone capture of a facade, LLFF: every camera
/// looking the same way) along a path through or around the cameras, since an orbit there would look at the
/// scene from behind.
public enum CaptureLayout: String, Sendable, Equatable {
    /// The cameras surround the scene.
    case inward
    /// The cameras all face one way.
    case forward

    /// The mean resultant length above which viewing directions count as one way: the length of the mean
    /// of the unit viewing directions, 1 when all are parallel, 0.5 for cameras spread over a hemisphere
    /// looking at its centre (lego), 0.75 for cameras on a 146° arc looking at its centre.
    public static let forwardResultantLength = 0.75

    /// The layout of `cameras`: forward-facing when their viewing directions' mean resultant length is at
    /// least `forwardResultantLength`, inward-facing otherwise (and for fewer than two cameras). A partial
    /// arc around an object narrower than about 146° counts as forward-facing too: a path through its
    /// cameras shows it, an orbit would look from where no camera was.
    public static func classify(_ cameras: [Camera]) -> CaptureLayout {
        guard cameras.count >= 2 else { return .inward }
        return meanResultantLength(cameras) >= forwardResultantLength ? .forward : .inward
    }

    /// |mean of the unit viewing directions|: 1 when they are all parallel, near 0 when they point every way.
    public static func meanResultantLength(_ cameras: [Camera]) -> Double {
        guard !cameras.isEmpty else { return 0 }
        var sum = SIMD3<Double>.zero
        for c in cameras { sum -= double(normalized(c.backward)) }
        return ((sum * sum).sum()).squareRoot() / Double(cameras.count)
    }

    /// The point nearest every camera's optical axis in the least-squares sense (what the capture looks at),
    /// or nil when the axes are near parallel (the system is ill-conditioned).
    public static func focus(_ cameras: [Camera]) -> SIMD3<Float>? {
        // Σ (I − d dᵀ) p = Σ (I − d dᵀ) o.
        var a = [[Double]](repeating: [0, 0, 0], count: 3), b = SIMD3<Double>.zero
        for c in cameras {
            let d = double(normalized(c.backward)), o = double(c.position)
            for i in 0..<3 {
                for j in 0..<3 { a[i][j] += (i == j ? 1 : 0) - d[i] * d[j] }
            }
            b += o - d * (d * o).sum()
        }
        let n = Double(cameras.count)
        let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        // det(a/n) is about the smallest eigenvalue, sin² of the axes' spread: below ~(0.6°)² they are parallel.
        guard abs(det) / (n * n * n) > 1e-4 else { return nil }
        func column(_ j: Int, _ v: SIMD3<Double>) -> [[Double]] {
            var m = a
            for i in 0..<3 { m[i][j] = v[i] }
            return m
        }
        func determinant(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        let p = SIMD3(determinant(column(0, b)), determinant(column(1, b)), determinant(column(2, b))) / det
        return SIMD3(Float(p.x), Float(p.y), Float(p.z))
    }
}

/// `v` in Double.
@inline(__always)
func double(_ v: SIMD3<Float>) -> SIMD3<Double> { SIMD3(Double(v.x), Double(v.y), Double(v.z)) }
