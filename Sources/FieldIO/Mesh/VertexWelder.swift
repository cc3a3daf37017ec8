/// Merges exactly equal positions into one indexed vertex (for STL, which repeats each corner per
/// triangle): an open-addressing hash table from a position's bits to its index. `-0` and `+0` count as
/// equal; positions must be finite (NaN never equals itself).
struct VertexWelder {
    /// The distinct positions, in order of first appearance.
    private(set) var positions: [SIMD3<Float>] = []
    /// Per slot: 0 when empty, else the index of the position stored there plus one.
    private var slots: [UInt32]
    /// log2 of the slot count.
    private var bits: Int

    /// A welder expecting about `capacity` distinct positions.
    init(capacity: Int = 0) {
        bits = 4
        while (1 << bits) < capacity * 2 { bits += 1 }
        slots = [UInt32](repeating: 0, count: 1 << bits)
        positions.reserveCapacity(capacity)
    }

    /// The index of `p`, added when it is new.
    @inline(__always)
    mutating func index(of p: SIMD3<Float>) -> UInt32 {
        if positions.count &* 2 >= slots.count { grow() }
        let q = p + SIMD3<Float>()  // turns -0 into +0
        let mask = slots.count &- 1
        var slot = VertexWelder.hash(q, bits: bits)
        while true {
            let s = slots[slot]
            if s == 0 {
                slots[slot] = UInt32(truncatingIfNeeded: positions.count &+ 1)
                positions.append(q)
                return UInt32(truncatingIfNeeded: positions.count &- 1)
            }
            if positions[Int(s &- 1)] == q { return s &- 1 }
            slot = (slot &+ 1) & mask
        }
    }

    /// A slot for `q` from its bits (a multiplicative hash; the top `bits` bits).
    @inline(__always)
    private static func hash(_ q: SIMD3<Float>, bits: Int) -> Int {
        var h = UInt64(q.x.bitPattern) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(q.y.bitPattern) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(q.z.bitPattern) &* 0x1656_67B1_9E37_79F9
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h >> UInt64(64 &- bits))
    }

    /// Doubles the table and re-inserts every position.
    private mutating func grow() {
        bits += 1
        slots = [UInt32](repeating: 0, count: 1 << bits)
        let mask = slots.count - 1
        for (i, q) in positions.enumerated() {
            var slot = VertexWelder.hash(q, bits: bits)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(truncatingIfNeeded: i + 1)
        }
    }
}
