/// A named piece of optimizer state, for checkpoints (saved as a safetensors tensor).
public enum OptimizerStateTensor {
    /// Float state such as Adam's moments or an EMA copy of the weights.
    case float(FloatBuffer)
    /// Unsigned counters such as Adam's per-parameter step counts.
    case uint32(UnsafeMutableBufferPointer<UInt32>)
}

/// Updates a `ParameterStore` from its gradients (tiny-cuda-nn's `Optimizer`, with its wrappers).
public protocol Optimizer: AnyObject {
    /// Creates the state for `store` (moments, counters); called once before the first step.
    func allocate(for store: ParameterStore)
    /// Applies one update using `store.gradients`; allocates nothing.
    func step(_ store: ParameterStore, pool: WorkerPool)
    /// Steps taken so far.
    var stepCount: Int { get }
    /// The learning rate the next step will use.
    var currentLearningRate: Float { get }
    /// The parameters to evaluate and render with: the store's own values, or an averaged copy (EMA).
    func inferenceValues(_ store: ParameterStore) -> UnsafePointer<Float>
    /// The optimizer's state, by name, for checkpoints (arrays; names unique across wrappers).
    func stateTensors() -> [(name: String, tensor: OptimizerStateTensor)]
    /// The optimizer's scalar state, by name, for checkpoints.
    func stateScalars() -> [(name: String, value: Double)]
    /// Restores scalar state saved by `stateScalars` (arrays are restored in place through `stateTensors`).
    func restoreScalars(_ scalars: [String: Double])
}
