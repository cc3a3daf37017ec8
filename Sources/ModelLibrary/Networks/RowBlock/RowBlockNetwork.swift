import TensorCore

/// The scaffolding every row-block network shares (`MLP`, `HourglassMLP`, `GLU`, `PolyMLP`, `QuadraticMLP`,
/// `KANNetwork`): its shape, the bound parameter slice, module-owned inference scratch, and `forward` /
/// `backward`, which walk a batch in `RowBlocks` (fixed slots, so results never depend on the thread count),
/// run the subclass's kernels on each block of rows and add the per-slot gradient partials in slot order.
///
/// A subclass lays out its parameters, makes its own `RowBlockContext` subclass (named at `init`) and
/// overrides `forwardBlock` and `backwardBlock` (and, where it needs them, `prepare` and `reducePartials`);
/// it conforms to `DifferentiableModule` with `inputWidth`, `outputWidth`, `parameterCount`, `bind`,
/// `forward` and `backward` inherited from here. `forward(context: nil)` uses the inference scratch owned by
/// the network: do not run inference on one network from several threads at once (pass a context to each).
public class RowBlockNetwork {
    /// Columns of the input.
    public let inputWidth: Int
    /// Columns of the output.
    public let outputWidth: Int
    /// Activation of the output layer.
    public let outputActivation: Activation
    /// Rows per block in forward/backward.
    public let chunkRows: Int
    /// The total number of parameters.
    public let parameterCount: Int
    /// The subclass's context type (`forward`/`backward` refuse any other).
    private let contextType: RowBlockContext.Type
    /// Per-slot inference scratch (`inferenceScratchPerSlot` floats per slot).
    private let inferenceScratch: FloatBuffer
    private let inferenceScratchPerSlot: Int
    /// The bound parameter values and gradients.
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// A network of `parameterCount` parameters whose contexts are `contextType` and whose inference needs
    /// `inferenceScratchPerSlot` floats per slot.
    init(inputWidth: Int, outputWidth: Int, outputActivation: Activation, chunkRows: Int, parameterCount: Int,
         context contextType: RowBlockContext.Type, inferenceScratchPerSlot: Int) {
        precondition(inputWidth > 0 && outputWidth > 0 && chunkRows >= 8, "\(Self.self): invalid shape")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.outputActivation = outputActivation
        self.chunkRows = chunkRows
        self.parameterCount = parameterCount
        self.contextType = contextType
        self.inferenceScratchPerSlot = inferenceScratchPerSlot
        inferenceScratch = FloatBuffer(count: RowBlocks.slots * inferenceScratchPerSlot)
    }

    /// Points the network at its parameter slice.
    public final func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// The bound values (a precondition failure naming the network before `bind`).
    final func boundValues() -> UnsafeMutablePointer<Float> {
        guard let values else { preconditionFailure("\(Self.self) used before bind") }
        return values
    }

    /// Slot `slot`'s inference scratch.
    @inline(__always)
    final func inferenceScratch(slot: Int) -> UnsafeMutablePointer<Float> {
        inferenceScratch.pointer + slot &* inferenceScratchPerSlot
    }

    // MARK: The passes

    /// Computes the output batch (row-major `[batch, outputWidth]`); with a context (made by this network),
    /// saves what backward needs.
    public final func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                              context: ModuleContext?, pool: WorkerPool) {
        let values = boundValues()
        if batch <= 0 { return }
        let ctx = context.map { ownContext($0, batch: batch) }
        prepare(UnsafePointer(values))
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, _ in
            forwardBlock(input: input, output: output, row: row, rows: rows, slot: slot, values: values, context: ctx)
        }
    }

    /// Back-propagates `outputGradient`: accumulates the parameter gradients and, when asked, overwrites
    /// `inputGradient` with dL/dinput (`DifferentiableModule`'s contract).
    public final func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                               inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        let values = boundValues()
        guard let gradients else { preconditionFailure("\(Self.self) used before bind") }
        let ctx = ownContext(context, batch: batch)
        if batch <= 0 { return }
        prepare(UnsafePointer(values))
        RowBlocks.forEach(batch: batch, chunkRows: chunkRows, pool: pool) { row, rows, slot, first in
            backwardBlock(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                          row: row, rows: rows, slot: slot, first: first, values: values, context: ctx)
        }
        reducePartials(ctx, used: RowBlocks.usedSlots(batch: batch, chunkRows: chunkRows), values: UnsafePointer(values),
                       into: gradients, pool: pool)
    }

    /// `context`, checked to be this network's own type and large enough for `batch`.
    @inline(__always)
    private func ownContext(_ context: ModuleContext, batch: Int) -> RowBlockContext {
        guard type(of: context) == contextType else { preconditionFailure("\(Self.self): not its own context") }
        let c = unsafeDowncast(context, to: RowBlockContext.self)
        precondition(batch <= c.capacity, "\(Self.self): batch \(batch) exceeds context capacity \(c.capacity)")
        return c
    }

    // MARK: What subclasses supply

    /// Per-pass setup from the current parameters, on the calling thread before the blocks (none by default).
    func prepare(_ values: UnsafePointer<Float>) {}

    /// The forward pass on rows `row ..< row + rows` (slot `slot`); `context` is nil for inference and
    /// otherwise the subclass's own context type.
    func forwardBlock(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, row: Int, rows: Int, slot: Int,
                      values: UnsafeMutablePointer<Float>, context: RowBlockContext?) {
        preconditionFailure("\(Self.self) does not override forwardBlock")
    }

    /// The backward pass on rows `row ..< row + rows`: writes the slot's gradient partials (overwriting them on
    /// the slot's `first` block, adding after) and, when asked, the block's rows of `inputGradient`.
    func backwardBlock(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                       inputGradient: UnsafeMutablePointer<Float>?, row: Int, rows: Int, slot: Int, first: Bool,
                       values: UnsafeMutablePointer<Float>, context: RowBlockContext) {
        preconditionFailure("\(Self.self) does not override backwardBlock")
    }

    /// Adds the first `used` slots' partials to the gradients, in slot order. By default the partials have the
    /// parameters' layout (`parameterCount` floats per slot).
    func reducePartials(_ context: RowBlockContext, used: Int, values: UnsafePointer<Float>,
                        into gradients: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        RowBlocks.reducePartials(context.partials.pointer, count: parameterCount, used: used, into: gradients, pool: pool)
    }

    // MARK: Helpers for the kernels

    /// Where the training forward pass saves the output activation's f' for rows from `row` (nil for
    /// inference, or when the activation reads its output instead).
    @inline(__always)
    final func outputDerivative(_ context: RowBlockContext?, row: Int) -> UnsafeMutablePointer<Float>? {
        guard let context, outputActivation.savesDerivative else { return nil }
        return context.outputDerivative.pointer + row &* outputWidth
    }

    /// The backward walk of a block through a stack of dense layers (`MLP`, `PolyMLP`): the output activation,
    /// then from the last layer down its weight/bias gradients into `partial` (overwriting on the slot's
    /// `first` block) and dL/d(its input) — into the block's rows of `inputGradient` for the first layer. For
    /// a hidden layer l, `hidden(l)` is its saved output and `throughActivation(l, g)` turns g = dL/d(that
    /// output) into dL/d(its pre-activation) in place. `ping` and `pong` are two scratch blocks of
    /// rows × max(width, outputWidth) floats.
    @inline(__always)
    final func denseStackBackward(_ layers: [DenseLayer], input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                  outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                                  row: Int, rows: Int, first: Bool, values: UnsafeMutablePointer<Float>,
                                  partial: UnsafeMutablePointer<Float>, context: RowBlockContext,
                                  ping: UnsafeMutablePointer<Float>, pong: UnsafeMutablePointer<Float>,
                                  hidden: (Int) -> UnsafePointer<Float>,
                                  throughActivation: (Int, UnsafeMutablePointer<Float>) -> Void) {
        var (ping, pong) = (ping, pong)
        var dz = outputLayerGradient(outputGradient, output: output, row: row, rows: rows, context: context, scratch: ping)
        if outputActivation != .none { swap(&ping, &pong) }
        var l = layers.count - 1
        while l >= 0 {
            let layer = layers[l]
            // dW_l (+)= srcᵀ · dz; dA = dz · Wᵀ (into the input gradient for the first layer).
            let src = l == 0 ? input + row &* inputWidth : hidden(l &- 1)
            let dx = l == 0 ? inputGradient.map { $0 + row &* inputWidth } : ping
            layer.backward(input: src, ldx: layer.inputs, outputGradient: dz, ldz: layer.outputs, rows: rows, values: values,
                           partial: partial, overwrite: first, inputGradient: dx, ldd: layer.inputs)
            if l > 0 {
                throughActivation(l &- 1, ping)
                dz = UnsafePointer(ping)
                swap(&ping, &pong)
            }
            l -= 1
        }
    }

    /// dL/d(pre-activation of the output layer) for rows `row ..< row + rows`: `outputGradient` itself without
    /// an output activation, else the activation's backward written to `scratch` (rows × outputWidth).
    @inline(__always)
    final func outputLayerGradient(_ outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>, row: Int, rows: Int,
                                   context: RowBlockContext, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let dy = outputGradient + row &* outputWidth
        if outputActivation == .none { return dy }
        outputActivation.backward(from: dy, output: output + row &* outputWidth,
                                  derivative: outputDerivative(context, row: row).map { UnsafePointer($0) },
                                  into: scratch, count: rows &* outputWidth)
        return UnsafePointer(scratch)
    }
}
