import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// tcnn's Frequency encoding: values, layout, input gradients, config.
struct FrequencyEncodingTests {
    typealias S = EncodingTestSupport

    @Test func valuesFollowTcnnLayout() {
        let encoding = FrequencyEncoding(inputWidth: 3, frequencies: 12)
        #expect(encoding.outputWidth == 72 && encoding.parameterCount == 0)
        var rng = RandomGenerator(seed: 4)
        let batch = 7
        let x = (0..<batch * 3).map { _ in rng.nextFloat(-1, 2) }
        var out = [Float](repeating: 0, count: batch * 72)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            encoding.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: nil, pool: WorkerPool(threads: 2))
        } }
        var worst = 0.0
        for i in 0..<batch {
            for d in 0..<3 {
                for k in 0..<12 {
                    let phase = Double(x[i * 3 + d]) * Double(1 << k) * Double.pi
                    let base = i * 72 + d * 24 + 2 * k
                    worst = max(worst, abs(Double(out[base]) - sin(phase)), abs(Double(out[base + 1]) - cos(phase)))
                }
            }
        }
        #expect(worst < 1e-6, "max error \(worst)")
    }

    @Test func knownValues() {
        let encoding = FrequencyEncoding(inputWidth: 1, frequencies: 3)
        var out = [Float](repeating: 0, count: 6)
        let x: [Float] = [0.25]
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            encoding.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 1, context: nil, pool: WorkerPool(threads: 1))
        } }
        // sin/cos of π/4, π/2, π.
        let h = Float(0.5).squareRoot()
        let expected: [Float] = [h, h, 1, 0, 0, -1]
        #expect(zip(out, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(out)")
    }

    @Test func inputGradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 8)
        let batch = 9
        let x = (0..<batch * 2).map { _ in rng.nextFloat() }
        let r = GradientCheck.check(FrequencyEncoding(inputWidth: 2, frequencies: 4), input: x, batch: batch, epsilon: 1e-3)
        #expect(r.inputError < 1e-2, "\(r)")
    }

    @Test func oneAndTwoThreadsAgree() {
        var rng = RandomGenerator(seed: 3)
        let x = (0..<333 * 3).map { _ in rng.nextFloat() }
        let one = S.run(FrequencyEncoding(inputWidth: 3, frequencies: 6), input: x, batch: 333, threads: 1)
        let two = S.run(FrequencyEncoding(inputWidth: 3, frequencies: 6), input: x, batch: 333, threads: 2)
        #expect(one.0 == two.0 && one.2 == two.2)
    }

    @Test func config() throws {
        #expect(try FrequencyEncoding(config: S.config(#"{"otype": "Frequency"}"#), inputWidth: 3).frequencies == 12)
        let c = try S.config(#"{"otype": "Frequency", "N_FREQUENCIES": 6}"#)
        #expect(try FrequencyEncoding(config: c, inputWidth: 2).outputWidth == 24)
        for bad in [#"{"n_frequencies": 0}"#, #"{"n_frequencies": -3}"#, #"{"n_frequencies": 100}"#, #"{"n_frequencies": "x"}"#] {
            let error = S.configError(bad) { c, w throws(FieldError) in _ = try FrequencyEncoding(config: c, inputWidth: w) }
            #expect(error?.location == "encoding.n_frequencies", "\(bad)")
        }
    }
}
