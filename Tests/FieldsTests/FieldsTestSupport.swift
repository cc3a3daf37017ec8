import Fields
import TensorCore

/// An image task whose every value is distinct: value `i` of the row-major interleaved array is i / count.
func distinctImageTask(width: Int, height: Int, channels: Int) -> ImageTask {
    let n = width * height * channels
    return ImageTask(width: width, height: height, channels: channels, pixels: (0..<n).map { Float($0) / Float(n) })
}

/// One `sampleBatch` of `task` from a fresh generator: uv (`[batch, 2]`) and targets (`[batch, channels]`).
func imageBatch(_ task: ImageTask, batch: Int, seed: UInt64) -> (uv: [Float], targets: [Float]) {
    var uv = [Float](repeating: .nan, count: 2 * batch)
    var targets = [Float](repeating: .nan, count: batch * task.channels)
    var rng = RandomGenerator(seed: seed)
    uv.withUnsafeMutableBufferPointer { u in
        targets.withUnsafeMutableBufferPointer { t in
            task.sampleBatch(batch: batch, input: u.baseAddress!, targets: t.baseAddress!, rng: &rng)
        }
    }
    return (uv, targets)
}

/// The pixel `sampleBatch` put at uv (it uses pixel centres, so the floor of uv · size is the pixel).
func pixelAt(_ task: ImageTask, u: Float, v: Float) -> (x: Int, y: Int) {
    (Int(u * Float(task.width)), Int(v * Float(task.height)))
}

/// The Morton (Z-curve) index of cell (x, y): x's bits at even positions, y's at odd ones.
func mortonIndex(_ x: Int, _ y: Int) -> Int {
    var m = 0
    for bit in 0..<16 {
        m |= ((x >> bit) & 1) << (2 * bit)
        m |= ((y >> bit) & 1) << (2 * bit + 1)
    }
    return m
}

/// One `SDFTask.sampleBatch` from a fresh generator: points (`[batch, 3]`) and target distances.
func sdfBatch(_ task: SDFTask, batch: Int, seed: UInt64, pool: WorkerPool) -> (points: [Float], targets: [Float]) {
    var points = [Float](repeating: .nan, count: 3 * batch)
    var targets = [Float](repeating: .nan, count: batch)
    var rng = RandomGenerator(seed: seed)
    points.withUnsafeMutableBufferPointer { p in
        targets.withUnsafeMutableBufferPointer { t in
            task.sampleBatch(batch: batch, input: p.baseAddress!, targets: t.baseAddress!, rng: &rng, pool: pool)
        }
    }
    return (points, targets)
}

/// Distances of a source at flattened xyz points through the plain (hint-free) query.
func sourceDistances(_ source: DistanceSource, _ xyz: [Float], pool: WorkerPool) -> [Float] {
    let n = xyz.count / 3
    var out = [Float](repeating: .nan, count: n)
    xyz.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            source.distances(points: p.baseAddress!, count: n, output: o.baseAddress!, pool: pool)
        }
    }
    return out
}

/// The point `i` of a flattened xyz array.
func xyzPoint(_ xyz: [Float], _ i: Int) -> SIMD3<Float> { SIMD3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]) }

/// The length of a vector.
func norm(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }

/// The exact signed distance to the axis-aligned box lo…hi (negative inside).
func boxDistance(_ p: SIMD3<Float>, lo: SIMD3<Float>, hi: SIMD3<Float>) -> Float {
    let q = pointwiseMax(lo - p, p - hi)
    return norm(pointwiseMax(q, .zero)) + min(q.max(), 0)
}
