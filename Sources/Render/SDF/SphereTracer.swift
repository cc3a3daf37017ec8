import Geometry
import TensorCore

/// Finds where camera rays first meet a distance field's zero level set by sphere tracing, inside an
/// axis-aligned box. Rays are traced together in batches: every round evaluates the field once for
/// all rays still marching. A coarse grid of the field's values, sampled once, lets rays skip empty
/// space without querying the field (its trilinear value minus the cell diagonal bounds the distance).
public struct SphereTracer {
    /// The box the field lives in.
    public var boxMin: SIMD3<Float> = .zero
    public var boxMax: SIMD3<Float> = .one
    /// A ray hits when the distance falls below this (box units; instant-ngp: 6 × 5e-5 of its unit cube).
    public var hitDistance: Float = 3e-4
    /// Steps of this many times the distance. Learned distances mostly underestimate the true one near
    /// the surface, so a relaxed step saves about a third of the field queries; a step that lands inside
    /// (negative distance) is a hit, walked back by that distance. It can tunnel through a sheet thinner
    /// than a third of the step; set it below 1 to rule that out.
    public var overRelaxation: Float = 1.5
    /// Distances below which steps are relaxed (farther away a step is the plain distance, so a relaxed
    /// step never overshoots the surface by more than half of this).
    public var relaxationRange: Float = 0.03
    /// Rounds of field evaluation at most.
    public var maxSteps = 128
    /// Cells per axis of the coarse skipping grid (0: no grid).
    public var coarseResolution = 64

    /// A tracer with the default settings over the unit cube.
    public init() {}

    /// A coarse grid of field values, reused across the frames of an orbit.
    public struct CoarseGrid {
        let resolution: Int
        let values: [Float]
        let boxMin: SIMD3<Float>
        let cellSize: SIMD3<Float>

        /// A lower bound of the field's distance at `p` (inside the box).
        @inline(__always)
        func lowerBound(_ p: SIMD3<Float>) -> Float {
            let n = resolution
            let g = (p - boxMin) / cellSize
            let x = min(max(g.x, 0), Float(n) - 1e-4), y = min(max(g.y, 0), Float(n) - 1e-4), z = min(max(g.z, 0), Float(n) - 1e-4)
            let ix = Int(x), iy = Int(y), iz = Int(z)
            let fx = x - Float(ix), fy = y - Float(iy), fz = z - Float(iz)
            let s = n + 1
            let base = (iz * s + iy) * s + ix
            return values.withUnsafeBufferPointer { v -> Float in
                let c00 = v[base] + fx * (v[base + 1] - v[base])
                let c10 = v[base + s] + fx * (v[base + s + 1] - v[base + s])
                let c01 = v[base + s * s] + fx * (v[base + s * s + 1] - v[base + s * s])
                let c11 = v[base + s * s + s] + fx * (v[base + s * s + s + 1] - v[base + s * s + s])
                let c0 = c00 + fy * (c10 - c00), c1 = c01 + fy * (c11 - c01)
                return c0 + fz * (c1 - c0)
            } - length(cellSize)
        }
    }

    /// Samples the field on the coarse grid's nodes.
    public func coarseGrid(_ field: DistanceField, pool: WorkerPool) -> CoarseGrid? {
        let n = coarseResolution
        guard n > 0 else { return nil }
        let s = n + 1
        let cell = (boxMax - boxMin) / Float(n)
        let points = FloatBuffer(count: s * s * s * 3)
        for z in 0..<s { for y in 0..<s { for x in 0..<s {
            let i = (z * s + y) * s + x
            let p = boxMin + SIMD3(Float(x), Float(y), Float(z)) * cell
            points[3 * i] = p.x; points[3 * i + 1] = p.y; points[3 * i + 2] = p.z
        } } }
        var values = [Float](repeating: 0, count: s * s * s)
        values.withUnsafeMutableBufferPointer { field.distances(points: points.pointer, count: s * s * s, output: $0.baseAddress!, pool: pool) }
        return CoarseGrid(resolution: n, values: values, boxMin: boxMin, cellSize: cell)
    }

    /// Traces the rays `origins[i] + t·directions[i]` (unit directions); returns for each ray the hit
    /// distance t, or +∞ for a miss.
    public func trace(origins: [SIMD3<Float>], directions: [SIMD3<Float>], field: DistanceField,
                      grid: CoarseGrid?, pool: WorkerPool) -> [Float] {
        let count = origins.count
        var t = [Float](repeating: .infinity, count: count)
        var tEnd = [Float](repeating: 0, count: count)
        var active: [Int32] = []
        active.reserveCapacity(count)
        for i in 0..<count {
            guard let (near, far) = intersectBox(origin: origins[i], direction: directions[i]) else { continue }
            t[i] = near
            tEnd[i] = far
            active.append(Int32(i))
        }
        // Skip empty space on the coarse grid (no field queries).
        if let grid {
            let activeCount = active.count
            var hit = [Bool](repeating: true, count: activeCount)
            // Step on the bound until it is a small fraction of a cell: the ray is then about one cell
            // diagonal from the surface (or it has left the box).
            let limit = 0.1 * grid.cellSize.min()
            t.withUnsafeMutableBufferPointer { tp in
                hit.withUnsafeMutableBufferPointer { hp in
                    let tPointer = UncheckedPointer(tp.baseAddress!), hPointer = UncheckedPointer(hp.baseAddress!)
                    pool.parallelRanges(activeCount, granularity: 64) { _, range in
                        for k in range {
                            let i = Int(active[k])
                            var ti = tPointer.value[i]
                            var alive = true
                            for _ in 0..<1024 {
                                let bound = grid.lowerBound(origins[i] + ti * directions[i])
                                if bound < limit { break }
                                ti += bound
                                if ti > tEnd[i] { alive = false; break }
                            }
                            tPointer.value[i] = alive ? ti : .infinity
                            hPointer.value[k] = alive
                        }
                    }
                }
            }
            active = zip(active, hit).compactMap { $0.1 ? $0.0 : nil }
        }
        // Sphere trace the rest on the field, all active rays per round.
        let points = FloatBuffer(count: max(active.count, 1) * 3)
        let values = FloatBuffer(count: max(active.count, 1))
        var round = 0
        while !active.isEmpty && round < maxSteps {
            for (k, ray) in active.enumerated() {
                let i = Int(ray)
                let p = origins[i] + t[i] * directions[i]
                points[3 * k] = p.x; points[3 * k + 1] = p.y; points[3 * k + 2] = p.z
            }
            field.distances(points: points.pointer, count: active.count, output: values.pointer, pool: pool)
            var next = 0
            for (k, ray) in active.enumerated() {
                let i = Int(ray)
                let d = values[k]
                if d < hitDistance {
                    if d < 0 { t[i] += d }                      // overshot: walk back to about the surface
                    continue                                    // hit
                }
                t[i] += d < relaxationRange ? overRelaxation * d : d
                if t[i] > tEnd[i] { t[i] = .infinity; continue }
                active[next] = ray
                next += 1
            }
            active.removeLast(active.count - next)
            round += 1
        }
        for ray in active { t[Int(ray)] = .infinity }       // never converged: count as a miss
        return t
    }

    /// The entry and exit distances of a ray through the box, or nil when it misses.
    @inline(__always)
    func intersectBox(origin: SIMD3<Float>, direction: SIMD3<Float>) -> (Float, Float)? {
        var near: Float = 0, far = Float.infinity
        for a in 0..<3 {
            let inv = 1 / direction[a]
            var t0 = (boxMin[a] - origin[a]) * inv, t1 = (boxMax[a] - origin[a]) * inv
            if t0 > t1 { swap(&t0, &t1) }
            if t0.isNaN || t1.isNaN { if origin[a] < boxMin[a] || origin[a] > boxMax[a] { return nil } else { continue } }
            near = max(near, t0)
            far = min(far, t1)
        }
        return near <= far ? (near, far) : nil
    }
}

/// A pointer shared by workers that write disjoint elements.
struct UncheckedPointer<T>: @unchecked Sendable {
    let value: UnsafeMutablePointer<T>
    init(_ value: UnsafeMutablePointer<T>) { self.value = value }
}
