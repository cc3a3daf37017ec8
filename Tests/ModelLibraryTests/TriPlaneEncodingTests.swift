import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// The TriPlane encoding: shape, values against a direct bilinear reference, gradients, the module contract
/// (determinism across thread counts), factory keys and bad input.
struct TriPlaneEncodingTests {
    @Test func widthsAndParameterCounts() throws {
        let sum = try RepresentationTestSupport.encoding(#"{"otype": "TriPlane", "n_features": 8, "resolution": 16}"#, inputWidth: 3)
        #expect(sum.outputWidth == 8 && sum.parameterCount == 3 * 16 * 16 * 8)
        let concat = try RepresentationTestSupport.encoding(
            #"{"otype": "triplane", "n_features": 4, "resolution": 8, "n_levels": 2, "per_level_scale": 2, "reduction": "Concatenation"}"#,
            inputWidth: 3)
        #expect(concat.outputWidth == 2 * 3 * 4 && concat.parameterCount == 3 * 4 * (8 * 8 + 16 * 16))
        let image = try RepresentationTestSupport.encoding(#"{"otype": "TriPlane", "n_features": 6, "resolution": 10}"#, inputWidth: 2)
        #expect(image.outputWidth == 6 && image.parameterCount == 10 * 10 * 6)
        #expect(concat.parameterTensors.map(\.name) == ["level0.xy", "level0.xz", "level0.yz", "level1.xy", "level1.xz", "level1.yz"])
    }

    /// Forward equals a direct bilinear lookup of each plane, combined by the reduction.
    @Test(arguments: ["Sum", "Concatenation", "Product"])
    func forwardMatchesABilinearReference(_ reduction: String) throws {
        let enc = try RepresentationTestSupport.encoding(
            "{\"otype\": \"TriPlane\", \"n_features\": 3, \"resolution\": 5, \"reduction\": \"\(reduction)\"}", inputWidth: 3)
        let store = DecoderTestSupport.bound(enc, jitter: 0.5)
        let batch = 37
        let x = RepresentationTestSupport.points(batch * 3, seed: 9, lo: -0.1, hi: 1.1)
        let y = DecoderTestSupport.forward(enc, x, batch: batch, context: nil, threads: 2)
        let values = store.values.array
        let axes = [(0, 1), (0, 2), (1, 2)]
        for i in 0..<batch {
            var planes: [[Float]] = []
            for (p, (a, b)) in axes.enumerated() {
                func cell(_ v: Float) -> (Int, Float) {
                    let c = min(max(v, 0), 1) * 4
                    let k = min(Int(c), 3)
                    return (k, c - Float(k))
                }
                let (iu, fu) = cell(x[3 * i + a]), (iv, fv) = cell(x[3 * i + b])
                let base = p * 25 * 3
                planes.append((0..<3).map { c in
                    func at(_ u: Int, _ v: Int) -> Float { values[base + (v * 5 + u) * 3 + c] }
                    return (1 - fu) * (1 - fv) * at(iu, iv) + fu * (1 - fv) * at(iu + 1, iv) + (1 - fu) * fv * at(iu, iv + 1) + fu * fv * at(iu + 1, iv + 1)
                })
            }
            let expected: [Float]
            switch reduction {
            case "Sum": expected = (0..<3).map { planes[0][$0] + planes[1][$0] + planes[2][$0] }
            case "Product": expected = (0..<3).map { planes[0][$0] * planes[1][$0] * planes[2][$0] }
            default: expected = planes[0] + planes[1] + planes[2]
            }
            for c in 0..<expected.count {
                #expect(abs(y[i * enc.outputWidth + c] - expected[c]) < 1e-5, "\(reduction) point \(i) feature \(c)")
            }
        }
    }

    @Test(arguments: ["Sum", "Concatenation", "Product"])
    func gradientsMatchFiniteDifferences3D(_ reduction: String) throws {
        let enc = try RepresentationTestSupport.encoding(
            "{\"otype\": \"TriPlane\", \"n_features\": 10, \"resolution\": 6, \"n_levels\": 2, \"per_level_scale\": 1.5, \"reduction\": \"\(reduction)\"}",
            inputWidth: 3)
        let r = RepresentationTestSupport.gradientCheck(enc, batch: 9)
        #expect(r.parameters.parameterError < 1e-2, "\(reduction) parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "\(reduction) inputs: \(r.inputs)")
    }

    @Test func gradientsMatchFiniteDifferences2D() throws {
        let enc = try RepresentationTestSupport.encoding(#"{"otype": "TriPlane", "n_features": 5, "resolution": 7}"#, inputWidth: 2)
        let r = RepresentationTestSupport.gradientCheck(enc, batch: 13)
        #expect(r.parameters.parameterError < 1e-2, "parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "inputs: \(r.inputs)")
    }

    @Test(arguments: ["Sum", "Concatenation", "Product"])
    func deterministicAcrossThreadCounts(_ reduction: String) throws {
        let enc = try RepresentationTestSupport.encoding(
            "{\"otype\": \"TriPlane\", \"n_features\": 12, \"resolution\": 9, \"n_levels\": 2, \"reduction\": \"\(reduction)\"}", inputWidth: 3)
        #expect(DecoderTestSupport.contractFailure(enc) == nil, "\(String(describing: DecoderTestSupport.contractFailure(enc)))")
    }

    @Test func learningRateScaleReachesThePlanes() throws {
        let enc = try RepresentationTestSupport.encoding(#"{"otype": "TriPlane", "resolution": 4, "learning_rate_scale": 3}"#, inputWidth: 3)
        #expect(enc.parameterTensors.allSatisfy { $0.learningRateScale == 3 })
    }

    @Test func badInputGetsOneClearError() {
        let cases: [(json: String, dims: Int, location: String, says: String)] = [
            (#"{"otype": "TriPlane", "resolution": 0}"#, 3, "encoding.resolution", "at least 2"),
            (#"{"otype": "TriPlane", "resolution": -8}"#, 3, "encoding.resolution", "at least 2"),
            (#"{"otype": "TriPlane", "n_features": 0}"#, 3, "encoding.n_features", "at least 1"),
            (#"{"otype": "TriPlane", "n_features": -2}"#, 3, "encoding.n_features", "at least 1"),
            (#"{"otype": "TriPlane", "n_levels": 0}"#, 3, "encoding.n_levels", "at least 1"),
            (#"{"otype": "TriPlane", "resolution": 200000, "n_features": 64}"#, 3, "encoding.resolution", "memory"),
            (#"{"otype": "TriPlane", "resolution": 1000000000}"#, 3, "encoding.resolution", "2^24"),
            (#"{"otype": "TriPlane", "n_levels": 8, "per_level_scale": 20}"#, 3, "encoding.per_level_scale", "2^24"),
            (#"{"otype": "TriPlane", "reduction": "Max"}"#, 3, "encoding.reduction", "Sum, Concatenation, Product"),
            (#"{"otype": "TriPlane", "resolutoin": 64}"#, 3, "encoding.resolutoin", "unknown key"),
            (#"{"otype": "TriPlane"}"#, 1, "encoding", "2-D"),
        ]
        RepresentationTestSupport.expectOneLineErrors(cases)
    }
}
