import Foundation
import ModelLibrary
import TensorCore
import Testing

/// Each activation's SIMD forward kernel matches its Double definition, and its backward kernel (from the
/// output or the saved derivative) matches finite differences of that definition.
struct ActivationTests {
    /// Sample inputs spanning the interesting ranges (count not a multiple of 8, to cover tails).
    static let inputs: [Float] = {
        var x: [Float] = []
        var v: Float = -6
        while v <= 6 { x.append(v); v += 0.0731 }
        x += [-40, -12.5, 1e-4, -1e-4, 0.3, 0.61, 0.64, 12.5, 40]
        return x
    }()

    func tolerance(_ a: Activation, _ reference: Double) -> Double {
        a == .exponential ? 4e-7 * abs(reference) + 1e-30 : 2e-6 * max(1, abs(reference))
    }

    @Test(arguments: Activation.allCases) func forwardMatchesDefinition(_ a: Activation) {
        var x = ActivationTests.inputs
        if a == .exponential { x = x.filter { $0 < 80 } }
        var y = x
        var d = [Float](repeating: 0, count: x.count)
        y.withUnsafeMutableBufferPointer { yp in d.withUnsafeMutableBufferPointer { dp in
            a.forward(yp.baseAddress!, count: x.count, derivative: dp.baseAddress!)
        } }
        for i in 0..<x.count {
            let r = a.value(Double(x[i]))
            #expect(abs(Double(y[i]) - r) <= tolerance(a, r), "\(a) at \(x[i]): \(y[i]) vs \(r)")
        }
    }

    @Test(arguments: Activation.allCases) func backwardMatchesFiniteDifferences(_ a: Activation) {
        // Stay off ReLU's kink and away from where exp overflows.
        let x = ActivationTests.inputs.filter { abs($0) > 1e-3 && abs($0) < 30 }
        var y = x
        var d = [Float](repeating: 0, count: x.count)
        y.withUnsafeMutableBufferPointer { yp in d.withUnsafeMutableBufferPointer { dp in
            a.forward(yp.baseAddress!, count: x.count, derivative: dp.baseAddress!)
        } }
        var rng = RandomGenerator(seed: 3)
        let upstream = (0..<x.count).map { _ in rng.nextFloat(-2, 2) }
        var g = upstream
        y.withUnsafeBufferPointer { yp in d.withUnsafeBufferPointer { dp in g.withUnsafeMutableBufferPointer { gp in
            a.backward(gp.baseAddress!, output: yp.baseAddress!, derivative: dp.baseAddress!, count: x.count)
        } } }
        for i in 0..<x.count {
            let h = 1e-5 * max(1, abs(Double(x[i])))
            let numeric = (a.value(Double(x[i]) + h) - a.value(Double(x[i]) - h)) / (2 * h) * Double(upstream[i])
            let scale = max(1, abs(numeric))
            // Derivatives read from a Float output lose a little relative accuracy where f' is tiny.
            #expect(abs(Double(g[i]) - numeric) <= 3e-4 * scale, "\(a) at \(x[i]): \(g[i]) vs \(numeric)")
        }
    }

    @Test func outOfPlaceBackwardEqualsInPlace() {
        for a in Activation.allCases {
            var x = ActivationTests.inputs
            let n = x.count
            var d = [Float](repeating: 0, count: n)
            x.withUnsafeMutableBufferPointer { xp in d.withUnsafeMutableBufferPointer { dp in
                a.forward(xp.baseAddress!, count: n, derivative: dp.baseAddress!)
            } }
            let g = (0..<x.count).map { Float($0 % 7) - 3 }
            var inPlace = g
            var outOfPlace = [Float](repeating: .nan, count: g.count)
            x.withUnsafeBufferPointer { xp in d.withUnsafeBufferPointer { dp in
                inPlace.withUnsafeMutableBufferPointer { ip in
                    a.backward(ip.baseAddress!, output: xp.baseAddress!, derivative: dp.baseAddress!, count: g.count)
                }
                g.withUnsafeBufferPointer { gp in outOfPlace.withUnsafeMutableBufferPointer { op in
                    a.backward(from: gp.baseAddress!, output: xp.baseAddress!, derivative: dp.baseAddress!,
                               into: op.baseAddress!, count: g.count)
                } }
            } }
            #expect(inPlace == outOfPlace, "\(a)")
        }
    }

    @Test func biasedForwardAddsTheBiasFirst() {
        let rows = 3, width = 11
        var x = (0..<(rows * width)).map { Float($0) * 0.1 - 1.5 }
        let bias = (0..<width).map { Float($0) * -0.05 }
        var expected = x
        for r in 0..<rows { for j in 0..<width { expected[r * width + j] = Float(Activation.tanh.value(Double(x[r * width + j] + bias[j]))) } }
        x.withUnsafeMutableBufferPointer { xp in bias.withUnsafeBufferPointer { bp in
            Activation.tanh.forward(xp.baseAddress!, rows: rows, width: width, bias: bp.baseAddress!, derivative: nil)
        } }
        for i in 0..<x.count { #expect(abs(x[i] - expected[i]) < 1e-6) }
    }

    @Test func namesAreCaseInsensitiveAndTcnns() {
        #expect(Activation(name: "relu") == .relu)
        #expect(Activation(name: "LEAKYRELU") == .leakyReLU)
        #expect(Activation(name: "silu") == .silu)
        #expect(Activation(name: "none") == Activation.none)
        #expect(Activation(name: "Swish") == nil)
        #expect(Activation.names == ["None", "ReLU", "LeakyReLU", "Sigmoid", "Exponential", "Softplus", "Sine", "Tanh", "SiLU", "Squareplus"])
    }

    @Test func tcnnConstants() {
        #expect(abs(Activation.leakyReLU.value(-2) + 0.02) < 1e-9)
        // Softplus and Squareplus use tcnn's sharpness 10.
        #expect(abs(Activation.softplus.value(0) - log(2) / 10) < 1e-12)
        #expect(abs(Activation.squareplus.value(0) - 0.1) < 1e-12)
        #expect(Activation.sine.savesDerivative && Activation.silu.savesDerivative && !Activation.relu.savesDerivative)
    }
}
