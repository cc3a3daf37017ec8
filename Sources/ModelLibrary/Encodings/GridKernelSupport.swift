/// A grid level in the form the kernels use: 32-bit index math, as tiny-cuda-nn does it.
struct GridLevelKernel {
    /// Input-to-vertex scale (`x·scale + 0.5`).
    let scale: Float
    /// Vertices per axis.
    let resolution: UInt32
    /// Table entries of the level.
    let entries: UInt32
    /// Hashed (true; `entries` is then a power of two) or row-major (false).
    let hashed: Bool

    init(_ level: GridLevel) {
        scale = level.scale
        resolution = UInt32(truncatingIfNeeded: level.resolution)
        entries = UInt32(truncatingIfNeeded: level.entries)
        hashed = level.hashed
        assert(!hashed || entries & (entries &- 1) == 0, "hashed levels have power-of-two tables")
    }
}

/// tiny-cuda-nn's "CoherentPrime" hash factors for dimensions 1–3 (dimension 0 uses 1).
let gridPrime1: UInt32 = 2_654_435_761
let gridPrime2: UInt32 = 805_459_861
let gridPrime3: UInt32 = 3_674_653_429

/// Vertex positions are clamped to ±2^30 before conversion so that absurd or NaN inputs index
/// the table (wrapped, like tcnn) instead of trapping; inputs in any sane range are unaffected.
let gridPositionLimit: Float = 1_073_741_824

/// `v` limited to ±`gridPositionLimit`; NaN becomes +limit (the comparisons compile to `minss`/`maxss`).
@inline(__always)
func gridClamp(_ v: Float) -> Float {
    let upper = v < gridPositionLimit ? v : gridPositionLimit
    return upper > -gridPositionLimit ? upper : -gridPositionLimit
}

/// `p` with every lane clamped by `gridClamp`.
@inline(__always)
func gridClamp(_ p: SIMD2<Float>) -> SIMD2<Float> { SIMD2(gridClamp(p.x), gridClamp(p.y)) }

/// `p` with every lane clamped by `gridClamp`.
@inline(__always)
func gridClamp(_ p: SIMD3<Float>) -> SIMD3<Float> { SIMD3(gridClamp(p.x), gridClamp(p.y), gridClamp(p.z)) }

/// `p` with every lane clamped by `gridClamp`.
@inline(__always)
func gridClamp(_ p: SIMD4<Float>) -> SIMD4<Float> { SIMD4(gridClamp(p.x), gridClamp(p.y), gridClamp(p.z), gridClamp(p.w)) }

/// The vertex coordinate of a floored position, as tcnn's `(uint32_t)(int)floor(p)`.
@inline(__always)
func gridVertex(_ v: Float) -> UInt32 { UInt32(bitPattern: Int32(v)) }

/// `smoothstep(f) = f²(3 − 2f)`.
@inline(__always)
func gridSmoothstep(_ f: Float) -> Float { f * f * (3 - 2 * f) }

/// The derivative of `smoothstep`: `6f(1 − f)`.
@inline(__always)
func gridSmoothstepDerivative(_ f: Float) -> Float { 6 * f * (1 - f) }

/// The 8-point kernels clamp positions to ±2^21 vertex units, which lets them convert floors to integers
/// exactly with one add (the 1.5·2^23 trick); they only serve levels whose in-range positions stay below it.
let gridWideLimit: Float = 2_097_152

/// Whether a level can use the 8-point kernels: its in-range positions `x·scale + 0.5` never reach the clamp.
@inline(__always)
func gridFitsWideKernels(_ level: GridLevelKernel) -> Bool { level.scale < gridWideLimit - 2 }

/// Lower vertex (as tcnn's `(uint32_t)(int)floor(p)`) and fraction of 8 positions, clamped to ±2^21
/// (NaN becomes +2^21, which compiles to `vminps`/`vmaxps`).
@inline(__always)
func gridWideCell(_ p: SIMD8<Float>) -> (SIMD8<UInt32>, SIMD8<Float>) {
    let hi = SIMD8<Float>(repeating: gridWideLimit), lo = SIMD8<Float>(repeating: -gridWideLimit)
    let upper = p.replacing(with: hi, where: .!(p .< hi))
    let q = upper.replacing(with: lo, where: upper .< lo)
    let g = q.rounded(.down)
    let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5·2^23: an integer g + magic has g in its low mantissa bits
    let vertex = unsafeBitCast(g + magic, to: SIMD8<UInt32>.self) &- SIMD8(repeating: 0x4B40_0000)
    return (vertex, q - g)
}

/// A stack buffer (640 bytes) through which the 8-point kernels hand per-lane corner indices
/// and weights to the per-point loop: vectors are stored once, lanes read back as scalars (cheaper than
/// extracting lanes). Slot k (k < 8) holds corner k's indices at byte 32k and its weights at 256 + 32k;
/// the fractional positions per dimension (≤ 4) follow at 512.
struct GridLaneBuffer {
    static let byteCount = 640
    let base: UnsafeMutableRawPointer
    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    /// Stores corner `slot`'s indices and weights for the 8 lanes.
    @inline(__always)
    func store(_ slot: Int, _ indices: SIMD8<UInt32>, _ weights: SIMD8<Float>) {
        base.storeBytes(of: indices, toByteOffset: slot &* 32, as: SIMD8<UInt32>.self)
        base.storeBytes(of: weights, toByteOffset: 256 &+ slot &* 32, as: SIMD8<Float>.self)
    }

    /// Stores the fractional positions along dimension `k` for the 8 lanes.
    @inline(__always)
    func storeFraction(_ k: Int, _ f: SIMD8<Float>) {
        base.storeBytes(of: f, toByteOffset: 512 &+ k &* 32, as: SIMD8<Float>.self)
    }

    /// The fractional position along dimension `k` in lane `j`.
    @inline(__always)
    func fraction(_ k: Int, _ j: Int) -> Float {
        base.load(fromByteOffset: 512 &+ k &* 32 &+ j &* 4, as: Float.self)
    }

    /// Corner `slot`'s index in lane `j`.
    @inline(__always)
    func index(_ slot: Int, _ j: Int) -> Int {
        Int(base.load(fromByteOffset: slot &* 32 &+ j &* 4, as: UInt32.self))
    }

    /// Corner `slot`'s weight in lane `j`.
    @inline(__always)
    func weight(_ slot: Int, _ j: Int) -> Float {
        base.load(fromByteOffset: 256 &+ slot &* 32 &+ j &* 4, as: Float.self)
    }
}

/// Runs `body` with a `GridLaneBuffer` in a local value (on the stack; never a heap allocation).
@inline(__always)
func withGridLaneBuffer(_ body: (GridLaneBuffer) -> Void) {
    var storage = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
                   SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
    assert(MemoryLayout.size(ofValue: storage) >= GridLaneBuffer.byteCount)
    withUnsafeMutableBytes(of: &storage) { body(GridLaneBuffer($0.baseAddress!)) }
}
