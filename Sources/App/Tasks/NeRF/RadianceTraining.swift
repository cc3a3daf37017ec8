import FieldIO
import Foundation
import ModelLibrary
import Render
import TensorCore

/// instant-ngp's NeRF training step on a CPU: rays drawn uniformly over all training pixels, each with a
/// random background that transparent pixels are composited over; samples marched through the occupancy
/// grid; one forward and backward pass of the NeRF network over all samples; the loss on composited ray
/// colours. The number of rays adapts so that a step has about `targetSamples` samples.
///
/// Every ray has its own generator derived from the step's seed and the ray's index, and rays are laid out
/// by a prefix sum of their sample counts, so a step depends on the seed, never on the thread count.
/// All buffers are allocated here, once; a step allocates nothing.
public final class RadianceTraining {
    /// The training views.
    public let views: PosedViews
    /// The occupancy grid (updated by `updateGrid`).
    public let grid: OccupancyGrid
    /// The trainer of a `NeRFNetwork`; its batch capacity bounds the samples of a step.
    public let trainer: Trainer
    /// Samples a step aims for.
    public let targetSamples: Int
    /// The most samples one ray may have.
    public let maxSamplesPerRay: Int
    /// The most rays a step may draw.
    public let rayCapacity: Int
    /// Rays the next step draws (adapted every step; set when resuming).
    public var rays: Int
    private let marcher: RayMarcher

    // Per ray.
    private let origins, directions, targets, backgrounds, colors, colorGradients: FloatBuffer
    private let near, far: FloatBuffer
    private let counts, offsets, used: UnsafeMutablePointer<Int32>
    // Per sample.
    private let input, steps: FloatBuffer
    // Grid updates.
    private let densityOutput: FloatBuffer
    private let networkPoints: FloatBuffer

    /// Training of `trainer`'s NeRF network on `views` inside `grid`'s volume. `maxSamplesPerRay`:
    /// instant-ngp's 1024.
    public init(views: PosedViews, grid: OccupancyGrid, trainer: Trainer, maxSamplesPerRay: Int = 1024, pool: WorkerPool) {
        precondition(trainer.model is NeRFNetwork, "RadianceTraining needs a NeRFNetwork")
        self.views = views
        self.grid = grid
        self.trainer = trainer
        self.maxSamplesPerRay = maxSamplesPerRay
        let capacity = trainer.batchCapacity
        targetSamples = max(1, capacity * 3 / 4)
        rayCapacity = max(256, capacity / 4)
        rays = min(rayCapacity, 4096)
        marcher = RayMarcher(grid: grid)
        origins = FloatBuffer(count: rayCapacity * 3)
        directions = FloatBuffer(count: rayCapacity * 3)
        targets = FloatBuffer(count: rayCapacity * 3)
        backgrounds = FloatBuffer(count: rayCapacity * 3)
        colors = FloatBuffer(count: rayCapacity * 3)
        colorGradients = FloatBuffer(count: rayCapacity * 3)
        near = FloatBuffer(count: rayCapacity)
        far = FloatBuffer(count: rayCapacity)
        counts = .allocate(capacity: rayCapacity)
        offsets = .allocate(capacity: rayCapacity + 1)
        used = .allocate(capacity: rayCapacity)
        input = FloatBuffer(count: capacity * 6)
        steps = FloatBuffer(count: capacity)
        densityOutput = FloatBuffer(count: grid.cellsPerUpdate * ModelFactory.nerfGeometryWidth)
        networkPoints = FloatBuffer(count: grid.cellsPerUpdate * 3)
        grid.markUnseen(pool: pool) { views.isSeen($0) }
    }

    deinit {
        counts.deallocate()
        offsets.deallocate()
        used.deallocate()
    }

    /// The network being trained.
    public var network: NeRFNetwork { trainer.model as! NeRFNetwork }

    /// What one step did.
    public struct StepStats {
        /// Mean loss over the rays' colour channels.
        public var loss: Float
        /// Rays used.
        public var rays: Int
        /// Samples evaluated.
        public var samples: Int
    }

    /// One training step.
    public func step(rng: inout RandomGenerator, pool: WorkerPool) -> StepStats {
        let seed = rng.next()
        let rayCount = rays
        let views = self.views, marcher = self.marcher, volume = grid.volume
        let maxPerRay = maxSamplesPerRay
        let origins = self.origins.pointer, directions = self.directions.pointer, targets = self.targets.pointer
        let backgrounds = self.backgrounds.pointer, near = self.near.pointer, far = self.far.pointer
        let counts = self.counts, offsets = self.offsets
        let viewCount = views.count

        // Draw the rays and count their samples.
        pool.parallelRanges(rayCount, granularity: 64) { _, range in
            for r in range {
                var g = RandomGenerator(seed: seed ^ (UInt64(r) &* 0x9E3779B97F4A7C15), stream: 0x4E65)
                let v = g.nextInt(below: viewCount)
                let camera = views.cameras[v]
                let x = g.nextInt(below: camera.width), y = g.nextInt(below: camera.height)
                let d = camera.rayDirection(pixelX: Float(x) + 0.5, pixelY: Float(y) + 0.5)
                let o = camera.position
                let target = views.pixel(view: v, x: x, y: y)
                let bg = SIMD3(g.nextFloat(), g.nextFloat(), g.nextFloat())
                let rgb = SIMD3(target.x, target.y, target.z) * target.w + bg * (1 - target.w)
                for k in 0..<3 {
                    origins[3 &* r &+ k] = o[k]; directions[3 &* r &+ k] = d[k]
                    targets[3 &* r &+ k] = rgb[k]; backgrounds[3 &* r &+ k] = bg[k]
                }
                if let span = volume.clip(origin: o, direction: d) {
                    let t0 = span.near + g.nextFloat() * volume.stepSize(span.near)
                    near[r] = t0; far[r] = span.far
                    counts[r] = Int32(marcher.countSamples(origin: o, direction: d, t: t0, far: span.far, maxSamples: maxPerRay))
                } else {
                    near[r] = 0; far[r] = 0; counts[r] = 0
                }
            }
        }
        // Lay the samples out; rays that would overflow the batch are dropped.
        let (kept, sampleCount, drawn) = RayMarcher.layOut(rays: rayCount, counts: counts, offsets: offsets,
                                                           capacity: trainer.batchCapacity)
        let input = self.input.pointer, steps = self.steps.pointer
        marcher.writeSamples(rays: kept, origins: origins, directions: directions, near: near, far: far, counts: counts,
                             offsets: offsets, volume: volume, input: input, steps: steps, pool: pool)
        let colors = self.colors.pointer, colorGradients = self.colorGradients.pointer, used = self.used
        let loss = trainer.step(input: input, batch: sampleCount, pool: pool) { outputs, gradients in
            pool.parallelRanges(kept, granularity: 64) { _, range in
                for r in range {
                    let start = Int(offsets[r]), n = Int(offsets[r + 1]) - start
                    let bg = SIMD3(backgrounds[3 &* r], backgrounds[3 &* r &+ 1], backgrounds[3 &* r &+ 2])
                    let result = VolumeCompositing.forward(outputs: outputs + 4 &* start, dt: steps + start, count: n,
                                                           background: bg, minTransmittance: 1e-4)
                    colors[3 &* r] = result.color.x; colors[3 &* r &+ 1] = result.color.y; colors[3 &* r &+ 2] = result.color.z
                    used[r] = Int32(result.used)
                }
            }
            let value = trainer.loss.evaluate(prediction: colors, target: targets, gradient: colorGradients,
                                              count: kept * 3, pool: pool)
            pool.parallelRanges(kept, granularity: 64) { _, range in
                for r in range {
                    let start = Int(offsets[r]), n = Int(offsets[r + 1]) - start
                    guard n > 0 else { continue }
                    let c = SIMD3(colors[3 &* r], colors[3 &* r &+ 1], colors[3 &* r &+ 2])
                    let dc = SIMD3(colorGradients[3 &* r], colorGradients[3 &* r &+ 1], colorGradients[3 &* r &+ 2])
                    VolumeCompositing.backward(outputs: outputs + 4 &* start, dt: steps + start, count: n, used: Int(used[r]),
                                               color: c, colorGradient: dc, gradients: gradients + 4 &* start)
                }
            }
            return value
        }
        // Aim the next step at the target sample count (instant-ngp's rule), in multiples of 256 rays.
        rays = RayMarcher.nextRayCount(drawn: drawn, rays: rayCount, targetSamples: targetSamples, capacity: rayCapacity)
        return StepStats(loss: loss, rays: kept, samples: sampleCount)
    }

    /// Training step number `step` (0-based) of a fit, with instant-ngp's occupancy-grid schedule: the grid is
    /// updated before every step at first, then every `min(step / 16, gridUpdateEvery)` steps (every
    /// `gridUpdateEvery` from step 16·`gridUpdateEvery` on).
    public func step(_ step: Int, gridUpdateEvery: Int, rng: inout RandomGenerator, pool: WorkerPool) -> StepStats {
        let interval = min(max(step / 16, 1), gridUpdateEvery)
        if step % interval == 0 { updateGrid(rng: &rng, pool: pool) }
        return self.step(rng: &rng, pool: pool)
    }

    /// Refreshes the occupancy grid from the network's current density (instant-ngp's update).
    public func updateGrid(rng: inout RandomGenerator, pool: WorkerPool) {
        grid.update(rng: &rng, pool: pool) { positions, count, sigma in evaluateDensity(positions, count, sigma, pool: pool) }
    }

    /// Sets the whole grid from the network's current density (after loading a checkpoint).
    public func rebuildGrid(pool: WorkerPool) {
        grid.rebuild(pool: pool) { positions, count, sigma in evaluateDensity(positions, count, sigma, pool: pool) }
    }

    /// σ at `count` unit-cube points, from the density network alone.
    private func evaluateDensity(_ positions: UnsafePointer<Float>, _ count: Int, _ sigma: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let network = self.network, volume = grid.volume
        let out = densityOutput.pointer, points = networkPoints.pointer, width = network.geometryWidth
        for i in 0..<count {
            let q = volume.networkPosition(SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]))
            points[3 * i] = q.x; points[3 * i + 1] = q.y; points[3 * i + 2] = q.z
        }
        network.density.forward(input: points, output: out, batch: count, context: nil, pool: pool)
        for i in 0..<count { sigma[i] = VolumeCompositing.density(out[i * width]) }
    }
}
