import FieldIO
import ModelLibrary
import Render
import TensorCore

/// NeuRBF's NeRF kernel initialisation (seed-papers A.2) with a hash grid in place of TensoRF: a short,
/// deterministic pre-fit of the default hash-grid NeRF model (`NeRFTaskDefinition.positionEncoding` → 64 × 1 density
/// network, spherical harmonics → 64 × 2 colour network, Huber loss, Adam 1e-2; the finest level set as the
/// scene's) on the training views, with its own `RadianceTraining` and occupancy grid and batches of
/// `batchCapacity` samples, then `DensityGradientSamples` on a `latticeResolution`³ lattice of its field.
/// Nothing of it outlives the initialisation: the fitted model is built and trained afresh.
enum NeRFKernelPrefit {
    /// Samples per pre-fit step (capacity; a step aims at ¾ of it): a quarter of the default NeRF batch, so
    /// that a few hundred steps take seconds.
    static let batchCapacity = 1 << 14
    /// Lattice cells per axis over the scene box at which the pre-fit is sampled.
    static let latticeResolution = 128

    /// Pre-fits `steps` steps on `views` inside `volume` (the scene's `nerf` settings for the grid and marching),
    /// with every draw from `rng`, and returns the weighted samples in the network's [0, 1]³ coordinates.
    static func samples(views: PosedViews, volume: RadianceVolume, settings: RadianceSettings, finestResolution: Int,
                        steps: Int, rng: inout RandomGenerator, file: String, pool: WorkerPool) throws(FieldError) -> InitializationSamples {
        let start = monotonicSeconds()
        let encoding = TaskFactory.withAutomaticLevelScale(NeRFTaskDefinition.positionEncoding, finestResolution: finestResolution)
        let trainer = try ModelFactory.makeNeRFTrainer(
            encoding: encoding, network: NeRFTaskDefinition.densityNetwork, dirEncoding: NeRFTaskDefinition.directionEncoding,
            rgbNetwork: NeRFTaskDefinition.colorNetwork, loss: .object([("otype", .string("Huber"))]), optimizer: TaskDefaults.instantNGPAdam,
            batchCapacity: batchCapacity, seed: rng.next(), file: file)
        let grid = OccupancyGrid(volume: volume, resolution: settings.gridResolution)
        let training = RadianceTraining(views: views, grid: grid, trainer: trainer, maxSamplesPerRay: settings.maxSamplesPerRay, pool: pool)
        for step in 0..<steps {
            _ = training.step(step, gridUpdateEvery: settings.gridUpdateEvery, rng: &rng, pool: pool)
        }
        let lattice = DensityGradientSamples(network: training.network, grid: grid, resolution: latticeResolution, pool: pool)
        let seconds = monotonicSeconds() - start
        return InitializationSamples(
            points: lattice.points, weights: lattice.weights, dimensions: 3,
            description: "density × feature gradient on a \(latticeResolution)³ lattice of a \(steps)-step hash-grid pre-fit, "
                + String(format: "%.1f s", seconds))
    }
}
