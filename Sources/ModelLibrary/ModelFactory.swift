import FieldIO
import TensorCore

/// Builds encodings, networks, losses and optimizers from tiny-cuda-nn-style JSON (`"otype"`,
/// case-insensitive, tcnn's parameter names and defaults), and whole trainers from a scene's four objects.
/// Every object is checked for unknown keys after its builder has read what it understands.
public enum ModelFactory {
    /// The encoding `otype`s understood.
    public static let encodingTypes = ["Identity", "Frequency", "HashGrid", "Grid", "DenseGrid", "TiledGrid", "SphericalHarmonics",
                                       "TriPlane", "Composite", "CAM", "RBF", "HashExperts"]
    /// The network `otype`s understood: tcnn's MLPs, then the alternative decoders (docs/decoders.md).
    public static let networkTypes = MLP.otypes + HourglassMLP.otypes + GLU.otypes + PolyMLP.otypes + QuadraticMLP.otypes
        + KANNetwork.otypes + GaussianRBFNetwork.otypes
    /// The loss `otype`s understood.
    public static let lossTypes = ["L2", "L1", "Huber", "SmoothL1", "RelativeL2", "MAPE"]
    /// The optimizer `otype`s understood.
    public static let optimizerTypes = ["Adam", "ExponentialDecay", "Ema", "EMA"]

    /// Reads `otype` from `config` and returns it in the spelling of `known`, or throws naming the choices.
    static func otype(_ config: ConfigObject, _ known: [String], what: String) throws(FieldError) -> String {
        guard let name = try config.string("otype") else {
            throw config.error("otype", "missing: say which \(what) to build (one of \(known.joined(separator: ", ")))")
        }
        guard let match = known.first(where: { $0.lowercased() == name.lowercased() }) else {
            throw config.error("otype", "unknown \(what) \"\(name)\", expected one of \(known.joined(separator: ", "))")
        }
        return match
    }

    /// An encoding for `inputWidth`-dimensional inputs.
    public static func makeEncoding(_ config: ConfigObject, inputWidth: Int) throws(FieldError) -> DifferentiableModule {
        let type = try otype(config, encodingTypes, what: "encoding")
        let module: DifferentiableModule
        switch type {
        case "Identity": module = try IdentityEncoding(config: config, inputWidth: inputWidth)
        case "Frequency": module = try FrequencyEncoding(config: config, inputWidth: inputWidth)
        case "SphericalHarmonics": module = try SphericalHarmonicsEncoding(config: config, inputWidth: inputWidth)
        case "RBF": module = try RBFEncoding(config: config, inputWidth: inputWidth)
        case "TriPlane": module = try TriPlaneEncoding(config: config, inputWidth: inputWidth)
        case "Composite": module = try CompositeEncoding(config: config, inputWidth: inputWidth, makeNested: makeEncoding)
        case "CAM": module = try CAMEncoding(config: config, inputWidth: inputWidth, makeNested: makeEncoding)
        case "HashExperts": module = try HashExpertsEncoding(config: config, inputWidth: inputWidth)
        default: module = try GridEncoding(config: config, inputWidth: inputWidth, otype: type)
        }
        try config.finish()
        return module
    }

    /// A network mapping `inputWidth` to `outputWidth` columns. The MLP otypes with a PolyCom `activation`
    /// ("PolyReLU", "PolyNorm") build a `PolyMLP`.
    public static func makeNetwork(_ config: ConfigObject, inputWidth: Int, outputWidth: Int) throws(FieldError) -> DifferentiableModule {
        let type = try otype(config, networkTypes, what: "network")
        let (i, o) = (inputWidth, outputWidth)
        let module: DifferentiableModule
        switch type {
        case _ where HourglassMLP.otypes.contains(type): module = try HourglassMLP(config: config, inputWidth: i, outputWidth: o)
        case _ where GLU.otypes.contains(type): module = try GLU(config: config, inputWidth: i, outputWidth: o)
        case _ where PolyMLP.otypes.contains(type): module = try PolyMLP(config: config, inputWidth: i, outputWidth: o)
        case _ where QuadraticMLP.otypes.contains(type): module = try QuadraticMLP(config: config, inputWidth: i, outputWidth: o)
        case _ where KANNetwork.otypes.contains(type): module = try KANNetwork(config: config, otype: type, inputWidth: i, outputWidth: o)
        case _ where GaussianRBFNetwork.otypes.contains(type):
            module = try GaussianRBFNetwork(config: config, inputWidth: i, outputWidth: o)
        default:
            if hasPolyComActivation(config) {
                module = try PolyMLP(config: config, inputWidth: i, outputWidth: o)
            } else {
                module = try MLP(config: config, inputWidth: i, outputWidth: o)
            }
        }
        try config.finish()
        return module
    }

    /// Whether the object's `activation` names a PolyCom activation (read without marking the key).
    static func hasPolyComActivation(_ config: ConfigObject) -> Bool {
        guard let member = config.members.first(where: { $0.key.lowercased() == "activation" }),
              case .string(let name) = member.value else { return false }
        return PolyCom(name: name) != nil
    }

    /// A loss.
    public static func makeLoss(_ config: ConfigObject) throws(FieldError) -> Loss {
        let type = try otype(config, lossTypes, what: "loss")
        let loss: Loss
        switch type {
        case "L2": loss = try L2(config: config)
        case "L1": loss = try L1(config: config)
        case "Huber", "SmoothL1": loss = try Huber(config: config)
        case "RelativeL2": loss = try RelativeL2(config: config)
        default: loss = try MAPE(config: config)
        }
        try config.finish()
        return loss
    }

    /// An optimizer; wrappers (`ExponentialDecay`, `Ema`) build their `nested` optimizer recursively.
    public static func makeOptimizer(_ config: ConfigObject) throws(FieldError) -> Optimizer {
        let type = try otype(config, optimizerTypes, what: "optimizer")
        let optimizer: Optimizer
        switch type {
        case "Adam": optimizer = try Adam(config: config)
        default:
            guard let nestedConfig = try config.object("nested") else {
                throw config.error("nested", "missing: \(type) wraps another optimizer, e.g. {\"otype\": \"Adam\"}")
            }
            let nested = try makeOptimizer(nestedConfig)
            optimizer = type == "ExponentialDecay" ? try ExponentialDecay(config: config, nested: nested)
                                                   : try Ema(config: config, nested: nested)
        }
        try config.finish()
        return optimizer
    }

    /// A trainer for `encoding → network` with the given loss and optimizer; `file` names the scene file
    /// in error messages. Refuses models whose training state would not fit in this machine's memory.
    public static func makeTrainer(encoding: JSONValue, network: JSONValue, loss: JSONValue, optimizer: JSONValue,
                                   inputWidth: Int, outputWidth: Int, batchCapacity: Int, seed: UInt64,
                                   file: String) throws(FieldError) -> Trainer {
        let enc = try makeEncoding(try ConfigObject(encoding, file: file, path: "encoding"), inputWidth: inputWidth)
        let net = try makeNetwork(try ConfigObject(network, file: file, path: "network"),
                                  inputWidth: enc.outputWidth, outputWidth: outputWidth)
        let lossFunction = try makeLoss(try ConfigObject(loss, file: file, path: "loss"))
        let opt = try makeOptimizer(try ConfigObject(optimizer, file: file, path: "optimizer"))
        let model = EncodedNetwork(encoding: enc, network: net)
        // Values, gradients, two moments and a step counter per parameter, plus the batch buffers.
        let bytes = Double(model.parameterCount) * 20 + Double(batchCapacity) * Double(4 * (2 * enc.outputWidth + 6 * 128))
        try MemoryBudget.check(bytes: bytes, what: "the model's training state", file: file, location: "encoding")
        return Trainer(model: model, loss: lossFunction, optimizer: opt, batchCapacity: batchCapacity, seed: seed)
    }
}
