import TensorCore

extension RayMarcher {
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
