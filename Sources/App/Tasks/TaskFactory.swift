import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// Builds a scene's task and trainer; the one place that knows which task class serves which
/// `task` value.
enum TaskFactory {
    /// The task for `scene`, loading its data. Fills in what the scene left to the task (the grid's
    /// level scale, an RBF's `"n_kernels": "auto"`), so that `scene.resolvedJSON` records the model that
    /// was actually built.
    static func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> FitTask {
        let task: FitTask, finest: Int
        switch scene.task {
        case .image:
            let image = try ImageFitTask(scene)
            (task, finest) = (image, max(image.task.width, image.task.height))
        case .sdf:
            // instant-ngp's rule for SDFs: the finest level has 2048 cells across the unit cube.
            (task, finest) = (try SDFFitTask(scene, pool: pool), 2048)
        case .nerf:
            // Finest level: 2048 cells across the scene box as instant-ngp's NeRF default (1.5^15 · 16 ≈ 7000)
            // is far finer than the images; here it follows the training images' resolution instead.
            let nerf = try NeRFFitTask(&scene, pool: pool)
            (task, finest) = (nerf, nerf.finestResolution)
        }
        scene.encoding = withAutomaticLevelScale(scene.encoding, finestResolution: finest)
        try KernelBudget.resolve(&scene, inputWidth: task.inputWidth, outputWidth: task.outputWidth, finestResolution: finest)
        return task
    }

    /// The trainer for the scene's model with the given input and output widths.
    static func makeTrainer(_ scene: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) -> Trainer {
        if scene.task == .nerf {
            return try ModelFactory.makeNeRFTrainer(encoding: scene.encoding, network: scene.network, dirEncoding: scene.dirEncoding,
                                                    rgbNetwork: scene.rgbNetwork, loss: scene.loss, optimizer: scene.optimizer,
                                                    batchCapacity: scene.training.batchSize, seed: scene.training.seed, file: scene.file)
        }
        return try ModelFactory.makeTrainer(encoding: scene.encoding, network: scene.network, loss: scene.loss,
                                     optimizer: scene.optimizer, inputWidth: inputWidth, outputWidth: outputWidth,
                                     batchCapacity: scene.training.batchSize, seed: scene.training.seed, file: scene.file)
    }

    /// instant-ngp's rule for grids: unless the scene says otherwise, the level scale makes the finest
    /// level `finestResolution` cells across.
    static func withAutomaticLevelScale(_ encoding: JSONValue, finestResolution: Int) -> JSONValue {
        guard case .object(var members) = encoding,
              let otype = encoding["otype"], case .string(let name) = otype,
              ["hashgrid", "grid", "densegrid", "tiledgrid"].contains(name.lowercased()),
              !members.contains(where: { $0.key.lowercased() == "per_level_scale" }) else { return encoding }
        func number(_ key: String, _ fallback: Double) -> Double {
            if let m = members.first(where: { $0.key.lowercased() == key }), case .number(let v, _) = m.value { return v }
            return fallback
        }
        let levels = number("n_levels", 16), base = number("base_resolution", 16)
        guard levels > 1, base > 0 else { return encoding }
        let scale = exp(log(max(Double(finestResolution), base) / base) / (levels - 1))
        members.append(("per_level_scale", .double(scale)))
        return .object(members)
    }
}
