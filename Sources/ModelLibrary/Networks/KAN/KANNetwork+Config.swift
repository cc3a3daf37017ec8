import FieldIO
import TensorCore

extension KANNetwork {
    /// Default `n_neurons` of the KAN family (smaller than tcnn's 128: a KAN layer holds more per edge).
    public static let defaultWidth = 64
    /// Default `n_hidden_layers` of the KAN family.
    public static let defaultHiddenLayers = 2

    /// A KAN-family network from tcnn-style keys. Shared: `n_neurons` (64), `n_hidden_layers` (2),
    /// `output_activation` ("None"). Per otype:
    /// - `KAN`: `grid_size` (5, 1…256), `spline_order` (3, 1…5), `grid_range` ([-1, 1]), `base_activation` ("SiLU");
    /// - `GRKAN`: `groups` (8, must divide `n_neurons`), `rational_init` ("swish"), `input_rational_init`
    ///   ("identity"), `use_biases` (true);
    /// - `AFKAN`: `grid_size` (3, 1…64), `spline_order` (3, 1…5), `function` ("quad1"), `base_activation`
    ///   ("SiLU"), `normalization` ("sample"); needs ≥ 3 inputs and neurons (its LayerNorm);
    /// - `SKAN`: `basis` (a name or a list of names cycling over each layer's nodes, "lss"), `use_biases` (true).
    /// `otype` is the factory's spelling (one of `otypes`). Errors name the key path.
    public convenience init(config: ConfigObject, otype: String, inputWidth: Int, outputWidth: Int) throws(FieldError) {
        try NetworkConfig.checkWidths(config, inputWidth, outputWidth)
        let shape = try NetworkConfig.shape(config, width: KANNetwork.defaultWidth, widths: 1...4096,
                                            hiddenLayers: KANNetwork.defaultHiddenLayers, depths: 0...64, biases: nil)
        let (width, hidden, outAct) = (shape.width, shape.hiddenLayers, shape.outputActivation)
        let variant: KANVariant
        switch otype.uppercased() {
        case "KAN": variant = .bSpline(try KANNetwork.bSplineOptions(config))
        case "GRKAN": variant = .groupRational(try KANNetwork.rationalOptions(config, width: width, hidden: hidden))
        case "AFKAN":
            variant = .activationFunction(try KANNetwork.afOptions(config))
            if inputWidth < 3 {
                throw FieldError(file: config.file, location: config.path,
                                 "AFKAN normalises each layer's inputs with a LayerNorm, which needs at least 3 of them; "
                                 + "its input has \(inputWidth): put an encoding (e.g. Frequency) in front")
            }
            if hidden > 0 && width < 3 {
                throw config.error("n_neurons", "AFKAN's LayerNorm needs at least 3 neurons, got \(width)")
            }
        case "SKAN": variant = .singleParameter(try KANNetwork.skanOptions(config))
        default: throw config.error("otype", "unknown KAN network \"\(otype)\", expected one of \(KANNetwork.otypes.joined(separator: ", "))")
        }
        // Refuse shapes whose parameters, gradient partials and block scratch cannot fit, before allocating.
        var parameters = 0, perRow = 0
        for l in 0...hidden {
            let layer = KANNetwork.makeLayer(variant, index: l, inputs: l == 0 ? inputWidth : width,
                                             outputs: l == hidden ? outputWidth : width)
            parameters += layer.partialCount
            perRow = max(perRow, layer.backwardScratch(rows: 1))
        }
        let bytes = 4 * (Double(parameters) * Double(RowBlocks.slots + 1) + Double(RowBlocks.slots) * 64 * Double(perRow))
        try MemoryBudget.check(bytes: bytes, what: "this \(otype) network", file: config.file, location: config.path)
        self.init(inputWidth: inputWidth, outputWidth: outputWidth, width: width, hiddenLayers: hidden, variant: variant,
                  outputActivation: outAct)
    }

    static func bSplineOptions(_ config: ConfigObject) throws(FieldError) -> BSplineKANOptions {
        let grid = try config.int("grid_size", default: 5, in: 1...256)
        let order = try config.int("spline_order", default: 3, in: 1...5)
        var range: ClosedRange<Float> = -1...1
        if let items = try config.array("grid_range") {
            var bounds: [Double] = []
            for item in items {
                guard case .number(let d, _) = item, d.isFinite, abs(d) < 1e6 else {
                    throw config.error("grid_range", "expected two finite numbers [lo, hi], got \(item.kindDescription)")
                }
                bounds.append(d)
            }
            guard bounds.count == 2 else {
                throw config.error("grid_range", "expected two numbers [lo, hi], got \(bounds.count)")
            }
            guard bounds[0] < bounds[1] else {
                throw config.error("grid_range", "expected lo < hi, got [\(bounds[0]), \(bounds[1])]")
            }
            range = Float(bounds[0])...Float(bounds[1])
        }
        let act = Activation(name: try config.choice("base_activation", Activation.names, default: "SiLU"))!
        return BSplineKANOptions(gridSize: grid, splineOrder: order, gridRange: range, baseActivation: act)
    }

    static func rationalOptions(_ config: ConfigObject, width: Int, hidden: Int) throws(FieldError) -> GroupRationalKANOptions {
        let groups = try config.int("groups", default: 8, in: 1...4096)
        if hidden > 0 && width % groups != 0 {
            let divisors = (1...width).filter { width % $0 == 0 }.prefix(12).map(String.init).joined(separator: ", ")
            throw config.error("groups", "\(groups) groups do not divide n_neurons = \(width); use a divisor of \(width) (\(divisors)…)")
        }
        let initName = try config.choice("rational_init", RationalInit.names, default: "swish")
        let inputInit = try config.choice("input_rational_init", RationalInit.names, default: "identity")
        let biases = try config.bool("use_biases", default: true)
        return GroupRationalKANOptions(groups: groups, rationalInit: RationalInit(rawValue: initName)!,
                                       inputRationalInit: RationalInit(rawValue: inputInit)!, useBiases: biases)
    }

    static func afOptions(_ config: ConfigObject) throws(FieldError) -> AFKANOptions {
        let grid = try config.int("grid_size", default: 3, in: 1...64)
        let order = try config.int("spline_order", default: 3, in: 1...5)
        let fn = try config.choice("function", AFKANFunction.names, default: "quad1")
        let act = Activation(name: try config.choice("base_activation", Activation.names, default: "SiLU"))!
        let norm = try config.choice("normalization", AFKANNormalization.names, default: "sample")
        return AFKANOptions(gridSize: grid, order: order, function: AFKANFunction(rawValue: fn)!, baseActivation: act,
                            normalization: AFKANNormalization(rawValue: norm)!)
    }

    static func skanOptions(_ config: ConfigObject) throws(FieldError) -> SKANOptions {
        var names: [String] = []
        switch config.value("basis") {
        case nil: names = ["lss"]
        case .string(let s)?: names = [s]
        case .array(let items)?:
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw config.error("basis", "item \(i): expected a basis name, got \(item.kindDescription)")
                }
                names.append(s)
            }
            if names.isEmpty { throw config.error("basis", "expected at least one basis name, got an empty list") }
        case let other?:
            throw config.error("basis", "expected a basis name or a list of names, got \(other.kindDescription)")
        }
        var bases: [SKANBasis] = []
        for (i, name) in names.enumerated() {
            guard let b = SKANBasis.allCases.first(where: { $0.rawValue == name.lowercased() }) else {
                let where_ = names.count > 1 ? "item \(i): " : ""
                throw config.error("basis", "\(where_)unknown basis \"\(name)\", expected one of \(SKANBasis.names.joined(separator: ", "))")
            }
            bases.append(b)
        }
        let biases = try config.bool("use_biases", default: true)
        return SKANOptions(bases: bases, useBiases: biases)
    }
}
