import TensorCore

/// Each lattice point's k nearest kernels, their normalised weights φ̃, 1/Σφ and (when it fits in memory) the
/// k·C sinusoids sin(φ̃·m_c), stored once for frozen kernels (NeuRBF precomputes the neighbours of every
/// training pixel the same way). `RBFEncoding` fills it with the same code that computes a point on the fly,
/// so a cached point is bit-identical to a computed one.
final class LatticeNeighbourCache {
    /// The points it serves.
    let lattice: InputLattice
    /// Neighbours per point.
    let neighbours: Int
    /// `[points, k]` kernel ids.
    let ids: UnsafeMutablePointer<Int32>
    /// `[points, k]` normalised φ̃.
    let phi: FloatBuffer
    /// `[points]` 1/(Σφ + 1e-8) (1 without normalisation).
    let inverseSum: FloatBuffer
    /// `[points, k, C]` sin(φ̃_j·m_c), or nil when more than `maxSineEntries`.
    let sines: FloatBuffer?
    /// Sinusoid channels C.
    let channels: Int
    /// Whether the arrays hold the current kernels' values.
    var isFilled = false
    private let widthScale: Float, heightScale: Float

    /// The most `points × k` entries a cache may hold (8 bytes each: 256 MiB).
    static let maxEntries = 1 << 25
    /// The most `points × k × C` sinusoids it stores (4 bytes each: 256 MiB).
    static let maxSineEntries = 1 << 26

    /// A cache for `lattice` with `neighbours` per point and `channels` sinusoids per neighbour, or nil when
    /// it would exceed `maxEntries` (the sinusoids are left out beyond `maxSineEntries`).
    init?(lattice: InputLattice, neighbours: Int, channels: Int, maxEntries: Int = LatticeNeighbourCache.maxEntries,
          maxSineEntries: Int = LatticeNeighbourCache.maxSineEntries) {
        let count = lattice.width * lattice.height
        guard count * neighbours <= maxEntries else { return nil }
        self.lattice = lattice
        self.neighbours = neighbours
        self.channels = channels
        let sineCount = count * neighbours * channels
        sines = sineCount <= maxSineEntries ? FloatBuffer(count: sineCount) : nil
        ids = .allocate(capacity: count * neighbours)
        ids.initialize(repeating: 0, count: count * neighbours)
        phi = FloatBuffer(count: count * neighbours)
        inverseSum = FloatBuffer(count: count)
        widthScale = Float(lattice.width)
        heightScale = Float(lattice.height)
    }

    deinit { ids.deallocate() }

    /// The cache's arrays as raw pointers with the lattice lookup: a value for hot loops (no reference counting).
    struct View {
        let ids: UnsafePointer<Int32>
        let phi: UnsafePointer<Float>
        let inverseSum: UnsafePointer<Float>
        let sines: UnsafePointer<Float>?
        let points: UnsafePointer<Float>
        let width: Int
        let widthScale: Float, heightScale: Float

        /// The lattice index of `x` (2 floats) when it is exactly one of the lattice's points, else nil.
        @inline(__always)
        func slot(of x: UnsafePointer<Float>) -> Int? {
            let fx = x[0] * widthScale, fy = x[1] * heightScale
            guard fx >= 0 && fx < widthScale && fy >= 0 && fy < heightScale else { return nil }
            let s = Int(fy) &* width &+ Int(fx)
            let p = points + 2 &* s
            return p[0] == x[0] && p[1] == x[1] ? s : nil
        }
    }

    /// The arrays and lookup; valid while the cache lives.
    var view: View {
        View(ids: UnsafePointer(ids), phi: UnsafePointer(phi.pointer), inverseSum: UnsafePointer(inverseSum.pointer),
             sines: sines.map { UnsafePointer($0.pointer) }, points: UnsafePointer(lattice.points.pointer),
             width: lattice.width, widthScale: widthScale, heightScale: heightScale)
    }

    /// Fills every point through `compute(point, ids, phi) -> 1/Σφ` and, when stored, its sinusoids through
    /// `sinusoids(φ̃, c) -> sin(φ̃·m_c…)` (8 channels from c), split across the pool's workers.
    func fill(pool: WorkerPool, _ compute: (UnsafePointer<Float>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>) -> Float,
              sinusoids: (Float, Int) -> SIMD8<Float>) {
        let k = neighbours, cCount = channels, points = UnsafePointer(lattice.points.pointer)
        let ids = self.ids, phi = self.phi.pointer, inverse = inverseSum.pointer, sines = self.sines?.pointer
        pool.parallelRanges(lattice.width * lattice.height, granularity: 256) { _, range in
            for s in range {
                inverse[s] = compute(points + 2 &* s, ids + s &* k, phi + s &* k)
                guard let sines else { continue }
                for j in 0..<k {
                    let row = sines + (s &* k &+ j) &* cCount
                    var c = 0
                    while c < cCount {
                        SIMDLanes.store(sinusoids(phi[s &* k &+ j], c), row + c, min(8, cCount &- c))
                        c &+= 8
                    }
                }
            }
        }
        isFilled = true
    }
}
