import TensorCore

/// A visiting order for query points that keeps neighbours together (Z-order over a grid of 2^L cells per
/// axis), so that consecutive queries reuse the same BVH nodes, leaves and grid samples from cache.
/// Sorting costs a counting sort per call; it roughly halves the time of random-order distance queries.
enum MortonOrder {
    /// Fills `permutation[0..<count]` with the point indices in Z-order of the cells of a 2^L grid over
    /// `lo`…`hi` (points outside are clamped to the border cells), stable within a cell. L grows with
    /// `count` (about two points per cell, at most 2^21 cells).
    static func permutation(points: UnsafePointer<Float>, count: Int, lo: SIMD3<Float>, hi: SIMD3<Float>,
                            into permutation: UnsafeMutablePointer<Int32>, pool: WorkerPool) {
        var levels = 1
        while levels < 5 && 1 << (3 * (levels + 1)) <= count / 2 { levels += 1 }
        let side = Float(1 << levels)
        let scale = side / nonZeroExtent(hi - lo)
        let buckets = 1 << (3 * levels)
        let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, count))
        defer { keys.deallocate() }
        pool.parallelRanges(count, granularity: 1024) { _, range in
            for i in range {
                var key: UInt32 = 0
                for axis in 0..<3 {
                    var c = (points[3 &* i &+ axis] - lo[axis]) * scale[axis]
                    if !(c > 0) { c = 0 }          // also NaN
                    if c > side - 1 { c = side - 1 }
                    key |= spreadBits(UInt32(c)) << UInt32(axis)
                }
                keys[i] = key
            }
        }
        let starts = UnsafeMutablePointer<Int32>.allocate(capacity: buckets + 1)
        defer { starts.deallocate() }
        starts.initialize(repeating: 0, count: buckets + 1)
        for i in 0..<count { starts[Int(keys[i]) &+ 1] &+= 1 }
        for b in 0..<buckets { starts[b &+ 1] &+= starts[b] }
        for i in 0..<count {
            let k = Int(keys[i])
            permutation[Int(starts[k])] = Int32(truncatingIfNeeded: i)
            starts[k] &+= 1
        }
    }

    /// The low 7 bits of `v` spread to every third bit (bit i → bit 3i).
    @inline(__always)
    private static func spreadBits(_ v: UInt32) -> UInt32 {
        var x = v & 0x7F
        x = (x | (x << 8)) & 0x0000_F00F
        x = (x | (x << 4)) & 0x000C_30C3
        x = (x | (x << 2)) & 0x0024_9249
        return x
    }

    /// Per-axis reciprocal-ready extent: the box's extent with zero axes replaced by 1.
    @inline(__always)
    private static func nonZeroExtent(_ e: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3(e.x > 0 ? e.x : 1, e.y > 0 ? e.y : 1, e.z > 0 ? e.z : 1)
    }
}
