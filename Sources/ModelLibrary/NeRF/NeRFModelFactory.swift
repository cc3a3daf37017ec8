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
        let colorNetwork = try makeNetwork(try ConfigObject(rgbNetwork, file: file, path: "rgb_network"),
                                           inputWidth: nerfGeometryWidth + directionEncoding.outputWidth, outputWidth: 3)
        let lossFunction = try makeLoss(try ConfigObject(loss, file: file, path: "loss"))
        let opt = try makeOptimizer(try ConfigObject(optimizer, file: file, path: "optimizer"))
        let model = NeRFNetwork(density: EncodedNetwork(encoding: positionEncoding, network: densityNetwork),
                                direction: directionEncoding, color: colorNetwork)
        let rowFloats = 2 * positionEncoding.outputWidth + 4 * (nerfGeometryWidth + directionEncoding.outputWidth) + 6 * 64 + 32
        let bytes = Double(model.parameterCount) * 20 + Double(batchCapacity) * Double(4 * rowFloats)
        try MemoryBudget.check(bytes: bytes, what: "the NeRF model's training state", file: file, location: "encoding")
        return Trainer(model: model, loss: lossFunction, optimizer: opt, batchCapacity: batchCapacity, seed: seed)
    }
}
