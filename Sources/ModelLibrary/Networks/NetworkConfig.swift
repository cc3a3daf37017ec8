import FieldIO

/// Small checks the decoder networks share: config validation and context casting.
enum NetworkConfig {
    /// Throws unless both widths are positive (the error points at the network object).
    static func checkWidths(_ config: ConfigObject, _ inputWidth: Int, _ outputWidth: Int) throws(FieldError) {
        guard inputWidth > 0, outputWidth > 0 else {
            throw FieldError(file: config.file, location: config.path,
                             "the network needs positive input and output widths, got \(inputWidth) → \(outputWidth)")
        }
    }

    /// `context` as the network's own context type (nil for inference), checking the batch fits.
    @inline(__always)
    static func context<C: ModuleContext>(_ context: ModuleContext?, as type: C.Type, batch: Int, _ name: String) -> C? {
        guard let context else { return nil }
        guard let c = context as? C else { preconditionFailure("\(name): not its own context") }
        precondition(batch <= c.capacity, "\(name): batch \(batch) exceeds context capacity \(c.capacity)")
        return c
    }
}
