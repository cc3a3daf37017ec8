import TensorCore

/// What every `RowBlockNetwork`'s context holds besides the activations its network saves: the output
/// activation's saved derivative, per-slot backward scratch and per-slot parameter-gradient partials
/// (added in slot order at the end of backward). Subclasses add the network's saved activations.
public class RowBlockContext: ModuleContext {
    /// f'(z) of the output activation, `[capacity][outputWidth]`, when it saves one (Sine, SiLU); else empty.
    let outputDerivative: FloatBuffer
    /// Floats of backward scratch per slot.
    let scratchPerSlot: Int
    /// Per-slot backward scratch.
    let scratch: FloatBuffer
    /// Floats of gradient partials per slot.
    let partialsPerSlot: Int
    /// Per-slot parameter-gradient partials.
    let partials: FloatBuffer

    /// A context for `network` and batches of up to `capacity` rows, with `scratchPerSlot` floats of backward
    /// scratch per slot and `partialsPerSlot` floats of partials per slot (default: the parameter count).
    init(_ network: RowBlockNetwork, capacity: Int, scratchPerSlot: Int, partialsPerSlot: Int? = nil) {
        let cap = max(capacity, 0)
        outputDerivative = FloatBuffer(count: network.outputActivation.savesDerivative ? cap * network.outputWidth : 0)
        self.scratchPerSlot = scratchPerSlot
        scratch = FloatBuffer(count: RowBlocks.slots * scratchPerSlot)
        self.partialsPerSlot = partialsPerSlot ?? network.parameterCount
        partials = FloatBuffer(count: RowBlocks.slots * self.partialsPerSlot)
        super.init(capacity: cap)
    }

    /// Slot `slot`'s backward scratch.
    @inline(__always)
    final func scratch(slot: Int) -> UnsafeMutablePointer<Float> { scratch.pointer + slot &* scratchPerSlot }

    /// Slot `slot`'s gradient partials.
    @inline(__always)
    final func partials(slot: Int) -> UnsafeMutablePointer<Float> { partials.pointer + slot &* partialsPerSlot }

    /// A saved `[planes][capacity][width]` tensor of `buffer`: rows from `row` of plane `plane`.
    @inline(__always)
    final func rows(_ buffer: FloatBuffer, plane: Int, row: Int, width: Int) -> UnsafeMutablePointer<Float> {
        buffer.pointer + (plane &* capacity &+ row) &* width
    }
}
