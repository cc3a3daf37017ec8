import FieldIO
import Foundation
import TensorCore

/// One rendered view of a radiance field: colour (composited over the background), expected depth
/// (distance along the ray, in unit-cube units, weighted by opacity) and opacity per pixel.
public struct RadianceImage {
    /// RGB with the background composited in.
    public var rgb: Image
    /// Σ wᵢ·tᵢ per pixel (0 where nothing was hit).
    public var depth: [Float]
    /// 1 − final transmittance per pixel.
    public var opacity: [Float]
    /// Network evaluations it took.
    public var samples: Int
}

/// Renders a radiance field (any `RadianceField`) by marching every pixel's ray through the occupancy grid in
/// rounds: each round takes a few samples from every ray still active, asks the field for their density,
/// composites the weights, asks for colour only where a sample's weight is visible (> 1e-5),
/// and drops the rays that left the volume or whose transmittance fell below the threshold (instant-ngp:
/// 0.01 for display, 1e-4 for test views). Deterministic: ray state depends only on the field, never on
/// the thread count.
public final class RadianceRenderer {
    /// The grid whose bits decide where to sample.
    public let grid: OccupancyGrid
    private let marcher: RayMarcher

    /// A renderer over `grid`.
    public init(grid: OccupancyGrid) {
        self.grid = grid
        marcher = RayMarcher(grid: grid)
    }

    /// Renders `camera`'s view of `field`.
    public func render(_ camera: Camera, field: some RadianceField, background: SIMD3<Float>, minTransmittance: Float = 0.01,
                       pool: WorkerPool) -> RadianceImage {
        let origin = camera.position, width = camera.width
        let out = render(rays: width * camera.height, field: field, background: background, minTransmittance: minTransmittance,
                         pool: pool) { i in
            (origin, camera.rayDirection(pixelX: Float(i % width) + 0.5, pixelY: Float(i / width) + 0.5))
        }
        return RadianceImage(rgb: Image(width: camera.width, height: camera.height, channels: 3, pixels: out.rgb),
                             depth: out.depth, opacity: out.opacity, samples: out.samples)
    }

    /// Renders `count` arbitrary rays (`ray(i)` gives ray i's origin and unit direction, called once per
    /// ray from any worker): RGB (3 per ray, background composited), expected depth and opacity per ray.
    public func render(rays n: Int, field: some RadianceField, background: SIMD3<Float>, minTransmittance: Float = 0.01,
                       pool: WorkerPool, ray: (Int) -> (origin: SIMD3<Float>, direction: SIMD3<Float>))
        -> (rgb: [Float], depth: [Float], opacity: [Float], samples: Int) {
        let capacity = field.batchCapacity
        let volume = grid.volume, marcher = self.marcher
        let t = FloatBuffer(count: n), far = FloatBuffer(count: n), transmittance = FloatBuffer(count: n)
        let color = FloatBuffer(count: n * 3), depth = FloatBuffer(count: n)
        let dirs = FloatBuffer(count: n * 3), origins = FloatBuffer(count: n * 3)
        let startsInside = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, n))
        defer { startsInside.deallocate() }
        do {
            let tp = t.pointer, fp = far.pointer, dp = dirs.pointer, op = origins.pointer, Tp = transmittance.pointer
            pool.parallelRanges(n, granularity: 1024) { _, range in
                for i in range {
                    let (o, d) = ray(i)
                    dp[3 &* i] = d.x; dp[3 &* i &+ 1] = d.y; dp[3 &* i &+ 2] = d.z
                    op[3 &* i] = o.x; op[3 &* i &+ 1] = o.y; op[3 &* i &+ 2] = o.z
                    Tp[i] = 1
                    if let span = volume.clip(origin: o, direction: d) {
                        tp[i] = span.near; fp[i] = span.far; startsInside[i] = true
                    } else {
                        startsInside[i] = false
                    }
                }
            }
        }
        var active = [Int32](); active.reserveCapacity(n)
        for i in 0..<n where startsInside[i] { active.append(Int32(i)) }
        let g = field.geometryWidth
        let rows = max(capacity, n)
        // Staging (k slots per active ray), then packed rows.
        let stagedPositions = FloatBuffer(count: rows * 3), stagedSteps = FloatBuffer(count: rows), stagedDistances = FloatBuffer(count: rows)
        let positions = FloatBuffer(count: rows * 3), steps = FloatBuffer(count: rows), distances = FloatBuffer(count: rows)
        let geometry = FloatBuffer(count: rows * g), weights = FloatBuffer(count: rows)
        let rowRay = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        let compact = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        defer { compact.deallocate(); rowRay.deallocate() }
        var gatheredGeometry = FloatBuffer(count: 0), gatheredDirections = FloatBuffer(count: 0), rgbOut = FloatBuffer(count: 0)
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: n), offsets = UnsafeMutablePointer<Int32>.allocate(capacity: n + 1)
        let finished = UnsafeMutablePointer<Bool>.allocate(capacity: n)
        defer { counts.deallocate(); offsets.deallocate(); finished.deallocate() }
        var samples = 0
        /// Samples whose weight is below this get no colour evaluation (their contribution is invisible).
        let negligible: Float = 1e-5
        while !active.isEmpty {
            let a = active.count
            let k = max(1, min(64, capacity / a))
            let tp = t.pointer, fp = far.pointer, dp = dirs.pointer, op = origins.pointer
            let sp0 = stagedPositions.pointer, ss0 = stagedSteps.pointer, sz0 = stagedDistances.pointer
            // One march per ray into its k staging slots.
            active.withUnsafeBufferPointer { act in
                pool.parallelRanges(a, granularity: 64) { _, range in
                    for j in range {
                        let i = Int(act[j])
                        let d = SIMD3(dp[3 &* i], dp[3 &* i &+ 1], dp[3 &* i &+ 2])
                        let origin = SIMD3(op[3 &* i], op[3 &* i &+ 1], op[3 &* i &+ 2])
                        var slot = j &* k
                        var s = tp[i]
                        counts[j] = Int32(marcher.march(origin: origin, direction: d, t: &s, far: fp[i], maxSamples: k) { p, ts, dt in
                            let q = volume.networkPosition(p)
                            sp0[3 &* slot] = q.x; sp0[3 &* slot &+ 1] = q.y; sp0[3 &* slot &+ 2] = q.z
                            ss0[slot] = dt; sz0[slot] = ts
                            slot &+= 1
                        })
                        tp[i] = s
                    }
                }
            }
            var total = 0
            for j in 0..<a { offsets[j] = Int32(total); total += Int(counts[j]) }
            offsets[a] = Int32(total)
            let pp = positions.pointer, sp = steps.pointer, zp = distances.pointer
            pool.parallelRanges(a, granularity: 64) { _, range in
                for j in range {
                    let start = Int(offsets[j]), c = Int(counts[j])
                    (pp + 3 &* start).update(from: sp0 + 3 &* (j &* k), count: 3 &* c)
                    (sp + start).update(from: ss0 + j &* k, count: c)
                    (zp + start).update(from: sz0 + j &* k, count: c)
                    for r in start..<(start &+ c) { rowRay[r] = Int32(j) }
                }
            }
            samples += total
            // Density first (the density network alone), then weights along each ray.
            if total > 0 { field.density(points: pp, output: geometry.pointer, count: total, pool: pool) }
            let gp = geometry.pointer, wp = weights.pointer, Tp = transmittance.pointer, zd = depth.pointer
            active.withUnsafeBufferPointer { act in
                pool.parallelRanges(a, granularity: 64) { _, range in
                    for j in range {
                        let i = Int(act[j])
                        var T = Tp[i], z = zd[i]
                        var row = Int(offsets[j])
                        let end = Int(offsets[j + 1])
                        while row < end && T >= minTransmittance {
                            let alpha = 1 - exp(-VolumeCompositing.density(gp[row &* g]) * sp[row])
                            let w = alpha * T
                            wp[row] = w
                            z += w * zp[row]
                            T *= 1 - alpha
                            row &+= 1
                        }
                        while row < end { wp[row] = 0; row &+= 1 }
                        Tp[i] = T; zd[i] = z
                        finished[i] = T < minTransmittance || Int(counts[j]) < k
                    }
                }
            }
            // Colour only where it shows.
            var m = 0
            for row in 0..<total {
                if wp[row] > negligible { compact[row] = Int32(m); m += 1 } else { compact[row] = -1 }
            }
            if m > 0 {
                if gatheredGeometry.count < m * g {
                    gatheredGeometry = FloatBuffer(count: m * g)
                    gatheredDirections = FloatBuffer(count: m * 3); rgbOut = FloatBuffer(count: m * 3)
                }
                let gg = gatheredGeometry.pointer, gd = gatheredDirections.pointer
                let compactRows = UnsafePointer(compact)
                active.withUnsafeBufferPointer { act in
                    pool.parallelRanges(total, granularity: 256) { _, range in
                        for row in range where compactRows[row] >= 0 {
                            let c = Int(compactRows[row]), i = Int(act[Int(rowRay[row])])
                            gd[3 &* c] = (dp[3 &* i] + 1) * 0.5; gd[3 &* c &+ 1] = (dp[3 &* i &+ 1] + 1) * 0.5
                            gd[3 &* c &+ 2] = (dp[3 &* i &+ 2] + 1) * 0.5
                            (gg + c &* g).update(from: gp + row &* g, count: g)
                        }
                    }
                }
                field.color(geometry: gg, directions: gd, output: rgbOut.pointer, count: m, pool: pool)
                let rp = rgbOut.pointer, cp = color.pointer
                active.withUnsafeBufferPointer { act in
                    pool.parallelRanges(a, granularity: 64) { _, range in
                        for j in range {
                            let i = Int(act[j])
                            var c = SIMD3(cp[3 &* i], cp[3 &* i &+ 1], cp[3 &* i &+ 2])
                            for row in Int(offsets[j])..<Int(offsets[j + 1]) where compactRows[row] >= 0 {
                                let r = rp + 3 &* Int(compactRows[row])
                                c += wp[row] * SIMD3(r[0], r[1], r[2])
                            }
                            cp[3 &* i] = c.x; cp[3 &* i &+ 1] = c.y; cp[3 &* i &+ 2] = c.z
                        }
                    }
                }
            }
            active.removeAll { finished[Int($0)] }
        }
        var rgb = [Float](repeating: 0, count: n * 3)
        var opacity = [Float](repeating: 0, count: n)
        var depths = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let T = transmittance[i]
            for ch in 0..<3 { rgb[3 * i + ch] = min(1, max(0, color[3 * i + ch] + T * background[ch])) }
            opacity[i] = 1 - T
            depths[i] = depth[i]
        }
        return (rgb, depths, opacity, samples)
    }
}
