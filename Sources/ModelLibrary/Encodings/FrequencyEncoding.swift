import Foundation
import TensorCore
import FieldIO

/// tiny-cuda-nn's `Frequency` encoding (NeRF positional encoding): for each input dimension d and
/// frequency k < n, the pair `sin(2^k·π·x_d), cos(2^k·π·x_d)`. Row layout as tcnn: dimension-major, then
/// frequency, then (sin, cos): `[d·2n + 2k] = sin`, `[d·2n + 2k + 1] = cos`; width `2·n·inputWidth`.
///
/// Values come from one Double `sin`/`cos` per dimension and exact angle doubling in Double, so they are
/// accurate to Float rounding at every frequency. Backward uses the saved output (`∂sin = 2^kπ·cos`, `∂cos = −2^kπ·sin`).
public final class FrequencyEncoding: ParameterFreeModule {
    public let inputWidth: Int
    /// The number of octaves n.
    public let frequencies: Int

    /// An encoding of `inputWidth` columns with `frequencies` octaves (1...24).
    public init(inputWidth: Int, frequencies: Int = 12) {
        precondition(inputWidth > 0 && (1...24).contains(frequencies), "FrequencyEncoding: invalid sizes")
        self.inputWidth = inputWidth
        self.frequencies = frequencies
    }

    /// Reads tcnn's key `n_frequencies` (12), any case; 1...24 (beyond 2^24·π a Float phase has no precision left).
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        guard inputWidth > 0 else { throw FieldError(file: config.file, location: config.path, "the Frequency encoding needs at least one input") }
        let n = try config.int("n_frequencies", default: 12, in: 1...24)
        self.init(inputWidth: inputWidth, frequencies: n)
    }

    public var outputWidth: Int { 2 * frequencies * inputWidth }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let d = inputWidth, n = frequencies, width = outputWidth
        let parts = max(1, min(pool.threads, batch))
        pool.parallelFor(parts) { part in
            for i in (batch * part / parts)..<(batch * (part + 1) / parts) {
                for k in 0..<d {
                    let angle = Double.pi * Double(input[i &* d &+ k])
                    var s = sin(angle), c = cos(angle)
                    let row = output + (i &* width &+ k &* 2 &* n)
                    for j in 0..<n {
                        row[2 &* j] = Float(s)
                        row[2 &* j &+ 1] = Float(c)
                        (s, c) = (2 * s * c, (c - s) * (c + s))
                    }
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let dx = inputGradient else { return }
        let d = inputWidth, n = frequencies, width = outputWidth
        let parts = max(1, min(pool.threads, batch))
        pool.parallelFor(parts) { part in
            for i in (batch * part / parts)..<(batch * (part + 1) / parts) {
                for k in 0..<d {
                    let base = i &* width &+ k &* 2 &* n
                    var sum: Float = 0
                    var omega = Float.pi
                    for j in 0..<n {
                        let s = output[base &+ 2 &* j], c = output[base &+ 2 &* j &+ 1]
                        let gs = outputGradient[base &+ 2 &* j], gc = outputGradient[base &+ 2 &* j &+ 1]
                        sum += omega * (gs * c - gc * s)
                        omega *= 2
                    }
                    dx[i &* d &+ k] = sum
                }
            }
        }
    }
}
