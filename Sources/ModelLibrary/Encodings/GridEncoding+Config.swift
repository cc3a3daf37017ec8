import FieldIO

extension GridEncoding {
    /// Reads tiny-cuda-nn's grid keys (any case): `otype` (`Grid`/`HashGrid` → Hash, `DenseGrid` → Dense,
    /// `TiledGrid` → Tiled, the default for `type`), `type`, `n_levels` 16 (or `n_features`/`n_grid_features`),
    /// `n_features_per_level` 2, `log2_hashmap_size` 19, `base_resolution` 16, `per_level_scale`
    /// (2, Dense: (256/base)^(1/(L−1))), `interpolation` Linear, `hash` CoherentPrime,
    /// `stochastic_interpolation` false, `fixed_point_pos` false. Every error names its key path.
    /// `otype` overrides the object's own `otype` key (a factory that already read it may pass it).
    public convenience init(config: ConfigObject, inputWidth: Int, otype: String? = nil) throws(FieldError) {
        var name = otype ?? "Grid"
        if otype == nil, let own = try config.string("otype") { name = own }
        let defaultType: GridType
        switch name.lowercased() {
        case "densegrid": defaultType = .dense
        case "tiledgrid": defaultType = .tiled
        default: defaultType = .hash
        }
        let typeName = try config.string("type", default: defaultType.rawValue)
        let type: GridType
        switch typeName.lowercased() {
        case "hash": type = .hash
        case "dense": type = .dense
        case "tiled", "tile": type = .tiled
        default: throw config.error("type", "unknown grid type \"\(typeName)\", expected one of Hash, Dense, Tiled")
        }
        let featuresPerLevel = try config.int("n_features_per_level", default: 2)
        guard [1, 2, 4, 8].contains(featuresPerLevel) else {
            throw config.error("n_features_per_level", "expected 1, 2, 4 or 8, got \(featuresPerLevel)")
        }
        let levels: Int
        let featureKey = config.has("n_features") ? "n_features" : (config.has("n_grid_features") ? "n_grid_features" : nil)
        if let key = featureKey {
            if config.has("n_levels") {
                throw config.error(key, "may not be given together with n_levels (one determines the other)")
            }
            let n = try config.int(key, default: 32, in: 1...1024)
            guard n % featuresPerLevel == 0 else {
                throw config.error(key, "\(n) is not a multiple of n_features_per_level (\(featuresPerLevel))")
            }
            levels = n / featuresPerLevel
        } else {
            levels = try config.int("n_levels", default: 16, in: 1...128)
        }
        let log2T = try config.int("log2_hashmap_size", default: 19, in: 1...31)
        let base = try config.int("base_resolution", default: 16, in: 1...16_777_216)
        var b = GridEncoding.defaultPerLevelScale(type: type, levels: levels, baseResolution: base)
        if let given = try config.double("per_level_scale") { b = given }
        guard b.isFinite, b > 0 else { throw config.error("per_level_scale", "expected a positive number, got \(b)") }
        let interpolation = GridInterpolation(rawValue: try config.choice("interpolation", GridInterpolation.allCases.map(\.rawValue),
                                                                          default: "Linear")) ?? .linear
        let hash = try config.string("hash", default: "CoherentPrime")
        guard hash.lowercased() == "coherentprime" else {
            throw config.error("hash", "only the CoherentPrime hash is implemented, got \"\(hash)\"")
        }
        if try config.bool("stochastic_interpolation", default: false) {
            throw config.error("stochastic_interpolation", "is not supported; remove it or set it to false")
        }
        if try config.bool("fixed_point_pos", default: false) {
            throw config.error("fixed_point_pos", "is not supported; remove it or set it to false")
        }
        do {
            try self.init(inputWidth: inputWidth, type: type, levels: levels, featuresPerLevel: featuresPerLevel,
                          log2HashmapSize: log2T, baseResolution: base, perLevelScale: b, interpolation: interpolation)
        } catch {
            let location = error.location.isEmpty ? config.path : config.keyPath(error.location)
            throw FieldError(file: config.file, location: location, error.message)
        }
    }
}
