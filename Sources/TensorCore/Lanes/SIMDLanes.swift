/// Eight-lane helpers shared by the kernels of every layer above TensorCore (networks, encodings, geometry):
/// partial (tail) loads and stores for widths that are not a multiple of eight and lane masks (this file),
/// horizontal reductions (`Reductions.swift`), lane-wise min/max (`MinMax.swift`), IEEE square roots
/// (`SquareRoot.swift`), compare-to-bitmask helpers (`CompareMasks.swift`) and small row-block loops
/// (`RowBlockLoops.swift`). The hot ones are `@inlinable @inline(__always)` so that other modules' loops inline
/// them as if they were their own.
public enum SIMDLanes {
    /// Lane indices 0…7.
    @inlinable
    public static var iota: SIMD8<Float> { SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) }

    /// Loads `n` (1…8) floats from `p`; the other lanes are `fill`.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> SIMD8<Float> {
        if n >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: fill)
        for l in 0..<n { v[l] = p[l] }
        return v
    }

    /// Loads `n` (1…8) floats from a mutable pointer.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>, _ n: Int, fill: Float = 0) -> SIMD8<Float> {
        load(UnsafePointer(p), n, fill: fill)
    }

    /// Stores the first `n` (1…8) lanes of `v` at `p`.
    @inlinable @inline(__always)
    public static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for l in 0..<n { p[l] = v[l] }
    }

    /// True in the first `n` lanes.
    @inlinable @inline(__always)
    public static func mask(_ n: Int) -> SIMDMask<SIMD8<Int32>> { iota .< SIMD8<Float>(repeating: Float(n)) }
}
