import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// The Composite encoding: nested encodings side by side (all columns, or tcnn's n_dims_to_encode split).
struct CompositeEncodingTests {
    static let besideJSON = #"{"otype": "Composite", "nested": [{"otype": "TriPlane", "n_features": 4, "resolution": 6}, {"otype": "HashGrid", "n_levels": 3, "n_features_per_level": 2, "log2_hashmap_size": 8, "base_resolution": 4}]}"#

    @Test func concatenatesNestedOutputs() throws {
        let composite = try RepresentationTestSupport.encoding(CompositeEncodingTests.besideJSON, inputWidth: 3)
        #expect(composite.outputWidth == 4 + 6)
        #expect(composite.parameterTensors.first?.name == "nested0.level0.xy")
        #expect(composite.parameterTensors.last?.name == "nested1.level2")
        // The output rows are the nested encodings' rows side by side.
        let store = DecoderTestSupport.bound(composite, jitter: 0.2)
        let parts = (composite as! CompositeEncoding).nested
        let batch = 21
        let x = RepresentationTestSupport.points(batch * 3, seed: 5)
        let y = DecoderTestSupport.forward(composite, x, batch: batch, context: nil, threads: 2)
        let a = DecoderTestSupport.forward(parts[0], x, batch: batch, context: nil, threads: 1)
        let b = DecoderTestSupport.forward(parts[1], x, batch: batch, context: nil, threads: 1)
        for i in 0..<batch {
            #expect(Array(y[(i * 10)..<(i * 10 + 4)]) == Array(a[(i * 4)..<(i * 4 + 4)]))
            #expect(Array(y[(i * 10 + 4)..<(i * 10 + 10)]) == Array(b[(i * 6)..<(i * 6 + 6)]))
        }
        _ = store
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let composite = try RepresentationTestSupport.encoding(CompositeEncodingTests.besideJSON, inputWidth: 3)
        let r = RepresentationTestSupport.gradientCheck(composite, batch: 9)
        #expect(r.parameters.parameterError < 1e-2, "parameters: \(r.parameters)")
        #expect(r.inputs.inputError < 3e-2, "inputs: \(r.inputs)")
        #expect(DecoderTestSupport.contractFailure(composite) == nil)
    }

    @Test func splitsColumnsWithNDimsToEncode() throws {
        let json = #"{"otype": "Composite", "nested": [{"otype": "TriPlane", "n_dims_to_encode": 2, "n_features": 3, "resolution": 5}, {"otype": "Frequency", "n_frequencies": 2}]}"#
        let composite = try RepresentationTestSupport.encoding(json, inputWidth: 4)
        #expect(composite.outputWidth == 3 + 2 * 2 * 2)
        #expect((composite as! CompositeEncoding).columns == [0..<2, 2..<4])
        let r = RepresentationTestSupport.gradientCheck(composite, batch: 7)
        #expect(r.parameters.parameterError < 1e-2 && r.inputs.inputError < 3e-2, "\(r.parameters) \(r.inputs)")
        #expect(DecoderTestSupport.contractFailure(composite) == nil)
    }

    @Test func badInputGetsOneClearError() {
        let cases: [(json: String, location: String, says: String)] = [
            (#"{"otype": "Composite"}"#, "encoding.nested", "missing"),
            (#"{"otype": "Composite", "nested": []}"#, "encoding.nested", "empty"),
            (#"{"otype": "Composite", "nested": [{"otype": "Identity", "n_dims_to_encode": 2}]}"#, "encoding.nested", "add up to 3"),
            (#"{"otype": "Composite", "nested": [{"otype": "Identity", "n_dims_to_encode": 5}]}"#, "encoding.nested[0].n_dims_to_encode", "do not fit"),
            (#"{"otype": "Composite", "nested": [{"otype": "TriPlane", "resolution": 0}]}"#, "encoding.nested[0].resolution", "at least 2"),
            (#"{"otype": "Composite", "nested": [{"otype": "Identity", "extra": 1}]}"#, "encoding.nested[0].extra", "unknown key"),
        ]
        RepresentationTestSupport.expectOneLineErrors(cases.map { ($0.json, 3, $0.location, $0.says) })
    }
}
