// Small loops over a block of rows that the row-block networks and encodings share, built on the partial
// loads and stores (bit-for-bit the same for any width: the tail lanes are loaded and stored, never padded).

extension SIMDLanes {
    /// `rows × columns` (row stride `ld`) into `columns × rows` (row stride `ldt`), in 8×8 tiles.
    @inlinable
    public static func transpose(_ a: UnsafePointer<Float>, rows: Int, columns: Int, ld: Int,
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
    @inlinable
    public static func accumulateColumnSums(_ z: UnsafePointer<Float>, rows: Int, width: Int, ld: Int? = nil,
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
    @inlinable
    public static func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
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
