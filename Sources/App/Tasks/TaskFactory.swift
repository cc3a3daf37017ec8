import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// Builds a scene's task and trainer through its `TaskDefinition`, and applies the rules every task shares
/// (instant-ngp's grid level scale, NeuRBF's `"n_kernels": "auto"`).
enum TaskFactory {
    /// The task for `scene`, loading its data. Fills in what the scene left to the task (the grid's
    /// level scale, an RBF's `"n_kernels": "auto"`), so that `scene.resolvedJSON` records the model that
    /// was actually built.
    static func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> FitTask {
        let (task, finest) = try scene.definition.makeTask(&scene, pool: pool)
        scene.encoding = withAutomaticLevelScale(scene.encoding, finestResolution: finest)
        try KernelBudget.resolve(&scene, inputWidth: task.inputWidth, outputWidth: task.outputWidth, finestResolution: finest)
        // A student scene trains by distillation from its teacher run (everything else is its own task's).
        if scene.distill != nil { return try DistillationTask(student: task, scene: scene, pool: pool) }
        return task
    }

    /// The trainer for the scene's model with the given input and output widths.
    static func makeTrainer(_ scene: Scene, inputWidth: Int, outputWidth: Int) throws(FieldError) -> Trainer {
        try scene.definition.makeTrainer(scene, inputWidth: inputWidth, outputWidth: outputWidth)
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
