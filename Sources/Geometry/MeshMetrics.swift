import FieldIO
import TensorCore

/// How close two surfaces are: Chamfer distance and normal consistency from point samples.
public struct MeshComparison: Sendable, Equatable {
    /// Mean distance from A's samples to their nearest sample of B ("accuracy" when A is the reconstruction).
    public var meanDistanceAToB: Double
    /// Mean distance from B's samples to their nearest sample of A ("completeness").
    public var meanDistanceBToA: Double
    /// Symmetric Chamfer distance: (meanDistanceAToB + meanDistanceBToA) / 2, plain (unsquared) L2 distances.
    public var chamfer: Double
    /// Mean |n_a · n_b| over A's samples (n_b: the face normal at the nearest sample of B).
    public var normalConsistencyAToB: Double
    /// Mean |n_b · n_a| over B's samples.
    public var normalConsistencyBToA: Double
    /// Normal consistency: (normalConsistencyAToB + normalConsistencyBToA) / 2, in [0, 1].
    public var normalConsistency: Double
    /// Points sampled on each surface.
    public var samples: Int
}

/// Compares two triangle meshes given in the same units (e.g. an extracted mesh A against a reference B).
public enum MeshMetrics {
    /// Samples `samples` points uniformly (by area) on each surface with `SurfaceSampler` (A from sub-stream 1
    /// and B from sub-stream 2 of `seed`, so a mesh compared with itself shows the sampling floor, not 0),
    /// finds each sample's nearest sample on the other surface (exact, `PointIndex`), and reports:
    /// - Chamfer distance, the DTU convention: `chamfer = (mean_AtoB + mean_BtoA) / 2` where each mean is over
    ///   plain (unsquared) Euclidean nearest-neighbour distances; both one-sided means are reported too;
    /// - normal consistency: the mean over both directions of |n · n′|, n the face normal of the triangle a
    ///   sample was drawn from and n′ that of its nearest sample on the other surface (orientation-blind).
    ///
    /// If either mesh has no area, the distances are +∞ and the normal consistencies 0.
    public static func compare(_ a: TriangleMesh, _ b: TriangleMesh, samples: Int = 100_000, seed: UInt64 = 0,
                               pool: WorkerPool) -> MeshComparison {
        precondition(samples >= 1, "MeshMetrics: at least one sample")
        guard hasArea(a), hasArea(b) else {
            return MeshComparison(meanDistanceAToB: .infinity, meanDistanceBToA: .infinity, chamfer: .infinity,
                                  normalConsistencyAToB: 0, normalConsistencyBToA: 0, normalConsistency: 0, samples: samples)
        }
        let root = RandomGenerator(seed: seed)
        let sa = sample(a, samples, root.fork(1))
        let sb = sample(b, samples, root.fork(2))
        let ab = oneSided(from: sa, to: sb, pool: pool)
        let ba = oneSided(from: sb, to: sa, pool: pool)
        return MeshComparison(meanDistanceAToB: ab.distance, meanDistanceBToA: ba.distance,
                              chamfer: (ab.distance + ba.distance) / 2,
                              normalConsistencyAToB: ab.normals, normalConsistencyBToA: ba.normals,
                              normalConsistency: (ab.normals + ba.normals) / 2, samples: samples)
    }

    /// Whether a mesh has a triangle of positive area.
    private static func hasArea(_ m: TriangleMesh) -> Bool {
        m.triangles.contains { t in
            let p = m.positions[Int(t.x)], q = m.positions[Int(t.y)], r = m.positions[Int(t.z)]
            return length(cross(q - p, r - p)) > 0
        }
    }

    /// Surface samples as xyz rows and the unit face normal at each.
    private static func sample(_ mesh: TriangleMesh, _ count: Int, _ rng: RandomGenerator)
        -> (points: [Float], normals: [SIMD3<Float>]) {
        let sampler = SurfaceSampler(mesh)
        var rng = rng
        var points = [Float](repeating: 0, count: 3 * count)
        var normals = [SIMD3<Float>](repeating: .zero, count: count)
        for i in 0..<count {
            let (p, t) = sampler.sample(&rng)
            points[3 * i] = p.x; points[3 * i + 1] = p.y; points[3 * i + 2] = p.z
            normals[i] = sampler.faceNormals[t]
        }
        return (points, normals)
    }

    /// Mean nearest-neighbour distance and mean |normal agreement| from one sample set to another.
    private static func oneSided(from source: (points: [Float], normals: [SIMD3<Float>]),
                                 to target: (points: [Float], normals: [SIMD3<Float>]),
                                 pool: WorkerPool) -> (distance: Double, normals: Double) {
        let n = source.normals.count
        let index = target.points.withUnsafeBufferPointer { PointIndex(points: $0.baseAddress!, count: target.normals.count) }
        var nearest = [Int32](repeating: -1, count: n)
        var d2 = [Float](repeating: 0, count: n)
        source.points.withUnsafeBufferPointer { q in
            nearest.withUnsafeMutableBufferPointer { i in
                d2.withUnsafeMutableBufferPointer { d in
                    index.nearest(queries: q.baseAddress!, count: n, indices: i.baseAddress!,
                                  distancesSquared: d.baseAddress!, pool: pool)
                }
            }
        }
        // Sequential sums in Double: the same result for any thread count.
        var distance = 0.0, agreement = 0.0
        for i in 0..<n {
            distance += Double(d2[i]).squareRoot()
            agreement += Double(abs(dot(source.normals[i], target.normals[Int(nearest[i])])))
        }
        return (distance / Double(n), agreement / Double(n))
    }
}
