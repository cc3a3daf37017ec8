import Foundation
import TensorCore

/// The SDF task: learn xyz ∈ [0,1]³ → signed distance (negative inside) of a shape.
///
/// Training batches follow instant-ngp's mix: half the points exactly on the surface (target 0),
/// three eighths on the surface pushed off it by logistic noise, one eighth uniform in the cube.
/// Evaluation uses fixed point sets drawn once from the evaluation seed: uniform points for the IoU
/// of the inside, and points near the surface for the near-surface IoU and the mean distance error.
public final class SDFTask {
    /// The ground truth.
    public let source: DistanceSource
    /// Scale of the logistic noise of the near-surface points (instant-ngp: ≈ 1/1024 of the cube).
    public let nearSurfaceScale: Float
    /// Uniform evaluation points (`[uniformCount, 3]`) and their true distances.
    public let uniformPoints: FloatBuffer
    public let uniformDistances: FloatBuffer
    /// Near-surface evaluation points and their true distances.
    public let nearPoints: FloatBuffer
    public let nearDistances: FloatBuffer
    /// Distance-query hints of the current training batch (see `DistanceSource.surfaceSample`).
    private var hints: [Int32]

    /// Standard deviation of the Gaussian offset of the near-surface evaluation points (1/128 of the cube).
    public static let nearEvaluationSpread: Float = 1.0 / 128

    /// A task on `source` for training batches of up to `batchCapacity` points; draws `uniformCount` +
    /// `nearCount` evaluation points from `evaluationSeed` and computes their true distances.
    public init(source: DistanceSource, batchCapacity: Int, nearSurfaceScale: Float = 1.0 / 1024, uniformCount: Int = 1 << 18,
                nearCount: Int = 1 << 16, evaluationSeed: UInt64 = 0xE7A1, pool: WorkerPool) {
        self.source = source
        hints = [Int32](repeating: -1, count: batchCapacity)
        self.nearSurfaceScale = nearSurfaceScale
        var rng = RandomGenerator(seed: evaluationSeed, stream: 0x5DF)
        uniformPoints = FloatBuffer(count: uniformCount * 3)
        for i in 0..<uniformPoints.count { uniformPoints[i] = rng.nextFloat() }
        nearPoints = FloatBuffer(count: nearCount * 3)
        for i in 0..<nearCount {
            let p = source.surfacePoint(&rng)
            for a in 0..<3 { nearPoints[3 * i + a] = p[a] + SDFTask.nearEvaluationSpread * rng.nextGaussian() }
        }
        uniformDistances = FloatBuffer(count: uniformCount)
        nearDistances = FloatBuffer(count: nearCount)
        source.distances(points: uniformPoints.pointer, count: uniformCount, output: uniformDistances.pointer, pool: pool)
        source.distances(points: nearPoints.pointer, count: nearCount, output: nearDistances.pointer, pool: pool)
    }

    /// Input width of the field (x, y, z).
    public var inputWidth: Int { 3 }
    /// Output width of the field (the distance).
    public var outputWidth: Int { 1 }

    /// Fills `input` (`[batch, 3]`) and `targets` (`[batch]`) with a fresh training batch.
    public func sampleBatch(batch: Int, input: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>,
                            rng: inout RandomGenerator, pool: WorkerPool) {
        precondition(batch <= hints.count, "SDFTask: batch larger than the capacity")
        let surface = batch / 2
        let near = batch * 3 / 8
        for i in 0..<(surface + near) {
            let (p, hint) = source.surfaceSample(&rng)
            input[3 * i] = p.x; input[3 * i + 1] = p.y; input[3 * i + 2] = p.z
            hints[i] = hint
        }
        for i in (surface + near)..<batch { hints[i] = -1 }
        for i in 0..<surface { targets[i] = 0 }
        let s = nearSurfaceScale
        for i in surface..<(surface + near) {
            for a in 0..<3 {
                let u = min(max(rng.nextFloat(), 1e-7), 1 - 1e-7)
                input[3 * i + a] += s * Float(log(Double(u / (1 - u))))
            }
        }
        for i in 3 * (surface + near)..<(3 * batch) { input[i] = rng.nextFloat() }
        hints.withUnsafeBufferPointer {
            source.distances(points: input + 3 * surface, hints: $0.baseAddress! + surface, count: batch - surface,
                                  output: targets + surface, pool: pool)
        }
    }

    /// Scores predicted distances of the evaluation sets: IoU of the inside on the uniform points,
    /// IoU of the inside on the near-surface points, and the mean |error| on the near-surface points.
    public func score(uniformPredictions: UnsafePointer<Float>, nearPredictions: UnsafePointer<Float>)
        -> (iou: Double, nearIoU: Double, nearError: Double) {
        func iou(_ prediction: UnsafePointer<Float>, _ truth: FloatBuffer) -> Double {
            var both = 0, either = 0
            for i in 0..<truth.count {
                let a = prediction[i] < 0, b = truth[i] < 0
                if a && b { both += 1 }
                if a || b { either += 1 }
            }
            return either == 0 ? 1 : Double(both) / Double(either)
        }
        var error = 0.0
        for i in 0..<nearDistances.count { error += Double(abs(nearPredictions[i] - nearDistances[i])) }
        return (iou(uniformPredictions, uniformDistances), iou(nearPredictions, nearDistances),
                error / Double(max(nearDistances.count, 1)))
    }
}
