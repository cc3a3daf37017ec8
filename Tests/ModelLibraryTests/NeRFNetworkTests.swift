import Foundation
import Testing
import TensorCore
@testable import ModelLibrary

/// The NeRF model (density network + spherical-harmonics direction encoding + colour network) and the
/// spherical harmonics encoding on their own: finite-difference gradients and known values.
struct NeRFNetworkTests {
    func smallNetwork() -> NeRFNetwork {
        let density = EncodedNetwork(encoding: FrequencyEncoding(inputWidth: 3, frequencies: 2),
                                     network: MLP(inputWidth: 12, outputWidth: 4, width: 8, hiddenLayers: 1, activation: .softplus))
        return NeRFNetwork(density: density, direction: SphericalHarmonicsEncoding(degree: 3),
                           color: MLP(inputWidth: 4 + 9, outputWidth: 3, width: 8, hiddenLayers: 1, activation: .softplus,
                                      outputActivation: .sigmoid))
    }

    func rows(_ batch: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = []
        for _ in 0..<batch {
            x += [rng.nextFloat(), rng.nextFloat(), rng.nextFloat()]
            var d = SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())
            d /= (d * d).sum().squareRoot()
            x += [(d.x + 1) / 2, (d.y + 1) / 2, (d.z + 1) / 2]
        }
        return x
    }

    @Test func gradientsMatchFiniteDifferences() {
        let batch = 6
        let r = GradientCheck.check(smallNetwork(), input: rows(batch, seed: 3), batch: batch, epsilon: 1e-3, parameterJitter: 0.3,
                                    maxParameters: 400)
        #expect(r.parameterError < 2e-2, "\(r)")
        #expect(r.inputError < 2e-2, "\(r)")
    }

    @Test func sphericalHarmonicsGradientsMatchFiniteDifferences() {
        let batch = 10
        let r = GradientCheck.check(SphericalHarmonicsEncoding(degree: 4), input: rows(batch, seed: 4).enumerated()
            .filter { ($0.offset / 3) % 2 == 1 }.map(\.element), batch: batch, epsilon: 1e-3)
        #expect(r.inputError < 1e-2, "\(r)")
    }

    @Test func sphericalHarmonicsAreOrthonormalOnTheSphere() {
        // Monte Carlo ∫ Y_i Y_j dΩ ≈ δ_ij with 4π/N weights.
        let n = 20000, width = 16
        let x = rows(n, seed: 5).enumerated().filter { ($0.offset / 3) % 2 == 1 }.map(\.element)
        var out = [Float](repeating: 0, count: n * width)
        let sh = SphericalHarmonicsEncoding(degree: 4)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            sh.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: n, context: nil, pool: WorkerPool(threads: 1))
        } }
        for i in 0..<width {
            for j in i..<width {
                var s = 0.0
                for k in 0..<n { s += Double(out[k * width + i]) * Double(out[k * width + j]) }
                let integral = s * 4 * Double.pi / Double(n)
                #expect(abs(integral - (i == j ? 1 : 0)) < 0.08, "Y\(i)·Y\(j) = \(integral)")
            }
        }
    }

    @Test func outputColumnsAreDensityThenColour() {
        let net = smallNetwork()
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        var rng = RandomGenerator(seed: 9)
        net.initializeParameters(&rng)
        let x = rows(4, seed: 6)
        var out = [Float](repeating: 0, count: 16), geometry = [Float](repeating: 0, count: 16)
        let positions = (0..<4).flatMap { i in x[(6 * i)..<(6 * i + 3)] }
        let pool = WorkerPool(threads: 1)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            net.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 4, context: nil, pool: pool)
        } }
        positions.withUnsafeBufferPointer { pp in geometry.withUnsafeMutableBufferPointer { gp in
            net.density.forward(input: pp.baseAddress!, output: gp.baseAddress!, batch: 4, context: nil, pool: pool)
        } }
        for i in 0..<4 {
            #expect(out[4 * i] == geometry[4 * i])
            for c in 1...3 { #expect(out[4 * i + c] > 0 && out[4 * i + c] < 1) }
        }
    }
}
