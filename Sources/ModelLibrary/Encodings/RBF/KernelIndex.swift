import TensorCore

/// Exact k-nearest-neighbour queries over a set of 2D or 3D kernel centres (NeuRBF's per-point kernel lookup
/// and the k-means assignment).
///
/// 2D (image kernels, spread over the whole image) uses a uniform grid of cells (`UniformGridIndex`); 3D uses a
/// k-d tree (`KDTreeIndex`), because SDF and NeRF kernels gather on a surface while queries also come from empty
/// space, where a grid search scans many empty cells (it made NeRF steps with pre-fit kernels 1.6× slower).
/// Both answer exactly, allocate nothing in `build` or `nearest`, and may be queried from any number of threads
/// at once. Ties: the grid keeps the lower scan position, the tree the lower id.
public final class KernelIndex {
    /// 2 or 3.
    public let dimensions: Int
    /// The most centres `build` accepts.
    public let capacity: Int
    private let grid: UniformGridIndex?
    private let tree: KDTreeIndex?

    /// An empty index for up to `capacity` centres in `dimensions` (2 or 3) dimensions.
    public init(dimensions: Int, capacity: Int) {
        precondition(dimensions == 2 || dimensions == 3, "KernelIndex: 2 or 3 dimensions")
        precondition(capacity > 0, "KernelIndex: capacity must be positive")
        self.dimensions = dimensions
        self.capacity = capacity
        grid = dimensions == 2 ? UniformGridIndex(dimensions: 2, capacity: capacity) : nil
        tree = dimensions == 3 ? KDTreeIndex(dimensions: 3, capacity: capacity) : nil
    }

    /// The number of centres indexed by the last `build`.
    public var count: Int { grid?.count ?? tree!.count }

    /// Indexes `count` centres stored row-major (`[count, dimensions]`). Allocates nothing.
    public func build(centres: UnsafePointer<Float>, count n: Int) {
        if let grid { grid.build(centres: centres, count: n) } else { tree!.build(centres: centres, count: n) }
    }

    /// The `k` centres nearest to `query` (`dimensions` floats): their ids into `result` and squared
    /// distances into `distances`, nearest first. `k ≤ count`. A NaN coordinate is searched from a corner of
    /// the centres' box (distances stay finite and ids valid; the caller's values of the NaN point stay NaN).
    @inline(__always)
    public func nearest(_ query: UnsafePointer<Float>, k: Int, ids result: UnsafeMutablePointer<Int32>,
                        distances: UnsafeMutablePointer<Float>) {
        if let grid { grid.nearest(query, k: k, ids: result, distances: distances) } else {
            tree!.nearest(query, k: k, ids: result, distances: distances)
        }
    }
}
