import FieldIO
import ModelLibrary
import TensorCore
import Testing

/// tcnn's Identity encoding: `x·scale + offset`.
struct IdentityEncodingTests {
    typealias S = EncodingTestSupport

    @Test func scalesAndOffsets() {
        let encoding = IdentityEncoding(inputWidth: 2, scale: 2, offset: -1)
        var out: [Float] = [0, 0, 0, 0]
        let x: [Float] = [0.5, 1, -2, 0.25]
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            encoding.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 2, context: nil, pool: WorkerPool(threads: 1))
        } }
        #expect(out == [0, 1, -5, -0.5])
    }

    @Test func inputGradientsMatchFiniteDifferences() {
        let r = GradientCheck.check(IdentityEncoding(inputWidth: 3, scale: 0.5, offset: 2), input: [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], batch: 2)
        #expect(r.inputError < 1e-3, "\(r)")
    }

    @Test func config() throws {
        let plain = try IdentityEncoding(config: S.config(#"{"otype": "Identity"}"#), inputWidth: 4)
        #expect(plain.scale == 1 && plain.offset == 0 && plain.outputWidth == 4)
        let c = try S.config(#"{"otype": "Identity", "SCALE": 3, "Offset": 0.5}"#)
        let scaled = try IdentityEncoding(config: c, inputWidth: 1)
        #expect(scaled.scale == 3 && scaled.offset == 0.5)
        c.ignore("otype")  // the factory reads it
        try c.finish()
        let error = S.configError(#"{"scale": "big"}"#) { c, w throws(FieldError) in _ = try IdentityEncoding(config: c, inputWidth: w) }
        #expect(error?.location == "encoding.scale")
    }
}
