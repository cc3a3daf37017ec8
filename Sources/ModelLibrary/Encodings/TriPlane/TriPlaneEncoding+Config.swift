import FieldIO

extension TriPlaneEncoding {
    /// Reads the TriPlane keys (any case): `n_features` (16, features per plane vertex), `resolution` (128,
    /// vertices per plane side), `n_levels` (1), `per_level_scale` (2), `reduction` ("Sum" | "Concatenation" |
    /// "Product"), `learning_rate_scale` (1, a multiplier of the optimizer's rate for the planes). Errors name the key path and the file; sizes must be positive and the tables must fit in memory.
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        let features = try config.int("n_features", default: 16)
        let resolution = try config.int("resolution", default: 128)
        let levels = try config.int("n_levels", default: 1)
        let scale = try config.double("per_level_scale", default: 2)
        let reduction = TriPlaneReduction(rawValue: try config.choice("reduction", TriPlaneReduction.names, default: "Sum"))!
        let lrScale = try config.double("learning_rate_scale", default: 1, in: 0...1e6)
        guard features <= 4096 else { throw config.error("n_features", "expected at most 4096 features per plane vertex, got \(features)") }
        guard levels <= 32 else { throw config.error("n_levels", "expected at most 32 levels, got \(levels)") }
        do {
            try self.init(inputWidth: inputWidth, features: features, resolution: resolution, levels: levels,
                          perLevelScale: scale, reduction: reduction, learningRateScale: Float(lrScale))
        } catch {
            let location = error.location.isEmpty ? config.path : config.keyPath(error.location)
            throw FieldError(file: config.file, location: location, error.message)
        }
    }
}
