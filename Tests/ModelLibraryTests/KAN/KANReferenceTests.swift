import ModelLibrary
import TensorCore
import Testing

/// Every KAN layer type against its plain Double definition (`KANReference`): the Float forward pass, and
/// every parameter and input gradient against Double central differences of the reference (strict: 1 %
/// with a 1e-3 floor), over all options: spline orders and base activations, rational inits and groups,
/// AF-KAN functions, activations and normalisations, SKAN bases (single and mixed), with and without biases.
struct KANReferenceTests {
    func verify(_ net: KANNetwork, batch: Int = 6, range: Float = 1.5, jitter: Float = 0.05, label: String) {
        let store = ParameterStore(tensors: net.parameterTensors)
        net.bind(store.binding)
        var rng = RandomGenerator(seed: 3)
        net.initializeParameters(&rng)
        for i in 0..<store.count { store.values[i] += jitter * rng.nextFloat(-1, 1) }
        var xr = RandomGenerator(seed: 21)
        let x = (0..<(batch * net.inputWidth)).map { _ in xr.nextFloat(-range, range) }
        let c = KANReference.compare(net, store, x, batch: batch)
        // Relative to max(1, |y|); AF-KAN's LayerNorm amplifies Float rounding up to ~1e-5.
        #expect(c.forward < 1e-4, "\(label): forward differs by \(c.forward)")
        #expect(c.parameter < 1e-2 && c.input < 1e-2, "\(label): parameter \(c.parameter), input \(c.input), worst \(c.worst)")
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func bSpline(_ order: Int) {
        for act in [Activation.silu, .relu, .tanh] {
            let net = KANNetwork(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 1,
                                 variant: .bSpline(BSplineKANOptions(gridSize: 4, splineOrder: order, gridRange: -1...1.5, baseActivation: act)),
                                 outputActivation: .sigmoid)
            verify(net, range: 2, label: "order \(order) \(act)")
        }
    }

    @Test(arguments: RationalInit.allCases)
    func groupRational(_ initialization: RationalInit) {
        for (groups, biases) in [(1, true), (2, false), (4, true)] {
            let net = KANNetwork(inputWidth: 6, outputWidth: 3, width: 8, hiddenLayers: 1,
                                 variant: .groupRational(GroupRationalKANOptions(groups: groups, rationalInit: initialization,
                                                                                 inputRationalInit: initialization, useBiases: biases)))
            verify(net, range: 2, label: "\(initialization) groups \(groups) biases \(biases)")
        }
    }

    @Test(arguments: AFKANFunction.allCases)
    func afKANFunctions(_ function: AFKANFunction) {
        for normalization in AFKANNormalization.allCases {
            let net = KANNetwork(inputWidth: 5, outputWidth: 3, width: 6, hiddenLayers: 1,
                                 variant: .activationFunction(AFKANOptions(gridSize: 2, order: 2, function: function, normalization: normalization)))
            verify(net, label: "\(function) \(normalization)")
        }
    }

    @Test(arguments: [Activation.silu, .tanh, .sigmoid, .softplus, .relu])
    func afKANActivations(_ act: Activation) {
        let net = KANNetwork(inputWidth: 11, outputWidth: 2, width: 9, hiddenLayers: 1,
                             variant: .activationFunction(AFKANOptions(gridSize: 3, order: 3, baseActivation: act)), outputActivation: .tanh)
        verify(net, batch: 5, label: "\(act)")
    }

    @Test(arguments: SKANBasis.allCases)
    func skan(_ basis: SKANBasis) {
        for biases in [true, false] {
            let net = KANNetwork(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 1,
                                 variant: .singleParameter(SKANOptions(bases: [basis], useBiases: biases)))
            verify(net, jitter: 0.3, label: "\(basis) biases \(biases)")
        }
    }

    @Test func skanMixed() {
        let net = KANNetwork(inputWidth: 4, outputWidth: 3, width: 7, hiddenLayers: 2,
                             variant: .singleParameter(SKANOptions(bases: SKANBasis.allCases)), outputActivation: .sigmoid)
        verify(net, batch: 9, jitter: 0.3, label: "all bases cycling")
    }
}
