import FieldIO
import Foundation
import Render
import TensorCore

/// PVD-AL's image- and ray-level active sampling (the point level is in `VolumeDistillation`'s feature loss).
///
/// - image level: a pool of poses (drawn once from `DistillationPoses`) each with a running student–teacher
///   error; each ray picks its pose with p ∝ exp((50 − PSNRₚ) / T), T annealed from `temperature_start` to
///   `temperature_end`; poses picked more often than uniformly (the hard ones) are jittered by up to π/20.
/// - ray level: the rays of a step whose error is in its worst `hard_ray_fraction` go into a ring pool of
///   `ray_pool` rays, and `hard_ray_fraction` of each batch is drawn back from it.
/// Updates run in ray order on one thread, so they repeat exactly for a seed and thread count.
final class ActiveSampling {
    let settings: DistillSettings
    let poses: DistillationPoses
    /// The pose pool and each pose's running mean squared colour error (nil: not seen yet).
    let posePool: [Camera]
    private(set) var poseError: [Double?]
    /// The pose CDF of the current step and whether each pose counts as hard (p > 1 / K).
    private var cdf: [Double], hard: [Bool]
    /// The ray pool: origins and directions, `[rayPool, 3]` each, filled as a ring.
    private let poolOrigins, poolDirections: FloatBuffer
    private(set) var poolCount = 0
    private var poolCursor = 0
    /// Scratch for the per-step error accumulation.
    private var errorSum: [Double], errorCount: [Int], logits: [Double]

    init(settings: DistillSettings, poses: DistillationPoses, seed: UInt64) {
        self.settings = settings
        self.poses = poses
        var rng = RandomGenerator(seed: seed, stream: 0xA5E7)
        posePool = (0..<settings.posePool).map { _ in poses.draw(&rng) }
        let k = settings.posePool
        poseError = [Double?](repeating: nil, count: k)
        cdf = [Double](repeating: 0, count: k)
        hard = [Bool](repeating: false, count: k)
        errorSum = [Double](repeating: 0, count: k)
        errorCount = [Int](repeating: 0, count: k)
        logits = [Double](repeating: 0, count: k)
        poolOrigins = FloatBuffer(count: settings.rayPool * 3)
        poolDirections = FloatBuffer(count: settings.rayPool * 3)
    }

    /// Sets the pose distribution for `step`: softmax of (50 − PSNR) / T; unseen poses count as PSNR 0.
    func prepare(step: Int) {
        let t = settings.temperature(at: step)
        let k = posePool.count
        for i in 0..<k {
            let psnr = poseError[i].map { -10 * log10(max($0, 1e-10)) } ?? 0
            logits[i] = (50 - psnr) / t
        }
        let top = logits.max() ?? 0
        var sum = 0.0
        for i in 0..<k { sum += exp(logits[i] - top); cdf[i] = sum }
        for i in 0..<k {
            let p = (cdf[i] - (i > 0 ? cdf[i - 1] : 0)) / sum
            hard[i] = p > 1.0 / Double(k) * 1.0001
            cdf[i] /= sum
        }
    }

    /// A pose of the pool drawn by the current distribution (hard poses jittered) and its index.
    func drawPose(_ rng: inout RandomGenerator) -> (index: Int, camera: Camera) {
        let u = Double(rng.nextFloat())
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        let camera = hard[lo] ? poses.jittered(posePool[lo], &rng) : posePool[lo]
        return (lo, camera)
    }

    /// A ray from the pool of hard rays, or nil while it is empty.
    func poolRay(_ rng: inout RandomGenerator) -> (origin: SIMD3<Float>, direction: SIMD3<Float>)? {
        guard poolCount > 0 else { return nil }
        let j = rng.nextInt(below: poolCount)
        let o = poolOrigins.pointer + 3 * j, d = poolDirections.pointer + 3 * j
        return (SIMD3(o[0], o[1], o[2]), SIMD3(d[0], d[1], d[2]))
    }

    /// After a step: each pose's error becomes the mean of its rays' errors this step (a running mean,
    /// 0.9 old + 0.1 new, once seen), and the rays with the largest errors join the ray pool.
    func record(rays: Int, pose: UnsafePointer<Int32>, error: UnsafePointer<Float>, origins: UnsafePointer<Float>,
                directions: UnsafePointer<Float>) {
        for i in 0..<errorSum.count { errorSum[i] = 0; errorCount[i] = 0 }
        for r in 0..<rays where pose[r] >= 0 {
            errorSum[Int(pose[r])] += Double(error[r]); errorCount[Int(pose[r])] += 1
        }
        for i in 0..<errorSum.count where errorCount[i] > 0 {
            let mean = errorSum[i] / Double(errorCount[i])
            poseError[i] = poseError[i].map { 0.9 * $0 + 0.1 * mean } ?? mean
        }
        let cut = ActiveSampling.topThreshold(error, count: rays, fraction: settings.hardRayFraction)
        let capacity = settings.rayPool
        for r in 0..<rays where error[r] >= cut && error[r] > 0 {
            (poolOrigins.pointer + 3 * poolCursor).update(from: origins + 3 * r, count: 3)
            (poolDirections.pointer + 3 * poolCursor).update(from: directions + 3 * r, count: 3)
            poolCursor = (poolCursor + 1) % capacity
            poolCount = min(poolCount + 1, capacity)
        }
    }

    /// The value above which about `fraction` of `values` lie (bisection on the value range: no sorting, no
    /// allocation); `fraction` 1 gives the smallest value.
    static func topThreshold(_ values: UnsafePointer<Float>, count: Int, fraction: Double) -> Float {
        guard count > 0 else { return 0 }
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for i in 0..<count { lo = min(lo, values[i]); hi = max(hi, values[i]) }
        let wanted = max(1, Int((Double(count) * fraction).rounded(.up)))
        if wanted >= count { return lo }
        var a = lo, b = hi
        for _ in 0..<24 {
            let mid = (a + b) / 2
            var above = 0
            for i in 0..<count where values[i] >= mid { above += 1 }
            if above > wanted { a = mid } else { b = mid }
        }
        return b
    }

    /// The pools, for the student's checkpoint.
    func checkpointTensors() -> [SafeTensor] {
        [SafeTensor(name: "distill_pose_error", floats: poseError.map { Float($0 ?? -1) }, shape: [poseError.count]),
         SafeTensor(name: "distill_ray_pool", floats: Array(UnsafeBufferPointer(start: poolOrigins.pointer, count: poolCount * 3))
                        + Array(UnsafeBufferPointer(start: poolDirections.pointer, count: poolCount * 3)), shape: [2, poolCount, 3]),
         SafeTensor(name: "distill_ray_pool_cursor", uint32s: [UInt32(poolCursor)], shape: [1])]
    }

    /// Takes back what `checkpointTensors` saved.
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {
        if let e = tensors["distill_pose_error"] {
            let values = try e.floatValues(file: file)
            guard values.count == poseError.count else {
                throw FieldError(file: file, location: "distill_pose_error", "has \(values.count) poses, the scene's pose pool \(poseError.count)")
            }
            poseError = values.map { $0 < 0 ? nil : Double($0) }
        }
        if let p = tensors["distill_ray_pool"], let c = tensors["distill_ray_pool_cursor"] {
            let values = try p.floatValues(file: file), cursor = try c.uint32Values(file: file)
            let n = values.count / 6
            guard n <= settings.rayPool, values.count == n * 6, cursor.count == 1 else {
                throw FieldError(file: file, location: "distill_ray_pool", "does not fit the scene's ray pool of \(settings.rayPool)")
            }
            values.withUnsafeBufferPointer { v in
                poolOrigins.pointer.update(from: v.baseAddress!, count: n * 3)
                poolDirections.pointer.update(from: v.baseAddress! + n * 3, count: n * 3)
            }
            poolCount = n
            poolCursor = Int(cursor[0]) % settings.rayPool
        }
    }
}
