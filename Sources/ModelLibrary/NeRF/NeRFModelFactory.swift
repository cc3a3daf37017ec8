import FieldIO
import TensorCore

extension ModelFactory {
    /// Columns of the density network's output (instant-ngp: 16, column 0 the raw density).
    public static let nerfGeometryWidth = 16

    /// A trainer for instant-ngp's NeRF model from a scene's objects: `encoding` (position, e.g. HashGrid) →
    /// `network` (the density network, 16 outputs) and `dirEncoding` (e.g. SphericalHarmonics degree 4) →
    /// `rgbNetwork` (3 outputs). `loss` is applied to composited ray colours; `batchCapacity` counts samples.
    public static func makeNeRFTrainer(encoding: JSONValue, network: JSONValue, dirEncoding: JSONValue, rgbNetwork: JSONValue,
                                       loss: JSONValue, optimizer: JSONValue, batchCapacity: Int, seed: UInt64,
                                       file: String) throws(FieldError) -> Trainer {
        let positionEncoding = try makeEncoding(try ConfigObject(encoding, file: file, path: "encoding"), inputWidth: 3)
        let densityNetwork = try makeNetwork(try ConfigObject(network, file: file, path: "network"),
                                             inputWidth: positionEncoding.outputWidth, outputWidth: nerfGeometryWidth)
        let directionConfig = try ConfigObject(dirEncoding, file: file, path: "dir_encoding")
        let directionEncoding = try makeEncoding(directionConfig, inputWidth: 3)
        guard directionEncoding.parameterCount == 0 else {
            throw directionConfig.error("otype", "the direction encoding must have no parameters (use SphericalHarmonics, Frequency or Identity)")
        }
        let colorInputWidth = nerfGeometryWidth + directionEncoding.outputWidth
        let (colorNetwork, colorTrunk) = try makeColorBranch(try ConfigObject(rgbNetwork, file: file, path: "rgb_network"),
                                                             inputWidth: colorInputWidth)
        let lossFunction = try makeLoss(try ConfigObject(loss, file: file, path: "loss"))
        let opt = try makeOptimizer(try ConfigObject(optimizer, file: file, path: "optimizer"))
        let model = NeRFNetwork(density: EncodedNetwork(encoding: positionEncoding, network: densityNetwork),
                                direction: directionEncoding, color: colorNetwork, colorTrunk: colorTrunk)
        let trunkFloats = colorTrunk.map { 5 * $0.width * $0.layerCount + 8 } ?? 0
        let rowFloats = trunkFloats + 2 * positionEncoding.outputWidth + 4 * (nerfGeometryWidth + directionEncoding.outputWidth) + 6 * 64 + 32
        let bytes = Double(model.parameterCount) * 20 + Double(batchCapacity) * Double(4 * rowFloats)
        try MemoryBudget.check(bytes: bytes, what: "the NeRF model's training state", file: file, location: "encoding")
        return Trainer(model: model, loss: lossFunction, optimizer: opt, batchCapacity: batchCapacity, seed: seed)
    }

    /// The colour branch from `rgb_network`: a plain network, or with `"otype": "CAM"` a view-direction-modulated
    /// one — CAM layers (`CAMTrunk` keys: `n_neurons`, `n_layers`, `activation`, `norm`, `use_biases`, `grid`;
    /// the grid is indexed by the view direction's (azimuth, polar angle), default a 10 × 3 Plane as in
    /// mip-NeRF CAM) whose output feeds the nested `network` (3 outputs).
    static func makeColorBranch(_ config: ConfigObject, inputWidth: Int) throws(FieldError) -> (DifferentiableModule, CAMTrunk?) {
        guard let name = try config.string("otype"), name.lowercased() == "cam" else {
            return (try makeNetwork(config, inputWidth: inputWidth, outputWidth: 3), nil)
        }
        let trunk = try CAMTrunk(config: config, featureWidth: inputWidth, coordinateWidth: 2,
                                 coordinates: "view direction (azimuth, polar angle)", defaultResolution: [10, 3])
        guard let networkConfig = try config.object("network") else {
            throw config.error("network", "missing: the view-modulated colour branch needs the network after its CAM layers, e.g. {\"otype\": \"FullyFusedMLP\", \"n_hidden_layers\": 1, \"output_activation\": \"Sigmoid\"}")
        }
        let network = try makeNetwork(networkConfig, inputWidth: trunk.width, outputWidth: 3)
        try config.finish()
        return (network, trunk)
    }
}
