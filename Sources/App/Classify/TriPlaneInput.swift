import FieldIO
import Foundation

/// The tri-plane paper's classifier input read from a fitted run: the three planes' features as 3·F channels of
/// R × R texels (channel-major, one channel = one token), L2-normalised across the channels at each texel.
struct TriPlaneInput {
    /// Channels (3·F, 48 for the paper's 16 features).
    var channels: Int
    /// Texels per plane side (R).
    var resolution: Int
    /// `[channels, R·R]` floats.
    var values: [Float]

    /// Reads the run folder `run`: its `config.json` must name a 3-D `TriPlane` encoding with one level, and
    /// its checkpoint must hold the level-0 xy, xz and yz planes. Non-tri-plane runs are refused with one line.
    static func read(run: String) throws(FieldError) -> TriPlaneInput {
        let configPath = (run as NSString).appendingPathComponent("config.json")
        let config = try JSONParser.parse(file: configPath)
        guard case .string(let otype)? = config["encoding"]?["otype"] else {
            throw FieldError(file: configPath, location: "encoding.otype", "missing: expected a TriPlane run")
        }
        guard otype.lowercased() == "triplane" else {
            throw FieldError(file: configPath, location: "encoding.otype", "is \"\(otype)\": classify reads tri-plane runs only (\"otype\": \"TriPlane\")")
        }
        if case .number(let levels, _)? = config["encoding"]?["n_levels"], levels != 1 {
            throw FieldError(file: configPath, location: "encoding.n_levels", "is \(Int(levels)): classify expects one level of planes")
        }
        let parametersPath = (run as NSString).appendingPathComponent("checkpoint/parameters.safetensors")
        guard FileAccess.exists(parametersPath) else { throw FieldError(file: parametersPath, "missing: the run has no checkpoint (was the fit finished?)") }
        let tensors = try SafeTensors.read(parametersPath).tensors
        var planes: [[Float]] = []
        var side = 0, features = 0
        for plane in ["xy", "xz", "yz"] {
            guard let name = tensors.keys.sorted().first(where: { $0.hasSuffix("level0." + plane) }), let t = tensors[name] else {
                throw FieldError(file: parametersPath, location: "level0.\(plane)", "missing: expected the tri-plane's \(plane) plane")
            }
            guard t.shape.count == 3, t.shape[0] == t.shape[1], side == 0 || (t.shape[0] == side && t.shape[2] == features) else {
                throw FieldError(file: parametersPath, location: name, "has shape \(t.shape), expected [R, R, F] like the other planes")
            }
            side = t.shape[0]
            features = t.shape[2]
            planes.append(try t.floatValues(file: parametersPath))
        }
        let texels = side * side, channels = 3 * features
        var values = [Float](repeating: 0, count: channels * texels)
        for p in 0..<3 {
            for texel in 0..<texels {
                for f in 0..<features { values[(p * features + f) * texels + texel] = planes[p][texel * features + f] }
            }
        }
        // L2 normalisation across the channels at each texel.
        for texel in 0..<texels {
            var norm: Float = 0
            for c in 0..<channels { norm += values[c * texels + texel] * values[c * texels + texel] }
            let scale = 1 / max(norm.squareRoot(), 1e-12)
            for c in 0..<channels { values[c * texels + texel] *= scale }
        }
        return TriPlaneInput(channels: channels, resolution: side, values: values)
    }
}
