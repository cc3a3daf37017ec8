import FieldIO
import Foundation
import Geometry
import ModelLibrary
import Render
import TensorCore

/// The NeRF task inside the fit loop: posed images (a transforms.json dataset or the built-in procedural
/// scene), instant-ngp's training step (`RadianceTraining`) with occupancy-grid updates, PSNR / SSIM on the
/// held-out views, and at the end the test-view comparisons, nerfstudio's eval JSON and the renders.
final class NeRFFitTask: SteppingFitTask {
    var scene: Scene
    /// Training views and the held-out views with their ground truth.
    let trainViews: PosedViews
    let testViews: PosedViews
    /// Scene placement of the dataset (nil for the procedural scene).
    let sceneTransform: SceneTransform?
    let volume: RadianceVolume
    let dataDescription: String
    private var training: RadianceTraining?
    private let pool: WorkerPool
    private var rays = 0
    /// The fixed test pixels periodic evaluations score (nil: whole test views every time).
    let evaluationRays: EvaluationRays?
    /// The full test-view renders of the final evaluation, kept for the outputs written right after it.
    private var finalRenders: (scores: [ViewScore], images: [Image])?
    /// Seconds the end of the run spent rendering the test views (final evaluation).
    private(set) var testViewSeconds = 0.0

    /// Loads the views (decoded in parallel on `pool`, kept as 8-bit RGBA); fills in the render settings the
    /// scene left to the data (orbit size, distance, field of view, up). Frames the dataset left out (missing
    /// images, blurry frames) are reported as one warning line each on standard error.
    init(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) {
        self.pool = pool
        let started = monotonicSeconds()
        var proceduralScale = 1
        switch scene.data as? NeRFData {
        case let .proceduralViews(count, width, height, testEvery)?:
            let views = ProceduralRadianceScene().views(count: count, width: width, height: height, testEvery: testEvery, pool: pool)
            trainViews = PosedViews(cameras: views.train.map(\.0), images: views.train.map(\.1))
            testViews = PosedViews(cameras: views.test.map(\.0), images: views.test.map(\.1))
            sceneTransform = nil
            dataDescription = "\(views.train.count) training and \(views.test.count) test views of \(width)×\(height) of the procedural shapes scene"
        case let .proceduralCity(count, width, height, testEvery, seed)?:
            let city = ProceduralCityScene(seed: UInt64(seed))
            let views = city.views(count: count, width: width, height: height, testEvery: testEvery, pool: pool)
            trainViews = PosedViews(cameras: views.train.map(\.0), images: views.train.map(\.1))
            testViews = PosedViews(cameras: views.test.map(\.0), images: views.test.map(\.1))
            sceneTransform = nil
            proceduralScale = ProceduralCityScene.aabbScale
            dataDescription = "\(views.train.count) training and \(views.test.count) test views of \(width)×\(height) of the procedural city "
                + "(\(city.objectCount) objects over \(Int(city.extent))×\(Int(city.extent)) units, seed \(seed)"
                + String(format: ", rendered in %.1f s)", monotonicSeconds() - started)
        case let data?:
            let (dataset, path) = try data.readPosedImages()
            for line in dataset.warnings { FileHandle.standardError.write(Data("fieldfit: warning: \(line)\n".utf8)) }
            let train = dataset.indices(.train), test = dataset.indices(.test)
            let trainStore = PosedViews(cameras: train.map { Camera(frame: dataset.frames[$0], scene: dataset.scene) })
            let testStore = PosedViews(cameras: test.map { Camera(frame: dataset.frames[$0], scene: dataset.scene) })
            try NeRFFitTask.load(dataset, train.map { (trainStore, $0) } + test.map { (testStore, $0) }, pool: pool)
            trainViews = trainStore; testViews = testStore
            sceneTransform = dataset.scene
            let size = trainStore.cameras.first.map { "\($0.width)×\($0.height)" } ?? "?"
            dataDescription = "\(train.count) training and \(test.count) test views of \(size) from \((path as NSString).lastPathComponent)"
                + String(format: " (decoded in %.1f s)", monotonicSeconds() - started)
        case nil:
            throw FieldError(file: scene.file, location: "data", "a nerf task needs \"transforms\", \"colmap\" or \"procedural\"")
        }
        guard trainViews.count > 0 else { throw FieldError(file: scene.file, location: "data", "the dataset has no training views") }
        let r = scene.radiance
        volume = RadianceVolume(aabbScale: sceneTransform?.aabbScale ?? proceduralScale, stepsPerDiagonal: r.stepsPerDiagonal,
                                coneAngle: r.coneAngle.map { Float($0) }, near: Float(r.near))
        evaluationRays = r.evalRays > 0 ? EvaluationRays(testViews: testViews, count: r.evalRays) : nil
        NeRFFitTask.resolveRenderSettings(&scene.render, cameras: trainViews.cameras)
        self.scene = scene
    }

    /// Decodes the images of `jobs` (a view storage and the dataset frame that fills its next view) in
    /// parallel, each straight into its storage; the first failing frame's error (in dataset order) is thrown.
    static func load(_ dataset: PosedImageDataset, _ jobs: [(views: PosedViews, frame: Int)], pool: WorkerPool) throws(FieldError) {
        var slot: [ObjectIdentifier: Int] = [:]
        var targets: [(views: PosedViews, view: Int, frame: Int)] = []
        for job in jobs {
            let v = slot[ObjectIdentifier(job.views), default: 0]
            slot[ObjectIdentifier(job.views)] = v + 1
            targets.append((job.views, v, job.frame))
        }
        let work = targets
        var errors = [FieldError?](repeating: nil, count: targets.count)
        errors.withUnsafeMutableBufferPointer { failures in
            let failed = failures
            pool.parallelRanges(work.count) { _, range in
                for j in range {
                    do throws(FieldError) { work[j].views.setImage(work[j].view, try dataset.imageBytes(work[j].frame)) } catch { failed[j] = error }
                }
            }
        }
        let failures = zip(work, errors).compactMap { job, error in error.map { (job.frame, $0) } }
        if let first = failures.min(by: { $0.0 < $1.0 }) { throw first.1 }
    }

    /// Orbit defaults from the training cameras: their image size, mean distance from the centre, field
    /// of view and mean up vector, unless the scene set them.
    static func resolveRenderSettings(_ r: inout RenderSettings, cameras: [Camera]) {
        guard let first = cameras.first else { return }
        let center = SIMD3<Float>(repeating: 0.5)
        if !r.explicitKeys.contains("width") && !r.explicitKeys.contains("height") { r.width = first.width; r.height = first.height }
        if !r.explicitKeys.contains("distance") {
            r.distance = Double(cameras.map { length($0.position - center) }.reduce(0, +) / Float(cameras.count))
        }
        if !r.explicitKeys.contains("fov") {
            r.fieldOfView = 2 * atan(Double(first.width) / 2 / Double(first.focalX)) * 180 / .pi
        }
        if !r.explicitKeys.contains("up") {
            let sum = cameras.reduce(SIMD3<Float>()) { $0 + $1.up }
            if length(sum) > 1e-3 { r.up = normalized(sum) }
        }
        r.explicitKeys.formUnion(["width", "height", "distance", "fov", "up"])
    }

    /// The finest hash-grid resolution for these images: four cells per pixel across the scene box.
    var finestResolution: Int {
        let pixels = trainViews.cameras.map { max($0.width, $0.height) }.max() ?? 256
        return min(8192, max(256, 4 * pixels) * volume.aabbScale)
    }

    var inputWidth: Int { 6 }
    var outputWidth: Int { 4 }
    var summary: String { "NeRF of \(dataDescription)" }
    var checkpointState: JSONValue? { nil }
    var headline: HeadlineScore {
        HeadlineScore(name: "psnr", label: "test PSNR (dB)", format: { "psnr \(String(format: "%.2f", $0)) dB" },
                      thresholds: [20, 25, 28, 30, 31, 33])
    }

    /// The training state for `trainer`, made on first use: with the grid and ray count a checkpoint saved,
    /// else (a checkpoint without them) the grid rebuilt from the field.
    func training(_ trainer: Trainer, resumed: Bool) -> RadianceTraining {
        if let t = training { return t }
        let grid = OccupancyGrid(volume: volume, resolution: scene.radiance.gridResolution)
        let t = RadianceTraining(views: trainViews, grid: grid, trainer: trainer, maxSamplesPerRay: scene.radiance.maxSamplesPerRay, pool: pool)
        if let saved = savedState {
            grid.restore(values: saved.values, cursor: saved.cursor, updates: saved.updates, pool: pool)
            t.rays = saved.rays
        } else if resumed {
            t.rebuildGrid(pool: pool)
        }
        training = t
        return t
    }

    /// The grid and ray count a checkpoint held, until the training state is made.
    private var savedState: (values: [Float], cursor: Int, updates: Int, rays: Int)?

    func checkpointTensors() -> [SafeTensor] {
        guard let t = training else { return [] }
        let g = t.grid
        return [SafeTensor(name: "occupancy_grid", floats: g.values.array, shape: [g.volume.cascades, g.resolution, g.resolution, g.resolution]),
                SafeTensor(name: "nerf_state", uint32s: [UInt32(g.tourPosition), UInt32(g.updates), UInt32(t.rays)], shape: [3])]
    }

    func restore(tensors: [String: SafeTensor], file: String) throws(FieldError) {
        guard let grid = tensors["occupancy_grid"], let state = tensors["nerf_state"] else { return }
        let values = try grid.floatValues(file: file), s = try state.uint32Values(file: file)
        let r = scene.radiance.gridResolution
        guard values.count == r * r * r * volume.cascades, s.count == 3 else {
            throw FieldError(file: file, location: "occupancy_grid", "has \(values.count) cells, the scene's grid has \(r * r * r * volume.cascades)")
        }
        savedState = (values, Int(s[0]), Int(s[1]), Int(s[2]))
    }

    /// One step. The training state is made on the first step with its grid built from the field (as the
    /// step-0 evaluation made it before that evaluation became optional), so training does not depend on it.
    func trainStep(_ trainer: Trainer, step: Int, rng: inout RandomGenerator, pool: WorkerPool) -> (loss: Float, samples: Int) {
        let stats = trainingFromField(trainer).step(step, gridUpdateEvery: scene.radiance.gridUpdateEvery, rng: &rng, pool: pool)
        rays += stats.rays
        return (stats.loss, stats.samples)
    }

    /// NeuRBF's NeRF initialisation: a `nerf.rbf_init_steps`-step hash-grid pre-fit on the training views
    /// (`NeRFKernelPrefit`), its density × feature gradient on a lattice in the network's [0, 1]³ coordinates.
    /// Every draw comes from `rng`, so it repeats exactly for a seed and thread count (and on resume).
    func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError) -> InitializationSamples? {
        let steps = scene.radiance.rbfInitSteps
        guard steps > 0 else { return nil }
        return try NeRFKernelPrefit.samples(views: trainViews, volume: volume, settings: scene.radiance, finestResolution: finestResolution,
                                            steps: steps, rng: &rng, file: scene.file, pool: pool)
    }

    var noInitializationReason: String { "nerf.rbf_init_steps is 0" }

    /// The training state, its grid built from the field (inference parameters) when made now.
    func trainingFromField(_ trainer: Trainer) -> RadianceTraining {
        if let t = training { return t }
        return trainer.withInferenceParameters { training(trainer, resumed: true) }
    }

    /// Renders every test view (on the pool, the occupancy grid skipping empty space, rays ending once
    /// opaque); returns the per-view scores and the predictions. The final evaluation's renders are handed
    /// over once instead of being made again.
    func renderTestViews(_ trainer: Trainer, pool: WorkerPool) -> (scores: [ViewScore], images: [Image]) {
        if let kept = finalRenders { finalRenders = nil; return kept }
        let renderer = RadianceRenderer(grid: training(trainer, resumed: true).grid)
        let field = NeRFRadianceField(trainer: trainer)
        var scores: [ViewScore] = [], images: [Image] = []
        let bg = scene.radiance.background
        for v in 0..<testViews.count {
            let t0 = monotonicSeconds()
            let out = renderer.render(testViews.cameras[v], field: field, background: bg, minTransmittance: 1e-4, pool: pool)
            let seconds = monotonicSeconds() - t0
            scores.append(ViewScore.score(index: v, groundTruth: testViews.image(v, background: bg), prediction: out.rgb,
                                          seconds: seconds, background: bg))
            images.append(out.rgb)
        }
        return (scores, images)
    }

    var evaluatesAtStart: Bool { scene.radiance.evalAtStart }

    func evaluate(_ trainer: Trainer, pool: WorkerPool) -> [Evaluation.Score] {
        evaluate(trainer, pool: pool, final: false)
    }

    /// Periodic evaluations: PSNR on the fixed subset of test pixels (`nerf.eval_rays`); the final one (or
    /// every one with `eval_rays` 0): PSNR and SSIM over the full test views, kept for the outputs.
    func evaluate(_ trainer: Trainer, pool: WorkerPool, final: Bool) -> [Evaluation.Score] {
        guard testViews.count > 0 else { return [] }
        if !final, let subset = evaluationRays {
            let renderer = RadianceRenderer(grid: training(trainer, resumed: true).grid)
            let psnr = subset.psnr(renderer: renderer, field: NeRFRadianceField(trainer: trainer), testViews: testViews,
                                   background: scene.radiance.background, pool: pool)
            return [Evaluation.Score(name: "psnr", value: psnr)]
        }
        let t0 = monotonicSeconds()
        let renders = renderTestViews(trainer, pool: pool)
        if final { finalRenders = renders; testViewSeconds = monotonicSeconds() - t0 }
        let summary = NeRFEvaluationSummary(views: renders.scores)
        return [Evaluation.Score(name: "psnr", value: summary.psnr), Evaluation.Score(name: "ssim", value: summary.ssim),
                Evaluation.Score(name: "render_rays_per_second", value: summary.raysPerSecond)]
    }

    func writeOutputs(_ trainer: Trainer, history: [Evaluation], folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], quiet: Bool) throws(FieldError) {
        if let last = history.last, last.seconds > 0 { final.append(("rays_per_second", .double(Double(rays) / last.seconds))) }
        if let subset = evaluationRays { final.append(("eval_rays", .int(subset.count))) }
        if testViewSeconds > 0 { final.append(("end_test_views_seconds", .double(testViewSeconds))) }
        // A mixture of hash experts: how its gate spread the training samples (metrics.json and the summary).
        for (k, mixture) in trainer.model.moduleTree.compactMap({ $0 as? HashExpertsEncoding }).enumerated() {
            let load = mixture.load
            final.append((k == 0 ? "expert_load" : "expert_load_\(k)", load.json))
            if !quiet { print("fieldfit: \(load.summary)") }
        }
        try NeRFRendering.write(task: self, trainer: trainer, folder: folder, pool: pool, final: &final, quiet: quiet)
    }
}
