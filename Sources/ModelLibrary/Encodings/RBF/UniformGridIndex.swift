import Foundation
import TensorCore

/// `KernelIndex`'s 2D search: exact k nearest centres through a uniform grid of cells over the centres' bounding
/// box (about two cells per centre: kernels cluster where the target has detail, so finer cells keep the scans
/// short). Image kernels cover the whole image, so every query has kernels close by.
///
/// `build` sorts the centres into their cells (a counting sort into storage sized at `init`, so it
/// allocates nothing); `nearest` searches rings of cells around the query's (clamped) cell and stops once
/// the k-th best squared distance is no larger than the squared distance to every unvisited cell, so the
/// answer is exact for any query point, inside the box or not. Queries only read the index: any number of
/// threads may query at once. 2D indices use a z extent of one cell.
final class UniformGridIndex {
    /// 2 or 3.
    let dimensions: Int
    /// The most centres `build` accepts.
    let capacity: Int
    /// The number of centres indexed by the last `build`.
    private(set) var count = 0

    private let maxCells: Int
    private let cellStart: UnsafeMutablePointer<Int32>
    private let cellOf: UnsafeMutablePointer<Int32>
    private let ids: UnsafeMutablePointer<Int32>
    /// Centres in cell order, 3 floats each (z = 0 in 2D), for cache-friendly scans.
    private let sorted: UnsafeMutablePointer<Float>
    private var lower = SIMD3<Float>(repeating: 0)
    private var cellSize: Float = 1
    private var inverseCell: Float = 1
    private var resolution = SIMD3<Int32>(1, 1, 1)

    /// An empty index for up to `capacity` centres in `dimensions` (2 or 3) dimensions.
    init(dimensions: Int, capacity: Int) {
        precondition(dimensions == 2 || dimensions == 3, "UniformGridIndex: 2 or 3 dimensions")
        precondition(capacity > 0, "UniformGridIndex: capacity must be positive")
        self.dimensions = dimensions
        self.capacity = capacity
        maxCells = 4 * capacity + 64
        cellStart = .allocate(capacity: maxCells + 1)
        cellOf = .allocate(capacity: capacity)
        ids = .allocate(capacity: capacity)
        sorted = .allocate(capacity: capacity * 3)
    }

    deinit {
        cellStart.deallocate(); cellOf.deallocate(); ids.deallocate(); sorted.deallocate()
    }

    /// Indexes `count` centres stored row-major (`[count, dimensions]`). Allocates nothing.
    func build(centres: UnsafePointer<Float>, count n: Int) {
        precondition(n > 0 && n <= capacity, "UniformGridIndex.build: \(n) centres for a capacity of \(capacity)")
        count = n
        let d = dimensions
        var lo = SIMD3<Float>(repeating: .infinity), hi = SIMD3<Float>(repeating: -.infinity)
        if d == 2 { lo.z = 0; hi.z = 0 }
        for i in 0..<n {
            for a in 0..<d {
                let v = centres[i &* d &+ a]
                lo[a] = min(lo[a], v)
                hi[a] = max(hi[a], v)
            }
        }
        var extent = hi - lo
        let floorExtent = max(extent.max() * 1e-3, 1e-6)
        extent = extent.replacing(with: floorExtent, where: extent .< floorExtent)
        if d == 2 { extent.z = 1 }
        // Cells of side s so that the box holds about 2n of them (never more than `maxCells`).
        let volume = d == 2 ? extent.x * extent.y : extent.x * extent.y * extent.z
        var s = Float(pow(Double(volume) / Double(max(2 * n, 1)), 1 / Double(d)))
        var res = SIMD3<Int32>(1, 1, 1)
        while true {
            for a in 0..<d { res[a] = Int32(max(1, min(Float(1 << 20), (extent[a] / s).rounded(.up)))) }
            if Int(res.x) * Int(res.y) * Int(res.z) <= maxCells { break }
            s *= 1.1
        }
        lower = lo
        cellSize = s
        inverseCell = 1 / s
        resolution = res
        let cells = Int(res.x) * Int(res.y) * Int(res.z)
        cellStart.update(repeating: 0, count: cells + 1)
        for i in 0..<n {
            var c = SIMD3<Int32>(0, 0, 0)
            for a in 0..<d {
                c[a] = min(max(Int32(((centres[i &* d &+ a] - lo[a]) * inverseCell).rounded(.down)), 0), res[a] &- 1)
            }
            let cell = (c.z &* res.y &+ c.y) &* res.x &+ c.x
            cellOf[i] = cell
            cellStart[Int(cell) &+ 1] &+= 1
        }
        for c in 0..<cells { cellStart[c &+ 1] &+= cellStart[c] }
        // Scatter in id order; the cursor runs through `cellStart` and is undone afterwards.
        for i in 0..<n {
            let cell = Int(cellOf[i])
            let slot = Int(cellStart[cell])
            cellStart[cell] &+= 1
            ids[slot] = Int32(i)
            for a in 0..<3 { sorted[slot &* 3 &+ a] = a < d ? centres[i &* d &+ a] : 0 }
        }
        var c = cells
        while c > 0 { cellStart[c] = cellStart[c &- 1]; c &-= 1 }
        cellStart[0] = 0
    }

    /// The `k` centres nearest to `query` (`dimensions` floats): their ids into `result` and squared
    /// distances into `distances`, nearest first (ties keep the lower scan position). `k ≤ count`. A NaN
    /// coordinate is searched as the box's lower corner (its distances are then finite, but the caller's
    /// kernel values of the NaN point stay NaN).
    @inline(__always)
    func nearest(_ query: UnsafePointer<Float>, k: Int, ids result: UnsafeMutablePointer<Int32>,
                        distances: UnsafeMutablePointer<Float>) {
        var q = SIMD3<Float>(query[0], query[1], dimensions == 3 ? query[2] : 0)
        // A NaN coordinate has no nearest centre; search from the box's corner so the ids stay valid.
        q = q.replacing(with: lower, where: q .!= q)
        var c = SIMD3<Int32>(0, 0, 0)
        for a in 0..<3 {
            let f = ((q[a] - lower[a]) * inverseCell).rounded(.down)
            c[a] = Int32(min(max(f, 0), Float(resolution[a] &- 1)))
        }
        var found = 0
        var r: Int32 = 0
        while true {
            let z0 = max(c.z &- r, 0), z1 = min(c.z &+ r, resolution.z &- 1)
            let y0 = max(c.y &- r, 0), y1 = min(c.y &+ r, resolution.y &- 1)
            let x0 = max(c.x &- r, 0), x1 = min(c.x &+ r, resolution.x &- 1)
            var z = z0
            while z <= z1 {
                let zShell = abs(z &- c.z) == r
                var y = y0
                while y <= y1 {
                    let yzShell = zShell || abs(y &- c.y) == r
                    let rowBase = (z &* resolution.y &+ y) &* resolution.x
                    if yzShell {
                        var x = x0
                        while x <= x1 { scan(Int(rowBase &+ x), q, k, result, distances, &found); x &+= 1 }
                    } else {
                        if c.x &- r >= 0 { scan(Int(rowBase &+ c.x &- r), q, k, result, distances, &found) }
                        if r > 0 && c.x &+ r < resolution.x { scan(Int(rowBase &+ c.x &+ r), q, k, result, distances, &found) }
                    }
                    y &+= 1
                }
                z &+= 1
            }
            // The nearest any unvisited cell can be: the distance to the closest unclipped face of the box visited.
            var bound = Float.infinity
            for a in 0..<3 {
                if c[a] &- r > 0 { bound = min(bound, q[a] - (lower[a] + Float(c[a] &- r) * cellSize)) }
                if c[a] &+ r < resolution[a] &- 1 { bound = min(bound, lower[a] + Float(c[a] &+ r &+ 1) * cellSize - q[a]) }
            }
            if bound == .infinity { return }
            if found == k && distances[k &- 1] <= max(bound, 0) * max(bound, 0) { return }
            r &+= 1
        }
    }

    /// Offers the centres of one cell to the sorted candidate list.
    @inline(__always)
    private func scan(_ cell: Int, _ q: SIMD3<Float>, _ k: Int, _ result: UnsafeMutablePointer<Int32>,
                      _ distances: UnsafeMutablePointer<Float>, _ found: inout Int) {
        var j = Int(cellStart[cell])
        let end = Int(cellStart[cell &+ 1])
        while j < end {
            let p = SIMD3<Float>(sorted[j &* 3], sorted[j &* 3 &+ 1], sorted[j &* 3 &+ 2])
            let e = p - q
            let dist = (e * e).sum()
            if found < k || dist < distances[k &- 1] {
                var i = found < k ? found : k &- 1
                if found < k { found &+= 1 }
                while i > 0 && distances[i &- 1] > dist {
                    distances[i] = distances[i &- 1]
                    result[i] = result[i &- 1]
                    i &-= 1
                }
                distances[i] = dist
                result[i] = ids[j]
            }
            j &+= 1
        }
    }
}
