import TensorCore

/// What an `MLP`'s training forward pass saves for its backward pass, plus the backward scratch; allocated
/// once for a batch capacity.
///
/// - `hidden`: the post-activation output of every hidden layer, `[hiddenLayers][capacity][width]`;
/// - `derivatives`: f'(z) of every hidden layer when the hidden activation saves it (Sine, SiLU);
/// - from `RowBlockContext`: the output activation's saved derivative, per slot two
///   `[chunkRows][max(width, outputWidth)]` ping-pong gradient blocks, and per slot a full copy of the
///   parameter gradient (added in slot order at the end).
public final class MLPContext: RowBlockContext {
    /// Hidden activations.
    let hidden: FloatBuffer
    /// Saved hidden-layer derivatives (empty when not needed).
    let derivatives: FloatBuffer
    /// The sine-modulated first layer's saved derivative 1 + n·cos(z·n), `[capacity][width]` (empty without one).
    let firstDerivative: FloatBuffer

    /// A context for `mlp` and batches of up to `capacity` rows.
    init(_ mlp: MLP, capacity: Int) {
        let cap = max(capacity, 0)
        hidden = FloatBuffer(count: mlp.hiddenLayers * cap * mlp.width)
        derivatives = FloatBuffer(count: mlp.activation.savesDerivative ? mlp.hiddenLayers * cap * mlp.width : 0)
        firstDerivative = FloatBuffer(count: mlp.sineResidual != nil ? cap * mlp.width : 0)
        super.init(mlp, capacity: cap, scratchPerSlot: 2 * mlp.chunkRows * mlp.scratchWidth)
    }
}
