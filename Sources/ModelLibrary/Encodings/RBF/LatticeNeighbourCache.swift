import TensorCore

/// Each lattice point's k nearest kernels, their normalised weights φ̃ and 1/Σφ, stored once for frozen kernels
/// (NeuRBF precomputes the neighbours of every training pixel the same way). `RBFEncoding` fills it with the
/// same code that computes a point on the fly, so a cached point is bit-identical to a computed one.
///
/// A point's numbers sit together in one record (k ids, k φ̃, 1/Σφ, padded to an even count: 32 bytes for
/// k = 3, one cache line), and records run through 8 × 8 pixel tiles, so a Morton-ordered batch reads nearby
/// memory. (Caching the k·C sinusoids too was measured slower: 50 MB read at random for 512² costs more than
/// computing them.)
final class LatticeNeighbourCache {
    /// The points it serves.
    let lattice: InputLattice
    /// Neighbours per point.
    let neighbours: Int
    /// Whether the records hold the current kernels' values.
    var isFilled = false
    /// Number of records: the lattice rounded up to whole 8 × 8 tiles.
    let slotCount: Int
    /// Floats (4-byte words) per record.
    let recordWords: Int
    private let records: UnsafeMutableRawPointer
    private let tilesPerRow: Int
    private let inverseWidth: Float, inverseHeight: Float

    /// The most 4-byte words a cache may hold (256 MiB).
    static let maxWords = 1 << 26

    /// A cache for `lattice` with `neighbours` per point, or nil when it would exceed `maxWords` or when the
    /// lattice's points are not the pixel centres (x + ½)·(1/width), (y + ½)·(1/height) computed in Float.
    init?(lattice: InputLattice, neighbours: Int, maxWords: Int = LatticeNeighbourCache.maxWords) {
        let tilesPerRow = (lattice.width + 7) / 8, tileRows = (lattice.height + 7) / 8
        let count = tilesPerRow * tileRows * 64
        let words = (2 * neighbours + 2) & ~1
        guard count * words <= maxWords else { return nil }
        let invW = 1 / Float(lattice.width), invH = 1 / Float(lattice.height)
        let p = lattice.points.pointer
        for y in 0..<lattice.height {
            for x in 0..<lattice.width {
                let i = 2 * (y * lattice.width + x)
                guard p[i] == (Float(x) + 0.5) * invW && p[i + 1] == (Float(y) + 0.5) * invH else { return nil }
            }
        }
        self.lattice = lattice
        self.neighbours = neighbours
        self.tilesPerRow = tilesPerRow
        slotCount = count
        recordWords = words
        inverseWidth = invW
        inverseHeight = invH
        records = .allocate(byteCount: count * words * 4, alignment: 64)
        records.initializeMemory(as: Float.self, repeating: 0, count: count * words)
    }

    deinit { records.deallocate() }

    /// The records with the lattice lookup: a value for hot loops (no reference counting, no memory read to
    /// find a record).
    struct View {
        let records: UnsafeRawPointer
        let recordBytes: Int, neighbours: Int
        let width: Int, height: Int, tilesPerRow: Int
        let inverseWidth: Float, inverseHeight: Float

        /// The record of `x` (2 floats) when it is exactly a pixel centre of the lattice, else nil.
        @inline(__always)
        func record(of x: UnsafePointer<Float>) -> UnsafeRawPointer? {
            let fx = x[0] * Float(width), fy = x[1] * Float(height)
            guard fx >= 0 && fx < Float(width) && fy >= 0 && fy < Float(height) else { return nil }
            let px = Int(fx), py = Int(fy)
            guard x[0] == (Float(px) + 0.5) * inverseWidth && x[1] == (Float(py) + 0.5) * inverseHeight else { return nil }
            return records + LatticeNeighbourCache.slot(px, py, tilesPerRow: tilesPerRow) &* recordBytes
        }

        /// A record's k kernel ids.
        @inline(__always)
        func ids(_ record: UnsafeRawPointer) -> UnsafePointer<Int32> { record.assumingMemoryBound(to: Int32.self) }

        /// A record's k values φ̃, then 1/Σφ.
        @inline(__always)
        func phi(_ record: UnsafeRawPointer) -> UnsafePointer<Float> { (record + 4 &* neighbours).assumingMemoryBound(to: Float.self) }
    }

    /// The record slot of pixel (x, y): 8 × 8 tiles, tiles row by row.
    @inline(__always)
    static func slot(_ x: Int, _ y: Int, tilesPerRow: Int) -> Int {
        ((y >> 3) &* tilesPerRow &+ (x >> 3)) &<< 6 | (y & 7) &<< 3 | (x & 7)
    }

    /// The records and lookup; valid while the cache lives.
    var view: View {
        View(records: UnsafeRawPointer(records), recordBytes: recordWords * 4, neighbours: neighbours, width: lattice.width,
             height: lattice.height, tilesPerRow: tilesPerRow, inverseWidth: inverseWidth, inverseHeight: inverseHeight)
    }

    /// Fills every pixel's record through `compute(point, ids, phi) -> 1/Σφ`, split across the pool's workers by tile.
    func fill(pool: WorkerPool, _ compute: (UnsafePointer<Float>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>) -> Float) {
        let k = neighbours, width = lattice.width, height = lattice.height, perRow = tilesPerRow
        let points = UnsafePointer(lattice.points.pointer), records = self.records, bytes = recordWords * 4
        pool.parallelRanges(slotCount >> 6, granularity: 4) { _, tiles in
            for tile in tiles {
                let x0 = (tile % perRow) &<< 3, y0 = (tile / perRow) &<< 3
                for y in y0..<min(y0 &+ 8, height) {
                    for x in x0..<min(x0 &+ 8, width) {
                        let record = records + LatticeNeighbourCache.slot(x, y, tilesPerRow: perRow) &* bytes
                        let ids = record.assumingMemoryBound(to: Int32.self)
                        let phi = (record + 4 &* k).assumingMemoryBound(to: Float.self)
                        phi[k] = compute(points + 2 &* (y &* width &+ x), ids, phi)
                    }
                }
            }
        }
        isFilled = true
    }
}
