import TensorCore

/// instant-ngp's density grid: per cascade a `resolution³` grid of optical thickness (σ · minimum step)
/// that training keeps up to date, and the occupancy bits the ray marcher skips empty space with.
///
/// Cells no training camera sees are marked unseen and stay empty; cells no update has evaluated yet
/// count as occupied, so that the field is trained everywhere before the grid prunes it. An update
/// evaluates the density at a random point in some cells (the next ones of a fixed tour of the grid, and
/// some among occupied cells) and sets every cell to `max(old · decay, new sample)`; a cell is occupied
/// when its value exceeds `min(0.01, mean value)`. Draws come from a given generator and are evaluated
/// in fixed order, so updates are deterministic.
public final class OccupancyGrid {
    /// Cells per axis in each cascade.
    public let resolution: Int
    /// The volume the grid covers.
    public let volume: RadianceVolume
    /// Thickness values, cascade-major, then z, y, x; `unseen` (−1) marks cells no camera sees,
    /// `unvisited` (−2) cells no update has evaluated yet.
    public let values: FloatBuffer
    /// One byte per cell: 1 when occupied.
    public let occupied: UnsafeMutablePointer<UInt8>
    /// One byte per block of 8³ cells (a coarser mip, as instant-ngp's bitfield mips): 1 when any of its
    /// cells is occupied. Rays cross empty blocks in one jump.
    public let blockOccupied: UnsafeMutablePointer<UInt8>
    /// Blocks per axis per cascade (`resolution / 8`).
    public let blocksPerSide: Int
    /// Updates done so far.
    public private(set) var updates = 0
    /// Fraction of (seen) cells currently occupied.
    public private(set) var occupancy: Double = 1
    /// Decay applied every update (instant-ngp: 0.95).
    public var decay: Float = 0.95
    /// The occupancy threshold's upper bound (instant-ngp: 0.01).
    public var threshold: Float = 0.01

    /// Marks a cell no training camera sees.
    public static let unseen: Float = -1
    /// Marks a cell no update has evaluated yet (it counts as occupied).
    public static let unvisited: Float = -2
    /// A fixed random order of all cells that updates walk through, and where the walk is.
    private let tour: UnsafeMutablePointer<Int32>
    private var tourCursor = 0
    private let updatePositions: FloatBuffer
    private let updateDensities: FloatBuffer
    private let updateCells: UnsafeMutablePointer<Int32>
    private let scratch: FloatBuffer
    private let occupiedList: UnsafeMutablePointer<Int32>
    /// Cells evaluated per update (half uniform, half among occupied cells).
    public let cellsPerUpdate: Int

    /// A grid of `resolution³` cells per cascade over `volume`, all unvisited (occupied) at first; each
    /// update evaluates `cellsPerUpdate` cells (default: an eighth of them).
    public init(volume: RadianceVolume, resolution: Int = 128, cellsPerUpdate: Int? = nil) {
        precondition(resolution >= 8 && resolution <= 512 && resolution % 8 == 0, "grid resolution must be a multiple of 8 in 8...512")
        self.volume = volume
        self.resolution = resolution
        let total = resolution * resolution * resolution * volume.cascades
        values = FloatBuffer(count: total)
        occupied = .allocate(capacity: total)
        occupied.initialize(repeating: 1, count: total)
        blocksPerSide = resolution / 8
        blockOccupied = .allocate(capacity: total / 512)
        blockOccupied.initialize(repeating: 1, count: total / 512)
        self.cellsPerUpdate = cellsPerUpdate ?? max(1024, total / 8)
        updatePositions = FloatBuffer(count: self.cellsPerUpdate * 3)
        updateDensities = FloatBuffer(count: self.cellsPerUpdate)
        updateCells = .allocate(capacity: self.cellsPerUpdate)
        scratch = FloatBuffer(count: total)
        occupiedList = .allocate(capacity: total)
        values.fill(OccupancyGrid.unvisited)
        tour = .allocate(capacity: total)
        for i in 0..<total { tour[i] = Int32(i) }
        var shuffle = RandomGenerator(seed: 0x6121D, stream: 7)
        for i in stride(from: total - 1, to: 0, by: -1) { let j = shuffle.nextInt(below: i + 1); (tour[i], tour[j]) = (tour[j], tour[i]) }
    }

    deinit {
        occupied.deallocate()
        blockOccupied.deallocate()
        updateCells.deallocate()
        occupiedList.deallocate()
        tour.deallocate()
    }

    /// Cells in all cascades.
    public var cellCount: Int { resolution * resolution * resolution * volume.cascades }

    /// The smallest cascade that contains `p`, or `volume.cascades` when `p` is outside them all.
    @inline(__always)
    public func cascade(of p: SIMD3<Float>) -> Int {
        // max |p − 0.5|, less a hair so that points on a cascade's faces (where rays enter the box) count
        // as inside it.
        let m = (p - 0.5).replacing(with: 0.5 - p, where: p .< 0.5).max() - 1e-5
        if m < 0.5 { return 0 }
        // Cascade k covers |p − 0.5| < 2^(k−1).
        let k = Int(m.exponent) + 2
        return min(k, volume.cascades)
    }

    /// The index of the cell holding `p` in cascade `k` (which must contain `p`).
    @inline(__always)
    public func cellIndex(_ p: SIMD3<Float>, cascade k: Int) -> Int {
        let side = Float(1 << k), lo = 0.5 - side / 2
        let scale = Float(resolution) / side
        let q = (p - lo) * scale
        let r = resolution - 1
        let x = min(max(Int(q.x), 0), r), y = min(max(Int(q.y), 0), r), z = min(max(Int(q.z), 0), r)
        return ((k &* resolution &+ z) &* resolution &+ y) &* resolution &+ x
    }

    /// The index of the 8³-cell block holding `p` in cascade `k` (which must contain `p`).
    @inline(__always)
    public func blockIndex(_ p: SIMD3<Float>, cascade k: Int) -> Int {
        let side = Float(1 << k), lo = 0.5 - side / 2
        let b = blocksPerSide
        let q = (p - lo) * (Float(b) / side)
        let r = b - 1
        let x = min(max(Int(q.x), 0), r), y = min(max(Int(q.y), 0), r), z = min(max(Int(q.z), 0), r)
        return ((k &* b &+ z) &* b &+ y) &* b &+ x
    }

    /// Whether the cell holding `p` is occupied (false outside every cascade).
    @inline(__always)
    public func isOccupied(_ p: SIMD3<Float>) -> Bool {
        let k = cascade(of: p)
        return k < volume.cascades && occupied[cellIndex(p, cascade: k)] != 0
    }

    /// The distance along the ray from `p` (direction `d`, with `inverse` = 1/d) to where it leaves the cell
    /// of cascade `k` holding `p` — or, with `block`, the 8³-cell block holding it.
    @inline(__always)
    public func distanceToCellExit(_ p: SIMD3<Float>, _ d: SIMD3<Float>, inverse: SIMD3<Float>, cascade k: Int,
                                   block: Bool = false) -> Float {
        let side = Float(1 << k), lo = 0.5 - side / 2
        let cell = side / Float(block ? blocksPerSide : resolution)
        let q = (p - lo) / cell
        let base = q.rounded(.down)
        let next = base.replacing(with: base + 1, where: d .>= 0)
        let t = (next - q) * cell * inverse
        return max(0, t.replacing(with: .infinity, where: d .== 0).min())
    }

    /// The centre of cell `index` in unit-cube coordinates.
    public func cellCenter(_ index: Int) -> SIMD3<Float> {
        let r = resolution
        let x = index % r, y = (index / r) % r, z = (index / (r * r)) % r, k = index / (r * r * r)
        let side = Float(1 << k), lo = 0.5 - side / 2
        return lo + (SIMD3(Float(x), Float(y), Float(z)) + 0.5) * (side / Float(r))
    }

    /// Marks cells that `isSeen` rejects (typically: outside every training camera's view) as never occupied.
    public func markUnseen(pool: WorkerPool, isSeen: (SIMD3<Float>) -> Bool) {
        let n = cellCount
        let values = self.values.pointer, occupied = self.occupied
        pool.parallelRanges(n, granularity: 4096) { _, range in
            for i in range where !isSeen(self.cellCenter(i)) {
                values[i] = OccupancyGrid.unseen
                occupied[i] = 0
            }
        }
        refreshOccupancy(pool: pool)
    }

    /// One update: evaluates `density` (unit-cube points → σ, `[count, 3]` → `[count]`) at a random point
    /// in each of `cellsPerUpdate` cells (half the next cells of a fixed random tour of the grid, so every
    /// cell is visited in turn; half drawn among occupied cells), then decays every cell and takes the
    /// maximum with its new sample. Cells not yet visited count as occupied.
    public func update(rng: inout RandomGenerator, pool: WorkerPool,
                       density: (_ points: UnsafePointer<Float>, _ count: Int, _ sigma: UnsafeMutablePointer<Float>) -> Void) {
        let n = cellCount
        var occupiedCount = 0
        for i in 0..<n where occupied[i] != 0 && values[i] >= 0 {
            occupiedList[occupiedCount] = Int32(i)
            occupiedCount &+= 1
        }
        let count = cellsPerUpdate
        let half = occupiedCount > 0 ? count / 2 : count
        let positions = updatePositions.pointer
        for j in 0..<count {
            var cell: Int
            if j < half {
                cell = Int(tour[tourCursor])
                tourCursor = tourCursor + 1 == n ? 0 : tourCursor + 1
            } else {
                cell = Int(occupiedList[rng.nextInt(below: occupiedCount)])
            }
            if values[cell] == OccupancyGrid.unseen { cell = -1 }
            updateCells[j] = Int32(cell)
            let jitter = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            let c = cell >= 0 ? cellCenter(cell) : SIMD3<Float>(repeating: 0.5)
            let k = cell >= 0 ? cell / (resolution * resolution * resolution) : 0
            let p = c + (jitter - 0.5) * (Float(1 << k) / Float(resolution))
            positions[3 * j] = p.x; positions[3 * j + 1] = p.y; positions[3 * j + 2] = p.z
        }
        density(positions, count, updateDensities.pointer)
        let fresh = scratch.pointer
        fresh.update(repeating: -1, count: n)
        let step = volume.minStep
        for j in 0..<count {
            let cell = Int(updateCells[j])
            if cell >= 0 { fresh[cell] = max(fresh[cell], updateDensities[j] * step) }
        }
        let values = self.values.pointer, decay = self.decay
        pool.parallelRanges(n, granularity: 4096) { _, range in
            for i in range {
                let v = values[i]
                if v == OccupancyGrid.unseen { continue }
                if v == OccupancyGrid.unvisited {
                    if fresh[i] >= 0 { values[i] = fresh[i] }
                } else {
                    values[i] = max(v * decay, fresh[i])
                }
            }
        }
        updates += 1
        refreshOccupancy(pool: pool)
    }

    /// Where the tour of the grid stands (for checkpoints).
    public var tourPosition: Int { tourCursor }

    /// Restores values, tour position and update count saved from a grid of the same shape.
    public func restore(values saved: [Float], cursor: Int, updates: Int, pool: WorkerPool) {
        precondition(saved.count == cellCount, "OccupancyGrid.restore: wrong cell count")
        saved.withUnsafeBufferPointer { values.pointer.update(from: $0.baseAddress!, count: saved.count) }
        tourCursor = min(max(cursor, 0), cellCount - 1)
        self.updates = updates
        refreshOccupancy(pool: pool)
    }

    /// Sets every seen cell from the density at its centre (no decay): the grid of a trained field, for
    /// rendering or resuming without the training history. Evaluates in batches of `cellsPerUpdate`.
    public func rebuild(pool: WorkerPool,
                        density: (_ points: UnsafePointer<Float>, _ count: Int, _ sigma: UnsafeMutablePointer<Float>) -> Void) {
        let n = cellCount, batch = cellsPerUpdate
        let positions = updatePositions.pointer, sigma = updateDensities.pointer
        var start = 0
        while start < n {
            let count = min(batch, n - start)
            for j in 0..<count {
                let c = cellCenter(start + j)
                positions[3 * j] = c.x; positions[3 * j + 1] = c.y; positions[3 * j + 2] = c.z
            }
            density(positions, count, sigma)
            for j in 0..<count where values[start + j] != OccupancyGrid.unseen { values[start + j] = sigma[j] * volume.minStep }
            start += count
        }
        refreshOccupancy(pool: pool)
    }

    /// Recomputes the occupancy bits from the values: occupied when above `min(threshold, mean)` of the
    /// visited cells, or not visited yet.
    public func refreshOccupancy(pool: WorkerPool) {
        let n = cellCount
        var sum = 0.0, visited = 0, seen = 0
        for i in 0..<n where values[i] != OccupancyGrid.unseen {
            seen += 1
            if values[i] >= 0 { sum += Double(values[i]); visited += 1 }
        }
        let cut = Float(min(Double(threshold), visited > 0 ? sum / Double(visited) : 0))
        let values = self.values.pointer, occupied = self.occupied
        pool.parallelRanges(n, granularity: 4096) { _, range in
            for i in range { occupied[i] = values[i] > cut || values[i] == OccupancyGrid.unvisited ? 1 : 0 }
        }
        var count = 0
        for i in 0..<n where occupied[i] != 0 { count += 1 }
        occupancy = seen > 0 ? Double(count) / Double(seen) : 0
        refreshBlocks()
    }

    /// Recomputes the block mip from the occupancy bits.
    func refreshBlocks() {
        let r = resolution, b = blocksPerSide
        blockOccupied.update(repeating: 0, count: b * b * b * volume.cascades)
        for k in 0..<volume.cascades {
            for z in 0..<r { for y in 0..<r {
                let row = occupied + ((k * r + z) * r + y) * r
                let blockRow = blockOccupied + ((k * b + z / 8) * b + y / 8) * b
                for x in 0..<r where row[x] != 0 { blockRow[x / 8] = 1 }
            } }
        }
    }
}
