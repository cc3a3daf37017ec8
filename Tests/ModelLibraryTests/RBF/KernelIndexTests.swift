import ModelLibrary
import TensorCore
import Testing

/// The kernel index against brute force, and weighted k-means on a clustered point set.
struct KernelIndexTests {
    /// Brute-force squared distances of the k nearest, ascending.
    static func bruteForce(_ centres: [Float], d: Int, query: [Float], k: Int) -> [Float] {
        var dist: [Float] = []
        for i in 0..<(centres.count / d) {
            var s: Float = 0
            for a in 0..<d { let e = centres[i * d + a] - query[a]; s += e * e }
            dist.append(s)
        }
        return Array(dist.sorted().prefix(k))
    }

    @Test(arguments: [2, 3])
    func matchesBruteForce(_ d: Int) {
        var rng = RandomGenerator(seed: UInt64(d))
        // Uniform centres plus a tight cluster (uneven cell occupancy).
        var centres: [Float] = []
        for _ in 0..<300 { for _ in 0..<d { centres.append(rng.nextFloat()) } }
        for _ in 0..<200 { for _ in 0..<d { centres.append(0.3 + 0.01 * rng.nextFloat()) } }
        let index = KernelIndex(dimensions: d, capacity: 600)
        centres.withUnsafeBufferPointer { index.build(centres: $0.baseAddress!, count: 500) }
        var ids = [Int32](repeating: 0, count: 16), dist = [Float](repeating: 0, count: 16)
        for q in 0..<400 {
            // Queries inside the box, in the cluster, and outside the box.
            let query: [Float] = (0..<d).map { _ in q % 3 == 0 ? rng.nextFloat(-0.5, 1.5) : (q % 3 == 1 ? 0.3 + 0.012 * rng.nextFloat() : rng.nextFloat()) }
            for k in [1, 4, 8, 16] {
                query.withUnsafeBufferPointer { qp in
                    index.nearest(qp.baseAddress!, k: k, ids: &ids, distances: &dist)
                }
                let expected = KernelIndexTests.bruteForce(centres, d: d, query: query, k: k)
                for j in 0..<k {
                    // The reported id really is at the reported distance, and the distances match brute force.
                    var s: Float = 0
                    for a in 0..<d { let e = centres[Int(ids[j]) * d + a] - query[a]; s += e * e }
                    #expect(s == dist[j])
                    #expect(dist[j] == expected[j], "d \(d) k \(k) query \(query): \(dist[j]) vs \(expected[j])")
                }
                #expect(Set(ids.prefix(k)).count == k)
            }
        }
    }

    @Test func rebuildsForNewCentres() {
        let index = KernelIndex(dimensions: 2, capacity: 4)
        var ids = [Int32](repeating: 0, count: 1), dist = [Float](repeating: 0, count: 1)
        let a: [Float] = [0, 0, 1, 1], b: [Float] = [5, 5, 2, 2, 9, 9]
        a.withUnsafeBufferPointer { index.build(centres: $0.baseAddress!, count: 2) }
        index.nearest([0.9, 0.8], k: 1, ids: &ids, distances: &dist)
        #expect(ids[0] == 1)
        b.withUnsafeBufferPointer { index.build(centres: $0.baseAddress!, count: 3) }
        index.nearest([0.9, 0.8], k: 1, ids: &ids, distances: &dist)
        #expect(ids[0] == 1 && index.count == 3)
    }

    @Test func weightedKMeansRecoversClusters() {
        let truth: [SIMD2<Float>] = [SIMD2(0.2, 0.2), SIMD2(0.8, 0.25), SIMD2(0.5, 0.8), SIMD2(0.15, 0.7)]
        var rng = RandomGenerator(seed: 9)
        var points: [Float] = [], weights: [Float] = []
        for c in truth {
            for _ in 0..<500 {
                points += [c.x + 0.03 * rng.nextGaussian(), c.y + 0.03 * rng.nextGaussian()]
                weights.append(0.5 + rng.nextFloat())
            }
        }
        // Noise points of tiny weight must not pull the centres.
        for _ in 0..<200 { points += [rng.nextFloat(), rng.nextFloat()]; weights.append(1e-6) }
        var seedRNG = RandomGenerator(seed: 3)
        let result = points.withUnsafeBufferPointer { p in weights.withUnsafeBufferPointer { w in
            WeightedKMeans(points: p.baseAddress!, weights: w.baseAddress!, count: weights.count, dimensions: 2, clusters: 4,
                           iterations: 10, rng: &seedRNG, pool: WorkerPool(threads: 2))
        } }
        for c in truth {
            let best = (0..<4).map { i in
                let e = SIMD2(result.centres[2 * i], result.centres[2 * i + 1]) - c
                return (e * e).sum().squareRoot()
            }.min()!
            #expect(best < 0.01, "cluster \(c) missed by \(best): \(result.centres)")
        }
        // The covariance of a cluster is about 0.03² on the diagonal.
        for i in 0..<4 { #expect(abs(result.covariances[i * 4] - 0.0009) < 0.0003, "\(result.covariances)") }
        // Deterministic for a seed.
        var again = RandomGenerator(seed: 3)
        let second = points.withUnsafeBufferPointer { p in weights.withUnsafeBufferPointer { w in
            WeightedKMeans(points: p.baseAddress!, weights: w.baseAddress!, count: weights.count, dimensions: 2, clusters: 4,
                           iterations: 10, rng: &again, pool: WorkerPool(threads: 1))
        } }
        #expect(second.centres == result.centres)
    }
}
