import TensorCore

/// How the unit normal of a distance field's level set is estimated at a point: the field's own gradient, or
/// finite differences of its values. A trained hash grid's own gradient carries the noise of its finest levels
/// (speckles in a shaded render); differences over a few finest cells average it out (issue 23 measured
/// the candidates: `fieldfit-bench --only sdf-normals`, BENCHMARKS.md).
public enum NormalEstimate: Equatable, Sendable {
    /// `DistanceField.gradients`: for a network, back-propagated to its input.
    case fieldGradient
    /// Central differences of step `step` along each axis (six evaluations per point).
    case centralDifferences(step: Float)
    /// Differences at the four corners `p + step·k` of a tetrahedron, k ∈ {(1,−1,−1), (−1,−1,1), (−1,1,−1),
    /// (1,1,1)}: gradient ≈ Σ k·f(p + step·k) / (4·step) (four evaluations per point).
    case tetrahedron(step: Float)

    /// Field evaluations per point (the field gradient counts as one).
    public var evaluationsPerPoint: Int {
        switch self {
        case .fieldGradient: return 1
        case .centralDifferences: return 6
        case .tetrahedron: return 4
        }
    }

    /// Points per batch handed to the field (probes per batch: this × `evaluationsPerPoint`).
    static let chunk = 1 << 15

    /// The (unnormalised) gradient estimates at `count` xyz rows of `points` into `gradients` (`[count, 3]`).
    /// The differences are batched: each field call takes up to 2^15 points' probes at once.
    public func gradients(of field: DistanceField, points: UnsafePointer<Float>, count: Int,
                          gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        guard count > 0 else { return }
        let offsets: [SIMD3<Float>], weight: Float
        switch self {
        case .fieldGradient:
            let distances = FloatBuffer(count: count)
            field.gradients(points: points, count: count, distances: distances.pointer, gradients: gradients, pool: pool)
            return
        case .centralDifferences(let h):
            offsets = [SIMD3(h, 0, 0), SIMD3(-h, 0, 0), SIMD3(0, h, 0), SIMD3(0, -h, 0), SIMD3(0, 0, h), SIMD3(0, 0, -h)]
            weight = 1 / (2 * h * h)
        case .tetrahedron(let h):
            offsets = [SIMD3(1, -1, -1), SIMD3(-1, -1, 1), SIMD3(-1, 1, -1), SIMD3(1, 1, 1)].map { h * $0 }
            weight = 1 / (4 * h * h)
        }
        // g = Σ_k offset_k · f(p + offset_k) · weight: for the axis pairs (±h) this is (f₊ − f₋)/(2h).
        let k = offsets.count
        let batch = min(count, NormalEstimate.chunk)
        let probes = FloatBuffer(count: batch * k * 3), values = FloatBuffer(count: batch * k)
        let probe = probes.pointer, samples = values.pointer
        var start = 0
        while start < count {
            let n = min(batch, count - start)
            pool.parallelRanges(n, granularity: 1024) { _, range in
                for i in range {
                    let s = 3 &* (start &+ i)
                    let p = SIMD3(points[s], points[s &+ 1], points[s &+ 2])
                    for j in 0..<k {
                        let q = p + offsets[j], r = 3 &* (k &* i &+ j)
                        probe[r] = q.x; probe[r &+ 1] = q.y; probe[r &+ 2] = q.z
                    }
                }
            }
            field.distances(points: probes.pointer, count: n * k, output: values.pointer, pool: pool)
            pool.parallelRanges(n, granularity: 1024) { _, range in
                for i in range {
                    var g = SIMD3<Float>.zero
                    for j in 0..<k { g += offsets[j] * samples[k &* i &+ j] }
                    g *= weight
                    let s = 3 &* (start &+ i)
                    gradients[s] = g.x; gradients[s &+ 1] = g.y; gradients[s &+ 2] = g.z
                }
            }
            start += n
        }
    }

    /// Unit normals at `count` xyz rows of `points` (normalised `gradients(of:…)`; zero where the estimate vanishes
    /// or is not finite).
    public func normals(of field: DistanceField, points: UnsafePointer<Float>, count: Int, pool: WorkerPool) -> [SIMD3<Float>] {
        let g = FloatBuffer(count: max(count, 1) * 3)
        gradients(of: field, points: points, count: count, gradients: g.pointer, pool: pool)
        return (0..<count).map { i in
            let v = SIMD3(g[3 * i], g[3 * i + 1], g[3 * i + 2])
            let l = (v * v).sum().squareRoot()
            return l > 0 && l.isFinite ? v / l : .zero
        }
    }
}
