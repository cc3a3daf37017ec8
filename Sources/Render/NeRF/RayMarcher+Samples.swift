import TensorCore

extension RayMarcher {
    /// Lays out the samples of `rays` rays with `counts[r]` samples each as a prefix sum into `offsets`
    /// (`rays + 1` entries); from the first ray that would overflow `capacity` samples on, rays are dropped.
    /// Returns the rays kept, their samples, and the samples all rays drew (for `nextRayCount`).
    public static func layOut(rays: Int, counts: UnsafePointer<Int32>, offsets: UnsafeMutablePointer<Int32>,
                              capacity: Int) -> (kept: Int, samples: Int, drawn: Int) {
        var total = 0, kept = rays, drawn = 0
        offsets[0] = 0
        for r in 0..<rays {
            drawn += Int(counts[r])
            if total + Int(counts[r]) > capacity { kept = min(kept, r); continue }
            if r < kept { total += Int(counts[r]); offsets[r + 1] = Int32(total) }
        }
        return (kept, total, drawn)
    }

    /// instant-ngp's rule for the next step's ray count: aim at `targetSamples` from this step's samples per ray,
    /// in multiples of 256 rays, between 256 and `capacity`.
    public static func nextRayCount(drawn: Int, rays: Int, targetSamples: Int, capacity: Int) -> Int {
        let perRay = Double(max(drawn, 1)) / Double(max(rays, 1))
        return min(capacity, max(256, Int((Double(targetSamples) / perRay / 256).rounded()) * 256))
    }

    /// Marches the first `rays` rays and writes their samples as network input rows `[x, y, z, u, v, w]` (position
    /// in the unit box, direction as `(d + 1) / 2`) and step lengths, ray r's samples from row `offsets[r]` on, at
    /// most `counts[r]` of them from `near[r]` to `far[r]` (the layout the training steps lay out beforehand).
    /// Rays are `[rays, 3]` origins and directions.
    public func writeSamples(rays: Int, origins: UnsafePointer<Float>, directions: UnsafePointer<Float>,
                             near: UnsafePointer<Float>, far: UnsafePointer<Float>, counts: UnsafePointer<Int32>,
                             offsets: UnsafePointer<Int32>, volume: RadianceVolume, input: UnsafeMutablePointer<Float>,
                             steps: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let marcher = self
        pool.parallelRanges(rays, granularity: 64) { _, range in
            for r in range {
                guard counts[r] > 0 else { continue }
                let o = SIMD3(origins[3 &* r], origins[3 &* r &+ 1], origins[3 &* r &+ 2])
                let d = SIMD3(directions[3 &* r], directions[3 &* r &+ 1], directions[3 &* r &+ 2])
                let dirInput = (d + 1) * 0.5
                var t = near[r]
                var j = Int(offsets[r])
                _ = marcher.march(origin: o, direction: d, t: &t, far: far[r], maxSamples: Int(counts[r])) { p, _, dt in
                    let q = volume.networkPosition(p)
                    let row = input + 6 &* j
                    row[0] = q.x; row[1] = q.y; row[2] = q.z
                    row[3] = dirInput.x; row[4] = dirInput.y; row[5] = dirInput.z
                    steps[j] = dt
                    j &+= 1
                }
            }
        }
    }
}
