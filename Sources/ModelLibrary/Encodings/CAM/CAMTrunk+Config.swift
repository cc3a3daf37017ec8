import FieldIO

extension CAMTrunk {
    /// The norm spellings CAM accepts: FeatureNorm's, plus `InstanceNorm` (CAM's image norm: per row over the
    /// features, no affine — the same as LayerNorm here).
    public static let normNames = FeatureNorm.names + ["InstanceNorm"]

    /// Reads CAM's trunk keys (any case): `n_neurons` (64), `n_layers` (1, modulated layers), `activation`
    /// ("ReLU"), `norm` ("LayerNorm"; "InstanceNorm" = LayerNorm; "RMSNorm"; "None"), `use_biases` (true), and
    /// the `grid` object: `type` (Plane | TriPlane | PerAxis; default Plane for 2 coordinates, TriPlane for 3),
    /// `resolution` (vertices per axis: one number or one per coordinate; default `defaultResolution`),
    /// `n_features` (C: 1, one scale and shift per point shared over the features, or n_neurons), `dims`
    /// (optional: the coordinate count the author expects) and `learning_rate_scale` (1; the paper trains grids
    /// at 10× the network's rate). `coordinates` describes what the grid is indexed by, for error messages.
    /// Errors name the key path and the file.
    public convenience init(config: ConfigObject, featureWidth: Int, coordinateWidth: Int, coordinates: String,
                            defaultResolution: [Int]) throws(FieldError) {
        let width = try config.int("n_neurons", default: 64, in: 1...4_096)
        let layerCount = try config.int("n_layers", default: 1, in: 1...64)
        let act = Activation(name: try config.choice("activation", Activation.names, default: "ReLU"))!
        let normName = try config.choice("norm", CAMTrunk.normNames, default: "LayerNorm")
        let norm = FeatureNorm(name: normName == "InstanceNorm" ? "LayerNorm" : normName)!
        let biases = try config.bool("use_biases", default: true)
        let gridConfig: ConfigObject
        if let given = try config.object("grid") {
            gridConfig = given
        } else {
            gridConfig = try ConfigObject(.object([]), file: config.file, path: config.keyPath("grid"))
        }
        let grid = try CAMTrunk.readGrid(gridConfig, width: width, coordinateWidth: coordinateWidth, coordinates: coordinates,
                                         defaultResolution: defaultResolution)
        let scale = try gridConfig.double("learning_rate_scale", default: 1, in: 0...1e6)
        try gridConfig.finish()
        let floats = Double(grid.floatCount) * Double(layerCount)
        try MemoryBudget.check(bytes: floats * 16, what: "the CAM grids (\(Int(floats)) parameters)", file: config.file,
                               location: gridConfig.keyPath("resolution"))
        self.init(featureWidth: featureWidth, width: width, layerCount: layerCount, grid: grid, activation: act, norm: norm,
                  useBiases: biases, gridLearningRateScale: Float(scale))
    }

    /// The grid layout from `grid`'s `type`, `dims`, `resolution` and `n_features`.
    static func readGrid(_ g: ConfigObject, width: Int, coordinateWidth d: Int, coordinates: String,
                         defaultResolution: [Int]) throws(FieldError) -> CAMGrid {
        if let dims = try g.int("dims"), dims != d {
            throw g.error("dims", "\(dims) does not match the \(d)-D \(coordinates) the grid is indexed by")
        }
        let typeName = try g.choice("type", CAMGridType.names, default: CAMGridType.defaultType(dimensions: d).rawValue)
        let type = CAMGridType(rawValue: typeName)!
        if let need = type.requiredDimensions, need != d {
            let other = d == 2 ? "Plane or PerAxis" : (d == 3 ? "TriPlane or PerAxis" : "PerAxis")
            throw g.error("type", "a \(type.rawValue) grid needs \(need)-D coordinates, but it is indexed by the \(d)-D \(coordinates); use \(other)")
        }
        var resolutions = defaultResolution.count == d ? defaultResolution : Array(repeating: defaultResolution.first ?? 32, count: d)
        if let v = g.value("resolution") {
            switch v {
            case .array(let items):
                guard items.count == d else {
                    throw g.error("resolution", "expected one number or \(d) (one per coordinate), got \(items.count)")
                }
                resolutions = []
                for item in items {
                    guard case .number(let x, _) = item, x.rounded() == x, abs(x) < 1e15 else {
                        throw g.error("resolution", "expected integers, got \(item.kindDescription)")
                    }
                    resolutions.append(Int(x))
                }
            case .number(let x, _):
                guard x.rounded() == x, abs(x) < 1e15 else { throw g.error("resolution", "expected an integer, got \(x)") }
                resolutions = Array(repeating: Int(x), count: d)
            default:
                throw g.error("resolution", "expected a number or an array of numbers, got \(v.kindDescription)")
            }
        }
        for r in resolutions where r < 2 || r > 1 << 20 {
            throw g.error("resolution", "expected 2...\(1 << 20) vertices per axis, got \(r)")
        }
        let channels = try g.int("n_features", default: 1)
        guard channels == 1 || channels == width else {
            throw g.error("n_features", "expected 1 (one scale and shift per point) or n_neurons (\(width), per feature), got \(channels)")
        }
        return CAMGrid(type: type, dimensions: d, resolutions: resolutions, channels: channels)
    }
}
