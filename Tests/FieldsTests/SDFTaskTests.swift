import Fields
import Testing
import TensorCore

/// The SDF task's training batches (instant-ngp's surface / near-surface / uniform mix), its evaluation
/// sets and its scores, on the analytic sphere.
@Suite struct SDFTaskTests {
    let pool = WorkerPool(threads: 2)
    let sphere = AnalyticShape.named("sphere")!

    func task(nearSurfaceScale: Float = 1.0 / 1024, evaluationSeed: UInt64 = 0xE7A1) -> SDFTask {
        SDFTask(source: sphere, batchCapacity: 4096, nearSurfaceScale: nearSurfaceScale, uniformCount: 4000,
                nearCount: 2000, evaluationSeed: evaluationSeed, pool: pool)
    }

    @Test func widths() {
        let t = task()
        #expect(t.inputWidth == 3 && t.outputWidth == 1)
        #expect(t.nearSurfaceScale == 1.0 / 1024)
    }

    /// batch / 2 points on the surface with target 0, then batch · 3/8 near it, then the rest uniform in the
    /// cube; every target past the surface block is the source's distance at its point.
    @Test(arguments: [1, 8, 37, 1000, 4096])
    func batchIsSurfaceThenNearSurfaceThenUniform(batch: Int) {
        let (points, targets) = sdfBatch(task(), batch: batch, seed: UInt64(batch), pool: pool)
        let surface = batch / 2, near = batch * 3 / 8
        // Logistic noise is clamped at u ∈ [1e-7, 1 − 1e-7]: at most ln(1e7) ≈ 16.2 scales per axis.
        let nearBound = Float(3).squareRoot() * 16.2 / 1024
        for i in 0..<batch {
            let p = xyzPoint(points, i), d = sphere.distance(p)
            #expect(targets[i].isFinite)
            if i < surface {
                #expect(targets[i] == 0, "batch \(batch) point \(i)")
                #expect(abs(d) < 1e-4, "batch \(batch) surface point \(i): distance \(d)")
            } else {
                #expect(abs(targets[i] - d) < 1e-6, "batch \(batch) point \(i): target \(targets[i]) vs \(d)")
                if i < surface + near {
                    #expect(abs(d) <= nearBound, "batch \(batch) near point \(i): distance \(d)")
                } else {
                    #expect(p.min() >= 0 && p.max() < 1, "batch \(batch) uniform point \(i): \(p)")
                }
            }
        }
    }

    /// The blocks differ in kind: near-surface points are mostly off the surface but within a few noise
    /// scales, the uniform points mostly far from it.
    @Test func blocksHaveTheirDistributions() {
        let batch = 4096, surface = 2048, near = 1536
        let (_, targets) = sdfBatch(task(), batch: batch, seed: 11, pool: pool)
        let nearAbs = targets[surface..<(surface + near)].map { abs($0) }
        let uniformAbs = targets[(surface + near)...].map { abs($0) }
        #expect(nearAbs.filter { $0 > 1e-4 }.count > near * 8 / 10)
        #expect(nearAbs.reduce(0, +) / Float(near) < 3.0 / 1024)
        #expect(uniformAbs.count == 512)
        #expect(uniformAbs.filter { $0 > 0.05 }.count > 512 / 2)
        #expect(uniformAbs.contains { $0 > 0.3 } && targets[(surface + near)...].contains { $0 < -0.1 })
    }

    /// The near-surface offset is logistic noise of scale `nearSurfaceScale` per axis: the mean |distance| of
    /// the near block is about 1.39 · scale (E|X| = 2 ln 2 · s for a logistic X; the projection on the normal
    /// keeps the spread) and follows the scale.
    @Test func nearSurfaceSpreadFollowsTheScale() {
        for scale: Float in [1.0 / 256, 1.0 / 64] {
            let (_, targets) = sdfBatch(task(nearSurfaceScale: scale), batch: 4096, seed: 12, pool: pool)
            let mean = targets[2048..<(2048 + 1536)].reduce(Float(0)) { $0 + abs($1) } / 1536
            #expect(mean > 1.0 * scale && mean < 1.8 * scale, "scale \(scale): mean |d| \(mean)")
        }
    }

    /// The same seed gives the same batch bit for bit; another seed another batch.
    @Test func batchesAreDeterministicPerSeed() {
        let t = task()
        let a = sdfBatch(t, batch: 1000, seed: 3, pool: pool), b = sdfBatch(t, batch: 1000, seed: 3, pool: pool)
        #expect(a.points.map(\.bitPattern) == b.points.map(\.bitPattern))
        #expect(a.targets.map(\.bitPattern) == b.targets.map(\.bitPattern))
        // Another task on the same source, one thread: the same batch.
        let c = sdfBatch(SDFTask(source: sphere, batchCapacity: 1000, uniformCount: 10, nearCount: 10, pool: WorkerPool(threads: 1)),
                         batch: 1000, seed: 3, pool: WorkerPool(threads: 1))
        #expect(a.points == c.points && a.targets == c.targets)
        let d = sdfBatch(t, batch: 1000, seed: 4, pool: pool)
        #expect(a.points != d.points)
        #expect(a.targets != d.targets)
    }

    /// Uniform evaluation points are in the cube, near ones within the 1/128 Gaussian spread of the surface,
    /// both with the source's distances, and both fixed by the evaluation seed.
    @Test func evaluationSets() {
        let t = task()
        #expect(t.uniformPoints.count == 3 * 4000 && t.uniformDistances.count == 4000)
        #expect(t.nearPoints.count == 3 * 2000 && t.nearDistances.count == 2000)
        let uniform = t.uniformPoints.array, nearXYZ = t.nearPoints.array
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(t.uniformDistances.array == sourceDistances(sphere, uniform, pool: pool))
        #expect(t.nearDistances.array == sourceDistances(sphere, nearXYZ, pool: pool))
        // Each axis offset is N(0, σ²), so the distance along the normal is about N(0, σ²): E|d| = σ √(2/π).
        let sigma = SDFTask.nearEvaluationSpread
        let meanNear = t.nearDistances.array.reduce(0) { $0 + abs($1) } / 2000
        #expect(meanNear > 0.65 * sigma && meanNear < 0.95 * sigma, "mean |d| \(meanNear)")
        #expect(t.nearDistances.array.allSatisfy { abs($0) < 7 * sigma })
        // Inside fraction of the uniform points ≈ the sphere's volume 4/3 π 0.3³ ≈ 0.113.
        let inside = Float(t.uniformDistances.array.filter { $0 < 0 }.count) / 4000
        #expect(abs(inside - 0.1131) < 0.02)

        let same = task(), other = task(evaluationSeed: 1)
        #expect(same.uniformPoints.array == uniform && same.nearPoints.array == nearXYZ)
        #expect(other.uniformPoints.array != uniform && other.nearPoints.array != nearXYZ)
    }

    /// Perfect predictions score IoU 1 and error 0; a constant offset is the error; flipped signs score IoU 0.
    @Test func scoreOfKnownPredictions() {
        let t = task()
        let uniform = t.uniformDistances.array, near = t.nearDistances.array
        let perfect = t.score(uniformPredictions: uniform, nearPredictions: near)
        #expect(perfect.iou == 1 && perfect.nearIoU == 1 && perfect.nearError == 0)
        let offset = t.score(uniformPredictions: uniform, nearPredictions: near.map { $0 + 0.001 })
        #expect(abs(offset.nearError - 0.001) < 1e-6)
        #expect(offset.iou == 1 && offset.nearIoU < 1 && offset.nearIoU > 0.5)
        let flipped = t.score(uniformPredictions: uniform.map { -$0 }, nearPredictions: near.map { -$0 })
        #expect(flipped.iou == 0 && flipped.nearIoU == 0)
        let expectedError = near.reduce(0.0) { $0 + Double(2 * abs($1)) } / Double(near.count)
        #expect(abs(flipped.nearError - expectedError) < 1e-6)
        // Everything inside: IoU = the true inside fraction.
        let allInside = t.score(uniformPredictions: [Float](repeating: -1, count: 4000), nearPredictions: near)
        #expect(abs(allInside.iou - Double(uniform.filter { $0 < 0 }.count) / 4000) < 1e-12)
    }
}
