import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// A run's checkpoint: a folder holding `parameters.safetensors` (the weights, one tensor per named
/// parameter tensor, readable from Python), `optimizer.safetensors` (the optimizer's state) and
/// `state.json` (step, training time, random-generator state, evaluation history).
/// Written to a temporary folder and swapped into place, so a checkpoint is never half-written.
public enum Checkpoint {
    /// What `load` restores besides the tensors.
    public struct State {
        public var step: Int
        public var trainingSeconds: Double
        /// Seconds of the data-driven initialisation before the first step (0 in checkpoints without it).
        public var initializationSeconds: Double
        public var rng: RandomGenerator
        public var evaluations: [Evaluation]
        /// The task's extra state (see `FitTask.checkpointState`), or nil.
        public var taskState: JSONValue?
        /// The task's arrays (see `FitTask.checkpointTensors`), by name; empty when it saved none.
        public var taskTensors: [String: SafeTensor] = [:]
    }

    /// Saves the trainer's parameters, optimizer state and the loop state to `path`.
    static func save(trainer: Trainer, step: Int, trainingSeconds: Double, initializationSeconds: Double = 0, rng: RandomGenerator,
                     evaluations: [Evaluation], taskState: JSONValue?, taskTensors: [SafeTensor] = [],
                     to path: String) throws(FieldError) {
        let tmp = path + ".tmp"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileAccess.makeFolder(tmp)
        let store = trainer.store
        let parameters = store.segments.map { seg in
            SafeTensor(name: seg.name, floats: Array(UnsafeBufferPointer(start: store.values.pointer + seg.offset, count: seg.count)), shape: seg.shape)
        }
        try SafeTensors.write(parameters, metadata: ["format": "fieldfit parameters", "step": "\(step)"],
                              to: (tmp as NSString).appendingPathComponent("parameters.safetensors"))
        var optimizerTensors: [SafeTensor] = []
        for (name, tensor) in trainer.optimizer.stateTensors() {
            switch tensor {
            case .float(let buffer): optimizerTensors.append(SafeTensor(name: name, floats: buffer.array, shape: [buffer.count]))
            case .uint32(let buffer): optimizerTensors.append(SafeTensor(name: name, uint32s: Array(buffer), shape: [buffer.count]))
            }
        }
        try SafeTensors.write(optimizerTensors, metadata: ["format": "fieldfit optimizer state"],
                              to: (tmp as NSString).appendingPathComponent("optimizer.safetensors"))
        let state: JSONValue = .object([
            ("format", .int(1)), ("step", .int(step)), ("training_seconds", .double(trainingSeconds)),
            ("initialization_seconds", .double(initializationSeconds)),
            ("rng_state", .string(String(rng.state, radix: 16))), ("rng_increment", .string(String(rng.increment, radix: 16))),
            ("optimizer", .object(trainer.optimizer.stateScalars().map { ($0.name, JSONValue.double($0.value)) })),
            ("evaluations", .array(evaluations.map(\.json))),
            ("task_state", taskState ?? .null),
        ])
        if !taskTensors.isEmpty {
            try SafeTensors.write(taskTensors, metadata: ["format": "fieldfit task state"],
                                  to: (tmp as NSString).appendingPathComponent("task.safetensors"))
        }
        try FileAccess.writeAtomically(JSONWriter.string(state), to: (tmp as NSString).appendingPathComponent("state.json"))
        let old = path + ".old"
        try? FileManager.default.removeItem(atPath: old)
        if FileAccess.exists(path) { _ = rename(path, old) }
        guard rename(tmp, path) == 0 else { throw FieldError(file: path, "cannot move the new checkpoint into place") }
        try? FileManager.default.removeItem(atPath: old)
    }

    /// Restores a checkpoint written by `save` into `trainer` (whose model must have the same layout).
    static func load(from path: String, into trainer: Trainer) throws(FieldError) -> State {
        let statePath = (path as NSString).appendingPathComponent("state.json")
        guard FileAccess.exists(statePath) else { throw FieldError(file: path, "no checkpoint here (state.json is missing)") }
        let state = try ConfigObject(try JSONParser.parse(file: statePath), file: statePath)
        let store = trainer.store
        let paramsPath = (path as NSString).appendingPathComponent("parameters.safetensors")
        let params = try SafeTensors.read(paramsPath)
        for seg in store.segments {
            guard let t = params.tensors[seg.name] else { throw FieldError(file: paramsPath, location: seg.name, "missing tensor: the checkpoint was made by a different model") }
            let values = try t.floatValues(file: paramsPath)
            guard values.count == seg.count, t.shape == seg.shape else {
                throw FieldError(file: paramsPath, location: seg.name, "has shape \(t.shape), the model needs \(seg.shape)")
            }
            values.withUnsafeBufferPointer { (store.values.pointer + seg.offset).update(from: $0.baseAddress!, count: seg.count) }
        }
        let optPath = (path as NSString).appendingPathComponent("optimizer.safetensors")
        let opt = try SafeTensors.read(optPath)
        for (name, tensor) in trainer.optimizer.stateTensors() {
            guard let t = opt.tensors[name] else { throw FieldError(file: optPath, location: name, "missing optimizer state") }
            switch tensor {
            case .float(let buffer):
                let v = try t.floatValues(file: optPath)
                guard v.count == buffer.count else { throw FieldError(file: optPath, location: name, "has \(v.count) values, expected \(buffer.count)") }
                v.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: v.count) }
            case .uint32(let buffer):
                let v = try t.uint32Values(file: optPath)
                guard v.count == buffer.count else { throw FieldError(file: optPath, location: name, "has \(v.count) values, expected \(buffer.count)") }
                for i in 0..<v.count { buffer[i] = v[i] }
            }
        }
        var scalars: [String: Double] = [:]
        if let o = try state.object("optimizer") {
            for m in o.members { scalars[m.key] = try o.double(m.key) }
            try o.finish()
        }
        trainer.optimizer.restoreScalars(scalars)
        guard let s = try state.string("rng_state"), let rs = UInt64(s, radix: 16),
              let i = try state.string("rng_increment"), let ri = UInt64(i, radix: 16) else {
            throw FieldError(file: statePath, location: "rng_state", "missing or not a hexadecimal number")
        }
        var evaluations: [Evaluation] = []
        for e in try state.array("evaluations") ?? [] { evaluations.append(try Evaluation(json: e, file: statePath)) }
        _ = try state.int("format")
        let taskState = state.value("task_state")
        let taskPath = (path as NSString).appendingPathComponent("task.safetensors")
        let taskTensors = FileAccess.exists(taskPath) ? try SafeTensors.read(taskPath).tensors : [:]
        let result = State(step: try state.int("step", default: 0, in: 0...Int.max),
                           trainingSeconds: try state.double("training_seconds", default: 0, in: 0...1e12),
                           initializationSeconds: try state.double("initialization_seconds", default: 0, in: 0...1e12),
                           rng: RandomGenerator(state: rs, increment: ri), evaluations: evaluations,
                           taskState: taskState, taskTensors: taskTensors)
        try state.finish()
        return result
    }
}
