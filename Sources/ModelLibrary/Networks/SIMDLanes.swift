/// Eight-lane load/store/reduction helpers shared by the network kernels: partial (tail) loads and stores for
/// widths that are not a multiple of eight, lane masks, horizontal reductions and small row-block loops.
enum SIMDLanes {
    /// Lane indices 0…7.
    static let iota = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)

    /// Loads `n` (1…8) floats from `p`; the other lanes are `fill`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> SIMD8<Float> {
        if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: fill)
        for l in 0..<n { v[l] = p[l] }
        return v
    }

    /// Loads `n` (1…8) floats from a mutable pointer.
    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ n: Int, fill: Float = 0) -> SIMD8<Float> {
        load(UnsafePointer(p), n, fill: fill)
    }

    /// Stores the first `n` (1…8) lanes of `v` at `p`.
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for l in 0..<n { p[l] = v[l] }
    }

    /// True in the first `n` lanes.
    @inline(__always)
    static func mask(_ n: Int) -> SIMDMask<SIMD8<Int32>> { iota .< SIMD8<Float>(repeating: Float(n)) }

    /// The sum of the lanes, added pairwise in a fixed order.
    @inline(__always)
    static func sum(_ v: SIMD8<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        return b.x + b.y
    }

    /// The largest lane (lanes compared in a fixed order).
    @inline(__always)
    static func max(_ v: SIMD8<Float>) -> Float {
        var m = v[0]
        for l in 1..<8 where v[l] > m { m = v[l] }
        return m
    }

    /// The smallest lane.
    @inline(__always)
    static func min(_ v: SIMD8<Float>) -> Float {
        var m = v[0]
        for l in 1..<8 where v[l] < m { m = v[l] }
        return m
    }

    /// Lane-wise maximum by compare-and-select (the standard library's generic `pointwiseMax` is not
    /// vectorised here and was a quarter of AF-KAN's time).
    @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }

    /// Lane-wise minimum by compare-and-select.
    @inline(__always)
    static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    /// `rows × columns` (row stride `ld`) into `columns × rows` (row stride `ldt`), in 8×8 tiles.
    static func transpose(_ a: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int,
                          into t: UnsafeMutablePointer<Float>, ldt: Int) {
        var r0 = 0
        while r0 < rows {
            let r1 = Swift.min(rows, r0 &+ 8)
            var c0 = 0
            while c0 < columns {
                let c1 = Swift.min(columns, c0 &+ 8)
                for r in r0..<r1 {
                    let src = a + r &* ld
                    for c in c0..<c1 { t[c &* ldt &+ r] = src[c] }
                }
                c0 = c1
            }
            r0 = r1
        }
    }

    /// `sums[j] (+)= Σ_r z[r·ld + j]` over `rows` rows of `width` columns (row stride `ld`, default `width`),
    /// rows summed in order; overwrites `sums` when `overwrite`.
    static func accumulateColumnSums(_ z: UnsafePointer<Float>, rows: Int, width: Int, ld: Int? = nil,
                                     into sums: UnsafeMutablePointer<Float>, overwrite: Bool = false) {
        let stride = ld ?? width
        var j = 0
        while j < width {
            let n = Swift.min(8, width &- j)
            var acc = overwrite ? SIMD8<Float>() : load(sums + j, n)
            for r in 0..<rows { acc += load(z + (r &* stride &+ j), n) }
            store(acc, sums + j, n)
            j &+= 8
        }
    }

    /// Adds `bias[j]` to every row of a `rows × width` block.
    static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r &* width
            var j = 0
            while j < width {
                let n = Swift.min(8, width &- j)
                store(load(row + j, n) + load(bias + j, n), row + j, n)
                j &+= 8
            }
        }
    }
}
