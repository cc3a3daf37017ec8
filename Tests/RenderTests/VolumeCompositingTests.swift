import Foundation
import Testing
@testable import Render

/// Volume rendering along a ray: closed forms and finite-difference gradients.
struct VolumeCompositingTests {
    func maxDifference(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
        let d = a - b
        return max(abs(d.x), abs(d.y), abs(d.z))
    }

    /// Rows `[raw, r, g, b]` for the given raw densities and colours.
    func rows(_ raws: [Float], _ colors: [SIMD3<Float>]) -> [Float] {
        var out: [Float] = []
        for (r, c) in zip(raws, colors) { out += [r, c.x, c.y, c.z] }
        return out
    }

    @Test func constantDensityMatchesBeerLambert() {
        // n samples of σ over a total length L: opacity 1 − exp(−σL), colour c·opacity + bg·(1 − opacity).
        let n = 50, sigma: Float = 3, length: Float = 0.4
        let raw = log(sigma), c = SIMD3<Float>(0.2, 0.5, 0.9), bg = SIMD3<Float>(1, 0, 0.5)
        let outputs = rows([Float](repeating: raw, count: n), [SIMD3<Float>](repeating: c, count: n))
        let dt = [Float](repeating: length / Float(n), count: n)
        let result = VolumeCompositing.forward(outputs: outputs, dt: dt, count: n, background: bg, minTransmittance: 0)
        let opacity = 1 - exp(-sigma * length)
        #expect(abs(result.opacity - opacity) < 1e-5)
        let expected = c * opacity + bg * (1 - opacity)
        #expect(maxDifference(result.color, expected) < 1e-5)
        #expect(result.used == n)
    }

    @Test func stopsOnceTransmittanceIsGone() {
        let outputs = rows([8, 8, 8, 8], [SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1), SIMD3(1, 1, 1)])
        let dt: [Float] = [1, 1, 1, 1]
        let result = VolumeCompositing.forward(outputs: outputs, dt: dt, count: 4, background: .zero, minTransmittance: 1e-4)
        #expect(result.used == 1)
        #expect(maxDifference(result.color, SIMD3(1, 0, 0)) < 1e-3)
    }

    @Test func backwardMatchesFiniteDifferences() {
        let n = 7
        var raws: [Float] = [], colors: [SIMD3<Float>] = [], dt: [Float] = []
        for i in 0..<n {
            raws.append(Float(i % 3) - 0.5 + 0.1 * Float(i))
            colors.append(SIMD3(0.1 * Float(i), 0.9 - 0.1 * Float(i), 0.5))
            dt.append(0.15 + 0.02 * Float(i))
        }
        let bg = SIMD3<Float>(0.3, 0.6, 0.2), weights = SIMD3<Float>(0.7, -1.3, 0.4)
        func loss(_ o: [Float]) -> Double {
            let r = VolumeCompositing.forward(outputs: o, dt: dt, count: n, background: bg, minTransmittance: 0)
            return Double((r.color * weights).sum())
        }
        let outputs = rows(raws, colors)
        let result = VolumeCompositing.forward(outputs: outputs, dt: dt, count: n, background: bg, minTransmittance: 0)
        var gradients = [Float](repeating: 0, count: 4 * n)
        VolumeCompositing.backward(outputs: outputs, dt: dt, count: n, used: result.used, color: result.color,
                                   colorGradient: weights, gradients: &gradients)
        for k in 0..<(4 * n) {
            var plus = outputs, minus = outputs
            let h: Float = 1e-3
            plus[k] += h; minus[k] -= h
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(Double(gradients[k]) - numeric) < 2e-3, "entry \(k): \(gradients[k]) vs \(numeric)")
        }
    }
}
