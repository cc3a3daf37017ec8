import Foundation
import Testing
import TensorCore

/// The eight-lane transcendental functions against Foundation's, in double precision, over the ranges the
/// activations and encodings feed them.
@Suite struct VectorMathTests {
    /// The largest error of `f` against `reference` over `count` points evenly spread on `range`, measured
    /// as |f − ref| / max(|ref|, `floor`) (relative, with an absolute floor near zero).
    func worstError(_ range: ClosedRange<Double>, count: Int = 200_003, floor: Double,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>, _ reference: (Double) -> Double) -> Double {
        var worst = 0.0
        var i = 0
        while i < count {
            var x = SIMD8<Float>()
            for lane in 0..<8 { x[lane] = Float(range.lowerBound + (range.upperBound - range.lowerBound) * Double(i + lane) / Double(count - 1)) }
            let y = f(x)
            for lane in 0..<8 where i + lane < count {
                let ref = reference(Double(x[lane]))
                worst = max(worst, abs(Double(y[lane]) - ref) / max(abs(ref), floor))
            }
            i += 8
        }
        return worst
    }

    @Test func sineMatchesFoundationOverTheEncodingsRange() {
        // The RBF's sinusoids reach φ̃·m ≤ 2¹² (NeuRBF's image frequencies); within a few float ulps of the argument.
        #expect(worstError(-8...8, floor: 1e-3, VectorMath.sin, Foundation.sin) < 1e-6)
        #expect(worstError(0...4096, floor: 1, VectorMath.sin, Foundation.sin) < 2e-6)
        // sin and sincos agree.
        #expect(worstError(-100...100, floor: 1, { VectorMath.sin($0) - VectorMath.sincos($0).sin }, { _ in 0 }) < 1e-6)
    }

    @Test func sineAndCosineMatchFoundation() {
        #expect(worstError(-8...8, floor: 1e-3, { VectorMath.sincos($0).sin }, Foundation.sin) < 1e-6)
        #expect(worstError(-8...8, floor: 1e-3, { VectorMath.sincos($0).cos }, Foundation.cos) < 1e-6)
    }

    @Test func exponentialAndFriendsMatchFoundation() {
        #expect(worstError(-80...80, floor: 1e-30, VectorMath.exp, Foundation.exp) < 1e-6)
        #expect(worstError(-20...20, floor: 1e-6, VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) < 1e-6)
        #expect(worstError(-10...10, floor: 1e-3, VectorMath.tanh, Foundation.tanh) < 1e-6)
        #expect(worstError(-50...50, floor: 1e-3, VectorMath.atan, Foundation.atan) < 1e-6)
        #expect(worstError(0...1, floor: 1e-7, VectorMath.log1pUnit, Foundation.log1p) < 1e-6)
    }
}
