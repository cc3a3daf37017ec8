/// What the oracle knows at one node of its grid: the unsigned distance to the mesh, the closest
/// triangle, which side of the mesh the node is on and a bound on how far the winding number there may
/// be from that side's ideal value (|w − 1| inside, |w| outside).
struct GridSample {
    var distance: Float
    var triangle: Int32
    var windingBound: Float
    var inside: Bool
}

/// A regular grid of `GridSample`s over a box, used two ways by `SignedDistanceOracle`: the nearest
/// node's closest triangle seeds the exact distance search with a tight upper bound, and its sample
/// certifies the query's sign without a winding-number evaluation when a ball free of the mesh holds both
/// points (see `SignedDistanceOracle`).
final class SignCertificateGrid: @unchecked Sendable {
    /// Cells per axis (nodes per axis = cells + 1).
    let cells: Int
    let origin: SIMD3<Float>
    let spacing: SIMD3<Float>
    let inverseSpacing: SIMD3<Float>
    let samples: UnsafeMutablePointer<GridSample>

    /// An uninitialised grid of `cells`³ cells spanning `lo`…`hi` (hi > lo on every axis).
    init(lo: SIMD3<Float>, hi: SIMD3<Float>, cells: Int) {
        self.cells = max(1, cells)
        origin = lo
        spacing = (hi - lo) / Float(self.cells)
        inverseSpacing = 1 / spacing
        let nodes = (self.cells + 1) * (self.cells + 1) * (self.cells + 1)
        samples = .allocate(capacity: nodes)
        samples.initialize(repeating: GridSample(distance: 0, triangle: -1, windingBound: 1, inside: false), count: nodes)
    }

    deinit { samples.deallocate() }

    /// The number of nodes.
    var nodeCount: Int { (cells + 1) * (cells + 1) * (cells + 1) }

    /// The position of node `index` (x fastest).
    @inline(__always)
    func position(_ index: Int) -> SIMD3<Float> {
        let n = cells + 1
        let i = index % n, j = (index / n) % n, k = index / (n * n)
        return origin + spacing * SIMD3(Float(i), Float(j), Float(k))
    }

    /// The node nearest to `p` (clamped to the grid): its index and position.
    @inline(__always)
    func nearest(_ p: SIMD3<Float>) -> (index: Int, position: SIMD3<Float>) {
        let f = (p - origin) * inverseSpacing
        let top = Float(cells)
        @inline(__always) func snap(_ x: Float) -> Int {
            var v = x + 0.5
            if !(v > 0) { v = 0 }          // also catches NaN
            if v > top { v = top }
            return Int(v)
        }
        let i = snap(f.x), j = snap(f.y), k = snap(f.z)
        let n = cells + 1
        return ((k &* n &+ j) &* n &+ i, origin + spacing * SIMD3(Float(i), Float(j), Float(k)))
    }
}
