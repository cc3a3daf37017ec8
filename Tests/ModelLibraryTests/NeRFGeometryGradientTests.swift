import Foundation
import Testing
import TensorCore
@testable import ModelLibrary

/// The density-branch gradient hook of `NeRFNetwork` (`geometryFeatures(in:)`, `geometryGradientAddend(in:)`) that
/// distillation's feature loss uses: L = Σ output ⊙ R + Σ geometry ⊙ A, checked against central differences.
struct NeRFGeometryGradientTests {
    @Test func geometryAddendGradientsMatchFiniteDifferences() {
        let pool = WorkerPool(threads: 1)
        let net = NeRFNetworkTests().smallNetwork()
        let batch = 5, g = net.geometryWidth
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        var rng = RandomGenerator(seed: 11)
        net.initializeParameters(&rng)
        for i in 0..<store.count { store.values[i] += 0.3 * rng.nextFloat(-1, 1) }
        let x = NeRFNetworkTests().rows(batch, seed: 12)
        let r = (0..<(batch * 4)).map { _ in rng.nextFloat(-1, 1) }
        let a = (0..<(batch * g)).map { _ in rng.nextFloat(-1, 1) }

        func loss() -> Double {
            var out = [Float](repeating: 0, count: batch * 4)
            x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
                net.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: nil, pool: pool)
            } }
            let geometry = net.geometryFeatures(in: nil)
            var s = 0.0
            for i in 0..<(batch * 4) { s += Double(out[i]) * Double(r[i]) }
            for i in 0..<(batch * g) { s += Double(geometry[i]) * Double(a[i]) }
            return s
        }

        let context = net.makeContext(capacity: batch)
        let addend = net.geometryGradientAddend(in: context)
        for i in 0..<(batch * g) { addend[i] = a[i] }
        var out = [Float](repeating: 0, count: batch * 4)
        store.zeroGradients()
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in r.withUnsafeBufferPointer { rp in
            net.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: context, pool: pool)
            net.backward(input: xp.baseAddress!, output: op.baseAddress!, outputGradient: rp.baseAddress!, inputGradient: nil,
                         batch: batch, context: context, pool: pool)
        } } }
        var worst: Float = 0
        let eps: Float = 1e-3
        let densityParameters = net.density.parameterCount
        for p in stride(from: 0, to: densityParameters, by: max(1, densityParameters / 60)) {
            let saved = store.values[p]
            store.values[p] = saved + eps; let up = loss()
            store.values[p] = saved - eps; let down = loss()
            store.values[p] = saved
            let numeric = Float((up - down) / Double(2 * eps)), analytic = store.gradients[p]
            worst = max(worst, abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-2))
        }
        #expect(worst < 2e-2, "worst relative error \(worst)")
        // Without the addend the density parameters' gradients differ: the hook is what carries the feature loss.
        let withAddend = (0..<densityParameters).map { store.gradients[$0] }
        for i in 0..<(batch * g) { addend[i] = 0 }
        store.zeroGradients()
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in r.withUnsafeBufferPointer { rp in
            net.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: context, pool: pool)
            net.backward(input: xp.baseAddress!, output: op.baseAddress!, outputGradient: rp.baseAddress!, inputGradient: nil,
                         batch: batch, context: context, pool: pool)
        } } }
        let difference = (0..<densityParameters).map { abs(withAddend[$0] - store.gradients[$0]) }.max() ?? 0
        #expect(difference > 1e-3)
    }
}
