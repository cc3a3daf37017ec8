import Geometry
import TensorCore
import Testing

/// PointIndex / PointIndex2D against brute force: nearest and k nearest, duplicates, empty and one-point sets.
struct PointIndexTests {
    /// Brute-force k nearest, ordered by (squared distance, index) like the index.
    func bruteForce(_ points: [SIMD3<Float>], _ q: SIMD3<Float>, k: Int) -> [(Int32, Float)] {
        var all: [(Int32, Float)] = []
        all.reserveCapacity(points.count)
        for i in points.indices {
            let diff = points[i] - q
            all.append((Int32(i), (diff * diff).sum()))
        }
        return Array(all.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k))
    }

    /// The same in 2D.
    func bruteForce(_ points: [SIMD2<Float>], _ q: SIMD2<Float>, k: Int) -> [(Int32, Float)] {
        var all: [(Int32, Float)] = []
        for i in points.indices {
            let diff = points[i] - q
            all.append((Int32(i), (diff * diff).sum()))
        }
        return Array(all.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k))
    }

    /// Random points in [0, 1)³, with every `duplicateEvery`-th point a copy of an earlier one and a coarse
    /// lattice mixed in (many equal coordinates and equal distances).
    func randomPoints(_ n: Int, seed: UInt64) -> [SIMD3<Float>] {
        var rng = RandomGenerator(seed: seed)
        var points: [SIMD3<Float>] = []
        for i in 0..<n {
            if i > 0 && i % 7 == 3 {
                points.append(points[rng.nextInt(below: i)])
            } else if i % 5 == 1 {
                points.append(SIMD3(Float(rng.nextInt(below: 4)), Float(rng.nextInt(below: 4)), Float(rng.nextInt(below: 4))) / 4)
            } else {
                points.append(SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat()))
            }
        }
        return points
    }

    @Test(arguments: [0, 1, 2, 9, 100, 3000])
    func matchesBruteForce3D(count: Int) {
        let points = randomPoints(count, seed: UInt64(count) + 1)
        let index = PointIndex(points: points)
        #expect(index.count == count)
        var rng = RandomGenerator(seed: 99)
        var queries: [SIMD3<Float>] = (0..<200).map { _ in SIMD3(rng.nextFloat(-0.2, 1.2), rng.nextFloat(-0.2, 1.2), rng.nextFloat(-0.2, 1.2)) }
        queries += points.prefix(50)                                  // queries exactly on (duplicated) points
        queries.append(SIMD3(0.25, 0.5, 0.75))                        // on a lattice point: many ties around it
        let flat = queries.flatMap { [$0.x, $0.y, $0.z] }
        let expected = queries.map { bruteForce(points, $0, k: 40) }
        for k in [1, 4, 32] {
            var indices = [Int32](repeating: 7, count: queries.count * k)
            var distances = [Float](repeating: 7, count: queries.count * k)
            for threads in [1, 2] {
                flat.withUnsafeBufferPointer { q in
                    index.nearest(queries: q.baseAddress!, count: queries.count, k: k, indices: &indices,
                                  distancesSquared: &distances, pool: WorkerPool(threads: threads))
                }
                var mismatches = 0
                for row in queries.indices {
                    for j in 0..<k {
                        let e: (Int32, Float) = j < expected[row].count ? expected[row][j] : (-1, .infinity)
                        if indices[row * k + j] != e.0 || distances[row * k + j] != e.1 { mismatches += 1 }
                    }
                }
                #expect(mismatches == 0, "k \(k), \(threads) threads")
            }
            // Batched k = 1 and the single-point queries agree with the k-nearest rows.
            if k == 1 {
                var nearest = [Int32](repeating: 7, count: queries.count)
                flat.withUnsafeBufferPointer { q in
                    index.nearest(queries: q.baseAddress!, count: queries.count, indices: &nearest, distancesSquared: nil,
                                  pool: WorkerPool(threads: 2))
                }
                #expect(nearest == indices)
                for (row, q) in queries.enumerated() {
                    #expect(index.nearest(to: q)?.index ?? -1 == Int(indices[row]))
                    let list = index.nearest(to: q, k: 40)
                    #expect(list.count == min(40, count))
                    #expect(list.map { Int32($0.index) } == expected[row].map { $0.0 })
                }
            }
        }
    }

    @Test func allPointsIdentical() {
        let points = [SIMD3<Float>](repeating: SIMD3(0.5, 0.5, 0.5), count: 100)
        let index = PointIndex(points: points)
        let found = index.nearest(to: SIMD3(0, 0, 0), k: 5)
        #expect(found.map(\.index) == [0, 1, 2, 3, 4])
        #expect(found.allSatisfy { abs($0.distanceSquared - 0.75) < 1e-6 })
    }

    @Test func emptySetReportsMissing() {
        let index = PointIndex(points: [])
        #expect(index.nearest(to: .zero) == nil)
        #expect(index.nearest(to: .zero, k: 3).isEmpty)
        var indices = [Int32](repeating: 0, count: 6)
        var distances = [Float](repeating: 0, count: 6)
        let q: [Float] = [0, 0, 0, 1, 1, 1]
        q.withUnsafeBufferPointer { q in
            index.nearest(queries: q.baseAddress!, count: 2, k: 3, indices: &indices, distancesSquared: &distances,
                          pool: WorkerPool(threads: 2))
        }
        #expect(indices == [Int32](repeating: -1, count: 6))
        #expect(distances.allSatisfy { $0 == .infinity })
    }

    @Test(arguments: [0, 1, 5, 17, 2000])
    func matchesBruteForce2D(count: Int) {
        var rng = RandomGenerator(seed: 5)
        var points: [SIMD2<Float>] = (0..<count).map { _ in SIMD2(rng.nextFloat(), rng.nextFloat()) }
        if count > 10 { points[3] = points[8]; points[9] = points[8] }
        let flatPoints = points.flatMap { [$0.x, $0.y] }
        let index = flatPoints.withUnsafeBufferPointer { PointIndex2D(points: $0.baseAddress ?? UnsafePointer(bitPattern: 16)!, count: count) }
        #expect(index.count == count)
        let queries: [SIMD2<Float>] = (0..<300).map { _ in SIMD2(rng.nextFloat(-0.1, 1.1), rng.nextFloat(-0.1, 1.1)) }
            + (count > 10 ? [points[8]] : [])
        let flat = queries.flatMap { [$0.x, $0.y] }
        let k = 8
        var indices = [Int32](repeating: 0, count: queries.count * k)
        var distances = [Float](repeating: 0, count: queries.count * k)
        flat.withUnsafeBufferPointer { q in
            index.nearest(queries: q.baseAddress!, count: queries.count, k: k, indices: &indices, distancesSquared: &distances,
                          pool: WorkerPool(threads: 2))
        }
        for (row, q) in queries.enumerated() {
            let expected = bruteForce(points, q, k: k)
            for j in 0..<k {
                let e: (Int32, Float) = j < expected.count ? expected[j] : (-1, .infinity)
                #expect(indices[row * k + j] == e.0 && distances[row * k + j] == e.1)
            }
            #expect(index.nearest(to: q)?.index ?? -1 == Int(expected.first?.0 ?? -1))
        }
    }
}
