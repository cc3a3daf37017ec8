import FieldIO
import Foundation
import ModelLibrary
import Render
import TensorCore

/// PVD's progressive volume distillation of a NeRF student from a frozen NeRF teacher (Fang et al., AAAI 2023),
/// with PVD-AL's active sampling as an option (`ActiveSampling`, and the point level here).
///
/// Both networks share PVD's unified decomposition: the density branch gives [σ_raw, 15 geometry features]
/// (PVD's `feature_sigma_color`), the colour branch RGB. Each step draws rays from random poses around the
/// capture (`DistillationPoses`; optionally some training-pixel rays and, with PVD-AL, pooled hard rays),
/// marches them through an occupancy grid of the teacher's density (so no sample is spent in empty space
/// from step 0), evaluates the teacher at the student's sample points, and trains the student block-wise:
/// 1. step < `stage1_steps`: λ_f·‖F_s − F_t‖² on the 16 density-branch outputs;
/// 2. step < `stage2_steps`: + λ_σ‖σ_s − σ_t‖² + λ_c‖c_s − c_t‖² at the sample points;
/// 3. then + λ_rgb‖RGB_s − RGB_t‖² on the composited rays.
/// λ_f decays by `feature_decay` (0.995) every step. σ_raw and the features are clamped to [−2, 7] in targets
/// and losses (PVD's density treatment; the student gets no gradient where it is outside). Losses are means
/// (over selected samples × features, samples, samples × channels, rays × channels). The student's own
/// occupancy grid (for evaluation and renders) is updated from its density on instant-ngp's schedule.
/// Every ray draws from its own generator (step seed, ray index), PVD-AL's updates run in ray order: a step
/// depends on the seed, not on the thread count. All buffers are allocated here; a step allocates nothing.
final class VolumeDistillation: DistillationStep {
    let settings: DistillSettings
    let teacher: NeRFNetwork
    let studentNetwork: NeRFNetwork
    /// The student's own training state: its occupancy grid, which evaluations and renders use.
    let studentTraining: RadianceTraining
    let gridUpdateEvery: Int
    /// The grid the rays are marched through: the teacher's density grid, its occupied cells joined (after each
    /// update of the student's grid) by the student's, so that whatever density the student puts where the teacher
    /// has none is sampled and corrected.
    let teacherGrid: OccupancyGrid
    /// The teacher's own occupancy bits (cells, then blocks).
    private let teacherCells: [UInt8], teacherBlocks: [UInt8]
    let views: PosedViews
    let poses: DistillationPoses
    let active: ActiveSampling?
    let maxSamplesPerRay: Int
    private let pool: WorkerPool
    let targetSamples: Int, rayCapacity: Int, sampleCapacity: Int
    /// Rays the next step draws (adapted to aim at `targetSamples` samples).
    private(set) var rays: Int
    private let marcher: RayMarcher

    // Per ray.
    private let origins, directions, backgrounds, teacherColors, near, far, rayError, rayLoss: FloatBuffer
    private let counts, offsets, used, selected, rayPose: UnsafeMutablePointer<Int32>
    // Per sample.
    private let input, steps, teacherOutput, mask: FloatBuffer
    private let addend: UnsafeMutablePointer<Float>

    init(task: NeRFFitTask, teacher opened: DistillationTeacher, settings: DistillSettings, student: Trainer, pool: WorkerPool) throws(FieldError) {
        guard let teacherNetwork = opened.trainer.model as? NeRFNetwork, let studentNetwork = student.model as? NeRFNetwork else {
            throw FieldError(file: opened.folder, "the teacher and the student of a nerf distillation must both be NeRF networks")
        }
        guard teacherNetwork.geometryWidth == studentNetwork.geometryWidth else {
            throw FieldError(file: opened.folder, "the teacher's density branch gives \(teacherNetwork.geometryWidth) features, the student's \(studentNetwork.geometryWidth); PVD's feature loss needs the same")
        }
        self.settings = settings
        self.pool = pool
        teacher = teacherNetwork
        self.studentNetwork = studentNetwork
        views = task.trainViews
        studentTraining = task.trainingFromField(student)
        gridUpdateEvery = task.scene.radiance.gridUpdateEvery
        maxSamplesPerRay = task.scene.radiance.maxSamplesPerRay
        sampleCapacity = student.batchCapacity
        targetSamples = max(1, sampleCapacity * 3 / 4)
        rayCapacity = max(256, sampleCapacity / 4)
        rays = min(rayCapacity, 4096)
        poses = DistillationPoses(cameras: task.trainViews.cameras, kind: settings.poses)
        active = settings.isActive ? ActiveSampling(settings: settings, poses: poses, seed: task.scene.training.seed) : nil

        teacherGrid = OccupancyGrid(volume: task.volume, resolution: studentTraining.grid.resolution)
        marcher = RayMarcher(grid: teacherGrid)
        origins = FloatBuffer(count: rayCapacity * 3); directions = FloatBuffer(count: rayCapacity * 3)
        backgrounds = FloatBuffer(count: rayCapacity * 3); teacherColors = FloatBuffer(count: rayCapacity * 3)
        near = FloatBuffer(count: rayCapacity); far = FloatBuffer(count: rayCapacity)
        rayError = FloatBuffer(count: rayCapacity); rayLoss = FloatBuffer(count: rayCapacity)
        counts = .allocate(capacity: rayCapacity); offsets = .allocate(capacity: rayCapacity + 1)
        used = .allocate(capacity: rayCapacity); selected = .allocate(capacity: rayCapacity); rayPose = .allocate(capacity: rayCapacity)
        input = FloatBuffer(count: sampleCapacity * 6); steps = FloatBuffer(count: sampleCapacity)
        teacherOutput = FloatBuffer(count: sampleCapacity * 4); mask = FloatBuffer(count: sampleCapacity)
        addend = studentNetwork.geometryGradientAddend(in: student.trainingContext)
        // The teacher's inference scratch, grown to a full batch now rather than inside a step.
        teacherNetwork.forward(input: input.pointer, output: teacherOutput.pointer, batch: sampleCapacity, context: nil, pool: pool)
        VolumeDistillation.buildGrid(teacherGrid, of: opened, views: views, pool: pool)
        let grid = teacherGrid
        teacherCells = Array(UnsafeBufferPointer(start: grid.occupied, count: grid.cellCount))
        teacherBlocks = Array(UnsafeBufferPointer(start: grid.blockOccupied, count: grid.cellCount / 512))
        // The student's grid starts as the teacher's (its own density refines it from the first step on).
        studentTraining.grid.restore(values: Array(UnsafeBufferPointer(start: grid.values.pointer, count: grid.cellCount)),
                                     cursor: 0, updates: 1, pool: pool)
        joinStudentGrid()
    }

    /// Marks the teacher grid's cells occupied where the teacher's or the student's grid has them occupied.
    private func joinStudentGrid() {
        let grid = teacherGrid, student = studentTraining.grid
        teacherCells.withUnsafeBufferPointer { t in
            for i in 0..<grid.cellCount { grid.occupied[i] = t[i] | student.occupied[i] }
        }
        teacherBlocks.withUnsafeBufferPointer { t in
            for i in 0..<(grid.cellCount / 512) { grid.blockOccupied[i] = t[i] | student.blockOccupied[i] }
        }
    }

    deinit {
        counts.deallocate(); offsets.deallocate(); used.deallocate(); selected.deallocate(); rayPose.deallocate()
    }

    /// `grid` from the teacher's density: as its checkpoint saved it (same resolution and cascades), else rebuilt.
    private static func buildGrid(_ grid: OccupancyGrid, of opened: DistillationTeacher, views: PosedViews, pool: WorkerPool) {
        guard let teacher = opened.trainer.model as? NeRFNetwork else { return }
        grid.markUnseen(pool: pool) { views.isSeen($0) }
        if let saved = opened.checkpoint.taskTensors["occupancy_grid"], let values = try? saved.floatValues(file: opened.folder),
           values.count == grid.cellCount {
            grid.restore(values: values, cursor: 0, updates: 1, pool: pool)
            return
        }
        let width = teacher.geometryWidth, volume = grid.volume
        let points = FloatBuffer(count: grid.cellsPerUpdate * 3), out = FloatBuffer(count: grid.cellsPerUpdate * width)
        let network = teacher
        grid.rebuild(pool: pool) { positions, count, sigma in
            for i in 0..<count {
                let q = volume.networkPosition(SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]))
                points.pointer[3 * i] = q.x; points.pointer[3 * i + 1] = q.y; points.pointer[3 * i + 2] = q.z
            }
            network.density.forward(input: points.pointer, output: out.pointer, batch: count, context: nil, pool: pool)
            for i in 0..<count { sigma[i] = VolumeCompositing.density(out.pointer[i * width]) }
        }
    }

    func checkpointTensors() -> [SafeTensor] { active?.checkpointTensors() ?? [] }
    /// PVD-AL's pools, and the student's grid (made, from the teacher's, before the checkpoint was read).
    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {
        try active?.restore(tensors: tensors, file: file)
        if let grid = tensors["occupancy_grid"], let state = tensors["nerf_state"] {
            let values = try grid.floatValues(file: file), s = try state.uint32Values(file: file)
            guard values.count == studentTraining.grid.cellCount, s.count == 3 else {
                throw FieldError(file: file, location: "occupancy_grid", "has \(values.count) cells, the scene's grid has \(studentTraining.grid.cellCount)")
            }
            studentTraining.grid.restore(values: values, cursor: Int(s[0]), updates: Int(s[1]), pool: pool)
            studentTraining.rays = Int(s[2])
            joinStudentGrid()
        }
    }

    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int) {
        // The student's own grid, on instant-ngp's schedule (as `RadianceTraining.step(_:gridUpdateEvery:)`).
        let interval = min(max(step / 16, 1), gridUpdateEvery)
        if step % interval == 0 {
            studentTraining.updateGrid(rng: &rng, pool: pool)
            joinStudentGrid()
        }
        active?.prepare(step: step)
        let seed = rng.next()
        let rayCount = rays
        drawRays(rayCount, seed: seed, pool: pool)

        // Lay the samples out (rays that would overflow the batch are dropped) and march them.
        let counts = self.counts, offsets = self.offsets
        let (kept, sampleCount, drawn) = RayMarcher.layOut(rays: rayCount, counts: counts, offsets: offsets, capacity: sampleCapacity)
        rays = RayMarcher.nextRayCount(drawn: drawn, rays: rayCount, targetSamples: targetSamples, capacity: rayCapacity)
        guard sampleCount > 0 else { return (0, 0) }
        marchSamples(kept, pool: pool)

        // The teacher at the student's sample points: outputs, geometry features, composited colours, and
        // (PVD-AL's point level) the samples whose teacher rendering weight is in each ray's top share.
        let input = self.input.pointer, steps = self.steps.pointer, teacherOutput = self.teacherOutput.pointer
        teacher.forward(input: input, output: teacherOutput, batch: sampleCount, context: nil, pool: pool)
        let teacherGeometry = teacher.geometryFeatures(in: nil)
        let backgrounds = self.backgrounds.pointer, teacherColors = self.teacherColors.pointer
        let mask = self.mask.pointer, selected = self.selected, fraction = settings.pointFraction
        pool.parallelRanges(kept, granularity: 64) { _, range in
            for r in range {
                let start = Int(offsets[r]), n = Int(offsets[r + 1]) - start
                let bg = SIMD3(backgrounds[3 &* r], backgrounds[3 &* r &+ 1], backgrounds[3 &* r &+ 2])
                let c = VolumeCompositing.forward(outputs: teacherOutput + 4 &* start, dt: steps + start, count: n, background: bg,
                                                  minTransmittance: 1e-4)
                teacherColors[3 &* r] = c.color.x; teacherColors[3 &* r &+ 1] = c.color.y; teacherColors[3 &* r &+ 2] = c.color.z
                selected[r] = Int32(VolumeDistillation.selectPoints(outputs: teacherOutput + 4 &* start, dt: steps + start, count: n,
                                                                    fraction: fraction, mask: mask + start))
            }
        }
        var featureRows = 0
        for r in 0..<kept { featureRows += Int(selected[r]) }

        let stage = step < settings.stage1Steps ? 1 : step < settings.stage2Steps ? 2 : 3
        let weights = Weights(feature: settings.featureWeight(at: step), sigma: Float(settings.sigmaWeight), color: Float(settings.colorWeight),
                              rgb: Float(settings.rgbWeight), low: Float(settings.clampMin), high: Float(settings.clampMax))
        let g = teacher.geometryWidth, addend = self.addend, studentNetwork = self.studentNetwork
        let rayError = self.rayError.pointer, rayLoss = self.rayLoss.pointer
        let featureScale = featureRows > 0 ? weights.feature / Float(featureRows * g) : 0
        let sampleScale = 1 / Float(sampleCount), rayScale = 1 / Float(kept * 3)
        let context = trainer.trainingContext
        let loss = trainer.step(input: input, batch: sampleCount, pool: pool) { outputs, gradients in
            let studentGeometry = studentNetwork.geometryFeatures(in: context)
            pool.parallelRanges(kept, granularity: 64) { _, range in
                for r in range {
                    let start = Int(offsets[r]), n = Int(offsets[r + 1]) - start
                    let bg = SIMD3(backgrounds[3 &* r], backgrounds[3 &* r &+ 1], backgrounds[3 &* r &+ 2])
                    let target = SIMD3(teacherColors[3 &* r], teacherColors[3 &* r &+ 1], teacherColors[3 &* r &+ 2])
                    let c = VolumeCompositing.forward(outputs: outputs + 4 &* start, dt: steps + start, count: n, background: bg,
                                                      minTransmittance: 1e-4)
                    let diff = c.color - target
                    rayError[r] = (diff * diff).sum() / 3
                    var value: Float = 0
                    if stage == 3 {
                        value += weights.rgb * (diff * diff).sum() * rayScale
                        VolumeCompositing.backward(outputs: outputs + 4 &* start, dt: steps + start, count: n, used: c.used, color: c.color,
                                                   colorGradient: weights.rgb * 2 * rayScale * diff, gradients: gradients + 4 &* start)
                    } else {
                        (gradients + 4 &* start).update(repeating: 0, count: 4 &* n)
                    }
                    for i in start..<(start &+ n) {
                        let a = addend + i &* g
                        if featureScale > 0 && mask[i] > 0 {
                            let fs = studentGeometry + i &* g, ft = teacherGeometry + i &* g
                            for k in 0..<g {
                                let d = weights.clamp(fs[k]) - weights.clamp(ft[k])
                                value += featureScale * d * d
                                a[k] = weights.inside(fs[k]) ? featureScale * 2 * d : 0
                            }
                        } else {
                            a.update(repeating: 0, count: g)
                        }
                        guard stage >= 2 else { continue }
                        let o = outputs + 4 &* i, t = teacherOutput + 4 &* i, dg = gradients + 4 &* i
                        let ds = weights.clamp(o[0]) - weights.clamp(t[0])
                        value += weights.sigma * sampleScale * ds * ds
                        if weights.inside(o[0]) { dg[0] += weights.sigma * sampleScale * 2 * ds }
                        for k in 1...3 {
                            let dc = o[k] - t[k]
                            value += weights.color * sampleScale / 3 * dc * dc
                            dg[k] += weights.color * sampleScale / 3 * 2 * dc
                        }
                    }
                    rayLoss[r] = value
                }
            }
            var sum: Float = 0
            for r in 0..<kept { sum += rayLoss[r] }
            return sum
        }
        active?.record(rays: kept, pose: rayPose, error: rayError, origins: origins.pointer, directions: directions.pointer)
        return (loss, sampleCount)
    }

    /// The loss weights of a step and PVD's clamp of σ_raw and the features.
    struct Weights {
        var feature, sigma, color, rgb: Float
        var low, high: Float
        @inline(__always) func clamp(_ v: Float) -> Float { min(max(v, low), high) }
        @inline(__always) func inside(_ v: Float) -> Bool { v > low && v < high }
    }

    /// Draws `count` rays (origins, directions, backgrounds, poses) and counts their samples in the teacher's grid.
    private func drawRays(_ count: Int, seed: UInt64, pool: WorkerPool) {
        let views = self.views, poses = self.poses, active = self.active, marcher = self.marcher, volume = teacherGrid.volume
        let origins = self.origins.pointer, directions = self.directions.pointer, backgrounds = self.backgrounds.pointer
        let near = self.near.pointer, far = self.far.pointer, counts = self.counts, rayPose = self.rayPose
        let maxPerRay = maxSamplesPerRay, trainShare = Float(settings.trainRayFraction)
        let hardRays = active == nil ? 0 : Int(Double(count) * settings.hardRayFraction)
        pool.parallelRanges(count, granularity: 64) { _, range in
            for r in range {
                var g = RandomGenerator(seed: seed ^ (UInt64(r) &* 0x9E3779B97F4A7C15), stream: 0xD157)
                var o = SIMD3<Float>(), d = SIMD3<Float>(0, 0, -1)
                rayPose[r] = -1
                if r < hardRays, let hard = active?.poolRay(&g) {
                    (o, d) = hard
                } else {
                    let camera: Camera
                    if g.nextFloat() < trainShare {
                        camera = views.cameras[g.nextInt(below: views.count)]
                    } else if let active {
                        let pick = active.drawPose(&g)
                        rayPose[r] = Int32(pick.index)
                        camera = pick.camera
                    } else {
                        camera = poses.draw(&g)
                    }
                    o = camera.position
                    d = camera.rayDirection(pixelX: g.nextFloat() * Float(camera.width), pixelY: g.nextFloat() * Float(camera.height))
                }
                let bg = SIMD3(g.nextFloat(), g.nextFloat(), g.nextFloat())
                for k in 0..<3 { origins[3 &* r &+ k] = o[k]; directions[3 &* r &+ k] = d[k]; backgrounds[3 &* r &+ k] = bg[k] }
                if let span = volume.clip(origin: o, direction: d) {
                    let t0 = span.near + g.nextFloat() * volume.stepSize(span.near)
                    near[r] = t0; far[r] = span.far
                    counts[r] = Int32(marcher.countSamples(origin: o, direction: d, t: t0, far: span.far, maxSamples: maxPerRay))
                } else {
                    near[r] = 0; far[r] = 0; counts[r] = 0
                }
            }
        }
    }

    /// Writes the network input rows and step lengths of the first `kept` rays' samples.
    private func marchSamples(_ kept: Int, pool: WorkerPool) {
        let marcher = self.marcher, volume = teacherGrid.volume
        let origins = self.origins.pointer, directions = self.directions.pointer, near = self.near.pointer, far = self.far.pointer
        marcher.writeSamples(rays: kept, origins: origins, directions: directions, near: near, far: far, counts: counts,
                             offsets: offsets, volume: volume, input: input.pointer, steps: steps.pointer, pool: pool)
    }

    /// PVD-AL's point level: marks (1) the samples of one ray whose teacher rendering weight wᵢ = αᵢ·Tᵢ is in the
    /// top `fraction` (all of them for `fraction` 1), the others 0; returns how many are marked. Uses `mask` as
    /// scratch for the weights.
    static func selectPoints(outputs: UnsafePointer<Float>, dt: UnsafePointer<Float>, count: Int, fraction: Double,
                             mask: UnsafeMutablePointer<Float>) -> Int {
        guard count > 0 else { return 0 }
        if fraction >= 1 { mask.update(repeating: 1, count: count); return count }
        var T: Float = 1
        for i in 0..<count {
            let alpha = 1 - exp(-VolumeCompositing.density(outputs[4 &* i]) * dt[i])
            mask[i] = alpha * T
            T *= 1 - alpha
        }
        let cut = ActiveSampling.topThreshold(mask, count: count, fraction: fraction)
        var marked = 0
        for i in 0..<count {
            let keep = mask[i] >= cut
            mask[i] = keep ? 1 : 0
            marked += keep ? 1 : 0
        }
        return marked
    }
}

extension NeRFFitTask: DistillableFitTask {
    /// PVD (or PVD-AL) from a NeRF teacher.
    func makeDistillationStep(teacher: DistillationTeacher, settings: DistillSettings, student: Trainer,
                              pool: WorkerPool) throws(FieldError) -> DistillationStep {
        try VolumeDistillation(task: self, teacher: teacher, settings: settings, student: student, pool: pool)
    }
}
