import TensorCore

/// One bilinear lookup into a square feature plane of `resolution` × `resolution` vertices with `features`
/// floats per vertex (row-major, the second axis slow): the cell's corner offsets (in floats) and weights.
///
/// A coordinate in [0, 1] maps to `u·(resolution − 1)`, so the plane's border vertices sit on the box's faces;
/// coordinates outside [0, 1] are clamped (the lookup is constant there and its coordinate derivative zero).
struct PlaneSample {
    /// Offset of corner (0, 0) in floats; the others are +F, +R·F, +R·F + F.
    var offset: Int
    /// Floats between rows of the plane (R·F).
    var rowStride: Int
    /// Fractional position inside the cell along each axis.
    var fu: Float, fv: Float
    /// d(cell position)/d(coordinate) along each axis: R − 1 inside [0, 1], 0 where the coordinate was clamped.
    var du: Float, dv: Float

    /// The cell containing (u, v).
    @inline(__always)
    init(u: Float, v: Float, resolution: Int, features: Int) {
        let scale = Float(resolution &- 1)
        let (iu, fu, du) = PlaneSample.axis(u, scale: scale, cells: resolution &- 1)
        let (iv, fv, dv) = PlaneSample.axis(v, scale: scale, cells: resolution &- 1)
        rowStride = resolution &* features
        offset = iv &* rowStride &+ iu &* features
        self.fu = fu; self.fv = fv; self.du = du; self.dv = dv
    }

    /// Cell index, fraction and derivative scale along one axis of `cells` cells.
    @inline(__always)
    static func axis(_ x: Float, scale: Float, cells: Int) -> (Int, Float, Float) {
        let inside = x >= 0 && x <= 1
        let p = inside ? x * scale : (x > 1 ? scale : 0)
        var i = Int(p)
        if i >= cells { i = cells &- 1 }
        return (i, p - Float(i), inside ? scale : 0)
    }

    /// The four corner weights (00, 10, 01, 11).
    @inline(__always)
    var weights: (Float, Float, Float, Float) {
        ((1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv)
    }

    /// Σ_c g_c · ∂v_c/∂(cell position) along both axes of a bilinear lookup with corners `p00 … p11` (`count`
    /// floats each) at fractions (`fa`, `fb`): the coordinate gradient before the cell scale. Shared by the
    /// tri-plane and CAM's grids.
    @inline(__always)
    static func cornerSlopes(_ p00: UnsafePointer<Float>, _ p10: UnsafePointer<Float>, _ p01: UnsafePointer<Float>,
                             _ p11: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
                             fa: Float, fb: Float) -> (a: Float, b: Float) {
        var sa = SIMD8<Float>(), sb = SIMD8<Float>()
        var c = 0
        while c < count {
            let n = min(8, count &- c)
            let v00 = SIMDLanes.load(p00 + c, n), v10 = SIMDLanes.load(p10 + c, n)
            let v01 = SIMDLanes.load(p01 + c, n), v11 = SIMDLanes.load(p11 + c, n)
            let gv = SIMDLanes.load(g + c, n)
            sa += gv * ((1 - fb) * (v10 - v00) + fb * (v11 - v01))
            sb += gv * ((1 - fa) * (v01 - v00) + fa * (v11 - v10))
            c &+= 8
        }
        return (SIMDLanes.sum(sa), SIMDLanes.sum(sb))
    }
}
