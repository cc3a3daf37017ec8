import FieldIO
import Foundation

extension HashExpertsEncoding {
    /// The gate's grid unless `gate_encoding` says otherwise: 8 levels × 2 features, 2^14 entries, resolutions 4 → 64.
    static let defaultGateEncoding: [(key: String, value: JSONValue)] = [
        ("otype", .string("HashGrid")), ("n_levels", .int(8)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(14)), ("base_resolution", .int(4)), ("per_level_scale", .double(1.486)),
    ]
    /// The gate's and each expert's decoder unless `gate_network` / `expert_network` say otherwise: one hidden layer of 32.
    static let defaultDecoder: [(key: String, value: JSONValue)] = [
        ("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("None")),
        ("n_neurons", .int(32)), ("n_hidden_layers", .int(1)),
    ]

    /// Reads the HashExperts keys (any case):
    /// - `n_experts` (8) — or `experts`, an array of one grid object per expert (tcnn grid keys), which sets the count;
    /// - without `experts`, the rule for heterogeneous hash grids: every expert has `n_levels` (8) levels of
    ///   `n_features_per_level` (2) features and 2^`log2_hashmap_size` (17) entries; expert k's coarsest and finest
    ///   resolutions run geometrically over `base_resolution` (16, or [first, last]) and `finest_resolution`
    ///   ([128, 1024], or one number for all), so the experts cover different resolution ranges;
    /// - `n_output_dims` (16): the common feature width each expert's decoder (`expert_network`, an MLP object)
    ///   writes; `gate_encoding` (a grid object) and `gate_network` (an MLP object) build the gate;
    /// - `capacity_factor` (1.25; Switch-NeRF uses 1.0): each expert takes at most ⌈factor · batch / E⌉ samples;
    /// - `balance_loss_weight` (1e-2, Switch-NeRF's default; its README runs use 5e-4);
    /// - `gate_learning_rate_scale` (1): multiplies the optimiser's learning rate for the gate's parameters.
    /// Errors name the key path and the file.
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        let width = try config.int("n_output_dims", default: 16, in: 1...1_024)
        let factor = try config.double("capacity_factor", default: 1.25, in: 0.01...1_000)
        let weight = try config.double("balance_loss_weight", default: 1e-2, in: 0...1_000)
        let gateScale = try config.double("gate_learning_rate_scale", default: 1, in: 0...1_000)
        var grids: [GridEncoding] = []
        if let items = try config.array("experts") {
            for key in ["n_experts", "n_levels", "n_features_per_level", "log2_hashmap_size", "base_resolution", "finest_resolution"]
            where config.has(key) {
                throw config.error(key, "may not be given together with \"experts\" (the list sets each expert's grid)")
            }
            guard (1...64).contains(items.count) else { throw config.error("experts", "expected 1 to 64 grid objects, got \(items.count)") }
            for (k, item) in items.enumerated() {
                let grid = try ConfigObject(item, file: config.file, path: config.keyPath("experts[\(k)]"))
                if let type = try grid.string("otype"), !["grid", "hashgrid", "densegrid", "tiledgrid"].contains(type.lowercased()) {
                    throw grid.error("otype", "an expert is a grid (HashGrid, DenseGrid, TiledGrid or Grid), got \"\(type)\"")
                }
                grids.append(try GridEncoding(config: grid, inputWidth: inputWidth))
                try grid.finish()
            }
        } else {
            let count = try config.int("n_experts", default: 8, in: 1...64)
            let levels = try config.int("n_levels", default: 8, in: 1...32)
            let features = try config.int("n_features_per_level", default: 2)
            guard [1, 2, 4, 8].contains(features) else { throw config.error("n_features_per_level", "expected 1, 2, 4 or 8, got \(features)") }
            let log2T = try config.int("log2_hashmap_size", default: 17, in: 1...28)
            let base = try HashExpertsEncoding.range(config, "base_resolution", default: (16, 16))
            let finest = try HashExpertsEncoding.range(config, "finest_resolution", default: (128, 1_024))
            for k in 0..<count {
                let t = count > 1 ? Double(k) / Double(count - 1) : 0
                let lo = base.0 * pow(base.1 / base.0, t), hi = finest.0 * pow(finest.1 / finest.0, t)
                guard hi >= lo else {
                    throw config.error("finest_resolution", "expert \(k)'s finest resolution \(Int(hi)) is below its base resolution \(Int(lo))")
                }
                let b = levels > 1 ? pow(hi / lo, 1 / Double(levels - 1)) : 1
                do {
                    grids.append(try GridEncoding(inputWidth: inputWidth, type: .hash, levels: levels, featuresPerLevel: features,
                                                  log2HashmapSize: log2T, baseResolution: Int(lo.rounded()), perLevelScale: b))
                } catch {
                    throw FieldError(file: config.file, location: config.keyPath(error.location.isEmpty ? "n_levels" : error.location),
                                     error.message)
                }
            }
        }
        let gateGridConfig = try HashExpertsEncoding.merged(config, "gate_encoding", over: HashExpertsEncoding.defaultGateEncoding)
        let gateGrid = try GridEncoding(config: gateGridConfig, inputWidth: inputWidth)
        try gateGridConfig.finish()
        let gateConfig = try HashExpertsEncoding.merged(config, "gate_network", over: HashExpertsEncoding.defaultDecoder)
        let gateNet = try ModelFactory.makeNetwork(gateConfig, inputWidth: gateGrid.outputWidth, outputWidth: grids.count)
        var experts: [EncodedNetwork] = []
        for grid in grids {
            let decoder = try HashExpertsEncoding.merged(config, "expert_network", over: HashExpertsEncoding.defaultDecoder)
            experts.append(EncodedNetwork(encoding: grid,
                                          network: try ModelFactory.makeNetwork(decoder, inputWidth: grid.outputWidth, outputWidth: width)))
        }
        self.init(gate: EncodedNetwork(encoding: gateGrid, network: gateNet), experts: experts, capacityFactor: factor,
                  balanceWeight: Float(weight), gateLearningRateScale: Float(gateScale))
    }

    /// A resolution given as one positive number or `[first, last]`.
    static func range(_ config: ConfigObject, _ key: String, default value: (Double, Double)) throws(FieldError) -> (Double, Double) {
        guard let v = config.value(key) else { return value }
        let pair: (Double, Double)
        switch v {
        case .number(let x, _): pair = (x, x)
        case .array(let items):
            guard items.count == 2, case .number(let a, _) = items[0], case .number(let b, _) = items[1] else {
                throw config.error(key, "expected a resolution or [first expert's, last expert's], two numbers")
            }
            pair = (a, b)
        default: throw config.error(key, "expected a resolution or [first expert's, last expert's], got \(v.kindDescription)")
        }
        guard pair.0 >= 1, pair.1 >= 1, pair.0 <= 16_777_216, pair.1 <= 16_777_216 else {
            throw config.error(key, "expected resolutions from 1 to 2^24")
        }
        return pair
    }

    /// The object at `key` (its members win, matched case-insensitively) over `defaults`, as a config at that key path.
    static func merged(_ config: ConfigObject, _ key: String, over defaults: [(key: String, value: JSONValue)]) throws(FieldError) -> ConfigObject {
        var members = defaults
        if let given = config.value(key) {
            guard case .object(let own) = given else { throw config.error(key, "expected an object, got \(given.kindDescription)") }
            for member in own {
                members.removeAll { $0.key.lowercased() == member.key.lowercased() }
                members.append(member)
            }
        }
        return try ConfigObject(.object(members), file: config.file, path: config.keyPath(key))
    }
}
