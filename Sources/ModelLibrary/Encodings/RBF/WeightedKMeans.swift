import Foundation
import TensorCore

/// Weighted k-means as NeuRBF initialises its kernels (A.2): K distinct starting points drawn with
/// probability ∝ weight without replacement, then Lloyd iterations — each point to its nearest centre
/// (through a `KernelIndex`), each centre to its cluster's weighted mean; an empty cluster keeps its centre.
/// The result also carries each cluster's weighted covariance. Deterministic for a seed and thread count
/// (assignment is split across the pool's workers; sums run in point order).
public struct WeightedKMeans {
    /// Centres `[clusters, dimensions]`.
    public var centres: [Float]
    /// Weighted covariances of the offsets p − c_k, `[clusters, d, d]` (zeros for an empty cluster).
    public var covariances: [Double]
    /// The total weight of each cluster.
    public var clusterWeights: [Double]
    /// Each point's cluster.
    public var assignment: [Int32]

    /// Clusters `count` points (`[count, dimensions]`, d = 2 or 3) with positive `weights` into `clusters`
    /// (≤ count) groups in `iterations` Lloyd steps.
    public init(points: UnsafePointer<Float>, weights: UnsafePointer<Float>, count n: Int, dimensions d: Int,
                clusters k: Int, iterations: Int = 10, rng: inout RandomGenerator, pool: WorkerPool) {
        precondition(k > 0 && k <= n, "WeightedKMeans: \(k) clusters for \(n) points")
        // Efraimidis–Spirakis: the k largest keys log(u)/w are a weighted sample without replacement.
        var keys = [(Float, Int32)](repeating: (0, 0), count: n)
        for i in 0..<n {
            let u = max(rng.nextFloat(), 1e-30)
            keys[i] = (log(u) / max(weights[i], 1e-30), Int32(i))
        }
        keys.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        var centres = [Float](repeating: 0, count: k * d)
        for c in 0..<k { for a in 0..<d { centres[c * d + a] = points[Int(keys[c].1) * d + a] } }
        keys = []
        let index = KernelIndex(dimensions: d, capacity: k)
        var assignment = [Int32](repeating: 0, count: n)
        var sums = [Double](repeating: 0, count: k * d)
        var mass = [Double](repeating: 0, count: k)
        for _ in 0..<max(iterations, 1) {
            WeightedKMeans.assign(points, n, d, centres, index, &assignment, pool)
            sums.withUnsafeMutableBufferPointer { s in s.update(repeating: 0) }
            mass.withUnsafeMutableBufferPointer { m in m.update(repeating: 0) }
            for i in 0..<n {
                let c = Int(assignment[i]), w = Double(weights[i])
                mass[c] += w
                for a in 0..<d { sums[c * d + a] += w * Double(points[i * d + a]) }
            }
            for c in 0..<k where mass[c] > 0 {
                for a in 0..<d { centres[c * d + a] = Float(sums[c * d + a] / mass[c]) }
            }
        }
        // Final assignment to the final centres, then covariances.
        WeightedKMeans.assign(points, n, d, centres, index, &assignment, pool)
        var cov = [Double](repeating: 0, count: k * d * d)
        mass = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let c = Int(assignment[i]), w = Double(weights[i])
            mass[c] += w
            for a in 0..<d {
                let ea = Double(points[i * d + a] - centres[c * d + a])
                for b in 0..<d { cov[(c * d + a) * d + b] += w * ea * Double(points[i * d + b] - centres[c * d + b]) }
            }
        }
        for c in 0..<k where mass[c] > 0 { for e in 0..<(d * d) { cov[c * d * d + e] /= mass[c] } }
        self.centres = centres
        covariances = cov
        clusterWeights = mass
        self.assignment = assignment
    }

    /// Each point's nearest centre.
    private static func assign(_ points: UnsafePointer<Float>, _ n: Int, _ d: Int, _ centres: [Float], _ index: KernelIndex,
                               _ assignment: inout [Int32], _ pool: WorkerPool) {
        centres.withUnsafeBufferPointer { index.build(centres: $0.baseAddress!, count: centres.count / d) }
        assignment.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            pool.parallelRanges(n, granularity: 256) { _, range in
                var id: Int32 = 0
                var dist: Float = 0
                for i in range {
                    index.nearest(points + i &* d, k: 1, ids: &id, distances: &dist)
                    o[i] = id
                }
            }
        }
    }
}
