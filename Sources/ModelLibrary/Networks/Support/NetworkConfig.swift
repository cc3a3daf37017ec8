import FieldIO

/// The config keys every row-block decoder reads the same way, and the width check they share.
enum NetworkConfig {
    /// The shape keys of a decoder: `n_neurons`, `n_hidden_layers`, `output_activation` and `use_biases`.
    struct Shape {
        /// `n_neurons`.
        var width: Int
        /// `n_hidden_layers` (or the decoder's own depth key).
        var hiddenLayers: Int
        /// `output_activation`.
        var outputActivation: Activation
        /// `use_biases` (false when the decoder has no such key).
        var useBiases: Bool
    }

    /// Reads `n_neurons` (default `width`, in `widths`), `n_hidden_layers` (default `hiddenLayers`, in
    /// `depths`; the key is `depthKey`), `output_activation` ("None") and, when `biases` is non-nil, `use_biases`
    /// (default `biases`). Errors name the key.
    static func shape(_ config: ConfigObject, width: Int = 64, widths: ClosedRange<Int> = 1...65_536,
                      hiddenLayers: Int = 2, depths: ClosedRange<Int> = 1...1_000, depthKey: String = "n_hidden_layers",
                      biases: Bool?) throws(FieldError) -> Shape {
        let w = try config.int("n_neurons", default: width, in: widths)
        let depth = try config.int(depthKey, default: hiddenLayers, in: depths)
        let out = try config.choice("output_activation", Activation.names, default: "None")
        let useBiases = try biases.map { (b: Bool) throws(FieldError) in try config.bool("use_biases", default: b) } ?? false
        return Shape(width: w, hiddenLayers: depth, outputActivation: Activation(name: out)!, useBiases: useBiases)
    }

    /// Throws unless both widths are positive (the error points at the network object).
    static func checkWidths(_ config: ConfigObject, _ inputWidth: Int, _ outputWidth: Int) throws(FieldError) {
        guard inputWidth > 0, outputWidth > 0 else {
            throw FieldError(file: config.file, location: config.path,
                             "the network needs positive input and output widths, got \(inputWidth) → \(outputWidth)")
        }
    }
}
