import TensorCore

/// What an `MLP`'s training forward pass saves for its backward pass, plus the backward scratch; allocated
/// once for a batch capacity.
///
/// - `hidden`: the post-activation output of every hidden layer, `[hiddenLayers][capacity][width]`;
/// - `derivatives`: f'(z) of every hidden layer when the hidden activation saves it (Sine, SiLU);
/// - `outputDerivative`: the same for the output activation;
/// - `scratch`: per reduction slot, two `[chunkRows][max(width, outputWidth)]` ping-pong gradient blocks;
/// - `partials`: per reduction slot, a full copy of the parameter gradient (added in slot order at the end).
public final class MLPContext: ModuleContext {
    /// Hidden activations.
    let hidden: FloatBuffer
    /// Saved hidden-layer derivatives (empty when not needed).
    let derivatives: FloatBuffer
    /// Saved output-layer derivative (empty when not needed).
    let outputDerivative: FloatBuffer
    /// Backward ping-pong blocks.
    let scratch: FloatBuffer
    /// Per-slot parameter-gradient partials.
    let partials: FloatBuffer

    /// A context for `mlp` and batches of up to `capacity` rows.
    init(_ mlp: MLP, capacity: Int) {
        let cap = max(capacity, 0)
        hidden = FloatBuffer(count: mlp.hiddenLayers * cap * mlp.width)
        derivatives = FloatBuffer(count: mlp.activation.savesDerivative ? mlp.hiddenLayers * cap * mlp.width : 0)
        outputDerivative = FloatBuffer(count: mlp.outputActivation.savesDerivative ? cap * mlp.outputWidth : 0)
        scratch = FloatBuffer(count: MLP.slots * 2 * mlp.chunkRows * mlp.scratchWidth)
        partials = FloatBuffer(count: MLP.slots * mlp.parameterCount)
        super.init(capacity: cap)
    }
}
