import TensorCore

/// State a module saves during a training forward pass for its backward pass.
/// Allocated once per batch capacity by `makeContext`; the caller owns it and reuses it every step.
open class ModuleContext {
    /// The largest batch this context can hold.
    public let capacity: Int
    /// A context for batches of up to `capacity` rows.
    public init(capacity: Int) { self.capacity = capacity }
}

/// Anything with parameters that maps a batch of rows to a batch of rows and can back-propagate:
/// encodings, layers, whole networks and their compositions (tiny-cuda-nn's `DifferentiableObject`).
///
/// Batches are row-major: `[batch, inputWidth]` in, `[batch, outputWidth]` out.
/// Contract:
/// - `forward` overwrites `output`. With a context it saves what `backward` needs there; with
///   `nil` it is inference and saves nothing.
/// - `backward` is called with the same `input`/`output` pointers as the forward that filled the
///   context. It **accumulates** (`+=`) parameter gradients into the bound gradient slice and, when
///   `inputGradient` is non-nil, **overwrites** it with dL/dinput.
/// - Nothing allocates inside `forward`/`backward`; all scratch memory lives in the context.
public protocol DifferentiableModule: AnyObject {
    /// Columns of the input batch.
    var inputWidth: Int { get }
    /// Columns of the output batch.
    var outputWidth: Int { get }
    /// The named parameter tensors in storage order (names relative to this module).
    var parameterTensors: [ParameterTensor] { get }
    /// Points the module at its slice of a `ParameterStore` (values and gradients).
    func bind(_ binding: ParameterBinding)
    /// Writes initial values into the bound parameters.
    func initializeParameters(_ rng: inout RandomGenerator)
    /// A context for training batches of up to `capacity` rows.
    func makeContext(capacity: Int) -> ModuleContext
    /// Computes the output batch (see the contract above).
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                 context: ModuleContext?, pool: WorkerPool)
    /// Back-propagates `outputGradient` (see the contract above).
    func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                  inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool)
}

extension DifferentiableModule {
    /// The total number of parameters.
    public var parameterCount: Int { parameterTensors.reduce(0) { $0 + $1.count } }
}

/// A module without parameters (encodings such as Identity, Frequency and SphericalHarmonics): the
/// parameter plumbing of `DifferentiableModule` done once.
public protocol ParameterFreeModule: DifferentiableModule {}

extension ParameterFreeModule {
    public var parameterTensors: [ParameterTensor] { [] }
    public func bind(_ binding: ParameterBinding) {}
    public func initializeParameters(_ rng: inout RandomGenerator) {}
    public func makeContext(capacity: Int) -> ModuleContext { ModuleContext(capacity: capacity) }
}
