// Horizontal reductions, each in a fixed order (deterministic: a result never depends on how it was compiled).

extension SIMDLanes {
    /// The sum of the lanes, added pairwise in a fixed order: (v0+v4 + v2+v6) + (v1+v5 + v3+v7).
    @inlinable @inline(__always)
    public static func sum(_ v: SIMD8<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        return b.x + b.y
    }

    /// The sum of four lanes (fixed order: (x0 + x2) + (x1 + x3)).
    @inlinable @inline(__always)
    public static func sum(_ x: SIMD4<Float>) -> Float { (x[0] + x[2]) + (x[1] + x[3]) }

    /// The largest lane (lanes compared in order 0…7, the first kept on ties; a NaN lane 0 stays).
    @inlinable @inline(__always)
    public static func max(_ v: SIMD8<Float>) -> Float {
        var m = v[0]
        for l in 1..<8 where v[l] > m { m = v[l] }
        return m
    }

    /// The smallest lane (lanes compared in order 0…7, the first kept on ties; a NaN lane 0 stays).
    @inlinable @inline(__always)
    public static func min(_ v: SIMD8<Float>) -> Float {
        var m = v[0]
        for l in 1..<8 where v[l] < m { m = v[l] }
        return m
    }

    /// The smallest of eight lanes by halves: the lane-wise minimum of the two halves, then
    /// min(min(h0, h1), min(h2, h3)). Equal to `min(_:)` for ordinary values; ties between −0 and +0 and NaN
    /// lanes can come out differently, so the two are kept apart (the BVH's closest-point loop uses this one).
    @inlinable @inline(__always)
    public static func pairwiseMin(_ x: SIMD8<Float>) -> Float {
        let h = minimum(x.lowHalf, x.highHalf)
        return Swift.min(Swift.min(h[0], h[1]), Swift.min(h[2], h[3]))
    }
}
