import ModelLibrary
import TensorCore
import Testing

/// What the KAN layers compute (B-spline partition of unity, KAT's rational and gain), and the module
/// contract: inference equals the training forward, results do not depend on the thread count, parameter
/// gradients accumulate and input gradients overwrite.
struct KANBehaviourTests {
    typealias S = DecoderTestSupport

    static let variants: [KANVariant] = [
        .bSpline(BSplineKANOptions()),
        .groupRational(GroupRationalKANOptions(groups: 4)),
        .activationFunction(AFKANOptions()),
        .singleParameter(SKANOptions(bases: [.lss, .larctan])),
        .singleParameter(SKANOptions(bases: [.lsin])),
    ]

    @Test(arguments: variants)
    func inferenceEqualsTrainingAndThreadCountsAgree(_ variant: KANVariant) {
        let net = KANNetwork(inputWidth: 10, outputWidth: 3, width: 16, hiddenLayers: 2, variant: variant,
                             outputActivation: .sigmoid, chunkRows: 32)
        let store = S.bound(net, jitter: 0.05)
        let batch = 1001
        var rng = RandomGenerator(seed: 4)
        let x = (0..<(batch * 10)).map { _ in rng.nextFloat(-1, 1) }
        let a = S.trainingPass(net, store, x, batch: batch, threads: 2)
        let b = S.trainingPass(net, store, x, batch: batch, threads: 2)
        let c = S.trainingPass(net, store, x, batch: batch, threads: 1)
        #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2, "\(variant.otype): runs differ")
        #expect(a.0 == c.0 && a.1 == c.1 && a.2 == c.2, "\(variant.otype): 1 and 2 threads differ")
        #expect(S.forward(net, x, batch: batch, context: nil, threads: 2) == a.0, "\(variant.otype): inference differs")
        #expect(a.1.allSatisfy { $0.isFinite } && a.2.allSatisfy { $0.isFinite } && a.1.contains { $0 != 0 })
    }

    @Test(arguments: variants)
    func parameterGradientsAccumulateAndInputGradientsOverwrite(_ variant: KANVariant) {
        let net = KANNetwork(inputWidth: 5, outputWidth: 2, width: 8, hiddenLayers: 1, variant: variant)
        let store = S.bound(net, jitter: 0.05)
        var rng = RandomGenerator(seed: 8)
        let x = (0..<50).map { _ in rng.nextFloat(-1, 1) }
        let once = S.trainingPass(net, store, x, batch: 10, threads: 2, passes: 1)
        let twice = S.trainingPass(net, store, x, batch: 10, threads: 2, passes: 2)
        for i in 0..<once.1.count { #expect(abs(twice.1[i] - 2 * once.1[i]) <= 1e-5 * max(1, abs(once.1[i]))) }
        #expect(once.2 == twice.2)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func bSplineBasesSumToOneOnTheGrid(_ order: Int) {
        // One input, one output, base weight 0, every spline coefficient 1: y = Σ_i B_i(x).
        let net = KANNetwork(inputWidth: 1, outputWidth: 1, width: 1, hiddenLayers: 0,
                             variant: .bSpline(BSplineKANOptions(gridSize: 7, splineOrder: order, gridRange: -2...3)))
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        store.values.fill(1)
        store.values[0] = 0
        let xs: [Float] = stride(from: -2, through: 2.99, by: 0.0371).map { Float($0) }
        let y = S.forward(net, xs, batch: xs.count, context: nil, threads: 1)
        for (i, x) in xs.enumerated() { #expect(abs(y[i] - 1) < 1e-5, "order \(order) at \(x): \(y[i])") }
        // Far outside the extended grid every basis is zero.
        let far = S.forward(net, [-100, 50, .infinity], batch: 3, context: nil, threads: 1)
        #expect(far.prefix(2).allSatisfy { $0 == 0 })
    }

    @Test func cubicBasisMatchesTheClosedForm() {
        // Grid [0, 5] with 5 intervals (h = 1), cubic: B_i(x) = N₃(x − i + 3) with the cardinal cubic spline.
        func n3(_ t: Double) -> Double {
            switch t {
            case 0..<1: return t * t * t / 6
            case 1..<2: return (-3 * t * t * t + 12 * t * t - 12 * t + 4) / 6
            case 2..<3: return (3 * t * t * t - 24 * t * t + 60 * t - 44) / 6
            case 3..<4: let u = 4 - t; return u * u * u / 6
            default: return 0
            }
        }
        let net = KANNetwork(inputWidth: 1, outputWidth: 1, width: 1, hiddenLayers: 0,
                             variant: .bSpline(BSplineKANOptions(gridSize: 5, splineOrder: 3, gridRange: 0...5)))
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        let xs: [Float] = [-2.5, -0.3, 0.2, 1.7, 2.5, 3.99, 4.5, 6.2, 7.9]
        for i in 0..<8 {
            store.values.fill(0)
            store.values[1 + i] = 1
            let y = S.forward(net, xs, batch: xs.count, context: nil, threads: 1)
            for (r, x) in xs.enumerated() {
                #expect(abs(Double(y[r]) - n3(Double(x) - Double(i) + 3)) < 1e-5, "B_\(i)(\(x)) = \(y[r])")
            }
        }
    }

    @Test func rationalLayerComputesKATsSafeRational() {
        // 1 → 1, one group, weight 1, bias 0: y = P(x)/(1 + Σ|b_i||x|^i).
        let net = KANNetwork(inputWidth: 1, outputWidth: 1, width: 1, hiddenLayers: 0,
                             variant: .groupRational(GroupRationalKANOptions(groups: 1)))
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        let a: [Float] = [0.1, 0.8, -0.3, 0.2, 0.05, -0.01], b: [Float] = [-0.5, 0.2, -0.1, 0.03]
        for i in 0..<6 { store.values[i] = a[i] }
        for i in 0..<4 { store.values[6 + i] = b[i] }
        store.values[10] = 1
        let xs: [Float] = [-3, -1.2, -0.4, 0, 0.3, 1, 2.2, 4]
        let y = S.forward(net, xs, batch: xs.count, context: nil, threads: 1)
        for (i, x) in xs.enumerated() {
            let expected = RationalFunction.value(Double(x), numerator: a, denominator: b)
            #expect(abs(Double(y[i]) - expected) < 1e-5 * max(1, abs(expected)), "F(\(x)) = \(y[i]) vs \(expected)")
        }
    }

    @Test func rationalInitsFitTheirActivationsAndGainsMatchKAT() {
        for x in stride(from: -3.0, through: 3.0, by: 0.25) {
            let swish = x / (1 + Foundation.exp(-x))
            #expect(abs(RationalFunction.value(x, numerator: RationalInit.swish.numerator, denominator: RationalInit.swish.denominator) - swish) < 2e-2)
            #expect(RationalFunction.value(x, numerator: RationalInit.identity.numerator, denominator: RationalInit.identity.denominator) == x)
        }
        // KAT's gain.py values (seed-papers G.1): gain² = 2.81782 (swish), 2.35679 (gelu); ours differ by the denominator form.
        #expect(abs(RationalFunction.gainSquared(.swish) - 2.81782) < 1e-2)
        #expect(abs(RationalFunction.gainSquared(.gelu) - 2.35679) < 1e-2)
        #expect(abs(RationalFunction.gainSquared(.identity) - 1) < 1e-6)
    }

    @Test func afKANSampleNormalisationIsBatchIndependent() {
        // A row's output must not depend on the other rows of its batch.
        let net = KANNetwork(inputWidth: 6, outputWidth: 2, width: 8, hiddenLayers: 1, variant: .activationFunction(AFKANOptions()))
        let store = S.bound(net, jitter: 0.05)
        var rng = RandomGenerator(seed: 3)
        let x = (0..<(40 * 6)).map { _ in rng.nextFloat(-1, 1) }
        let all = S.forward(net, x, batch: 40, context: nil, threads: 1)
        let one = S.forward(net, Array(x[60..<66]), batch: 1, context: nil, threads: 1)
        #expect(abs(one[0] - all[20]) < 1e-6 && abs(one[1] - all[21]) < 1e-6)
        withExtendedLifetime(store) {}  // the network holds raw pointers into the store
    }
}

import Foundation
