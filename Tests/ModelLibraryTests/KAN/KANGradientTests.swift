import ModelLibrary
import TensorCore
import Testing

/// Float finite-difference checks (`GradientCheck`) of every KAN-family layer: each parameter tensor (weights,
/// spline coefficients, rational a_i/b_i, AF-KAN low/high/attention/temperature/LayerNorm, SKAN k) and the
/// input gradient. Float differences are coarse for the strongly curved parts (rational powers, AF-KAN's
/// LayerNorm over few inputs, kinked bases), so those use small steps and looser bounds here; the strict
/// check against a Double reference is `KANReferenceTests`.
struct KANGradientTests {
    func input(_ count: Int, seed: UInt64, range: Float = 1) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(-range, range) }
    }

    /// Checks `network` on `batch` random rows; every parameter is compared (small networks).
    func check(_ network: KANNetwork, batch: Int = 6, range: Float = 1, epsilon: Float = 1e-2, floor: Float = 1e-2,
               jitter: Float = 0, prepare: ((ParameterStore) -> Void)? = nil) -> GradientCheck.Report {
        let x = input(batch * network.inputWidth, seed: 21, range: range)
        return GradientCheck.check(network, input: x, batch: batch, seed: 3, epsilon: epsilon, floor: floor,
                                   parameterJitter: jitter, maxParameters: 100_000, prepare: prepare)
    }

    /// Names of the parameter tensors whose every element the check compared (all, with maxParameters ≥ count).
    func covered(_ network: KANNetwork) -> Set<String> { Set(network.parameterTensors.map(\.name)) }

    // MARK: B-spline KAN

    @Test(arguments: [1, 2, 3, 4, 5])
    func bSplineEachOrder(_ order: Int) {
        for hidden in [0, 1] {
            let net = KANNetwork(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: hidden,
                                 variant: .bSpline(BSplineKANOptions(gridSize: 4, splineOrder: order)))
            // Order 1 is piecewise linear in x: a smaller step keeps differences off the knots.
            let report = check(net, range: 1.6, epsilon: order == 1 ? 1e-3 : 1e-2, floor: order == 1 ? 5e-2 : 1e-2)
            #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "order \(order) hidden \(hidden): \(report)")
        }
        #expect(covered(KANNetwork(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 0, variant: .bSpline(BSplineKANOptions())))
                == ["layer0.base_weight", "layer0.spline_weight"])
    }

    @Test(arguments: [Activation.silu, .tanh, .sigmoid, .softplus, .sine, .none])
    func bSplineEachBaseActivation(_ act: Activation) {
        let net = KANNetwork(inputWidth: 4, outputWidth: 3, width: 9, hiddenLayers: 1,
                             variant: .bSpline(BSplineKANOptions(gridSize: 3, splineOrder: 3, gridRange: -0.5...1.5, baseActivation: act)),
                             outputActivation: .sigmoid)
        let report = check(net, range: 2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(act): \(report)")
    }

    @Test func bSplineAcrossBlocksAndSlots() {
        let net = KANNetwork(inputWidth: 2, outputWidth: 2, width: 4, hiddenLayers: 1,
                             variant: .bSpline(BSplineKANOptions(gridSize: 6)), chunkRows: 8)
        let report = check(net, batch: 37, range: 1.2)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(report)")
    }

    // MARK: GR-KAN

    /// Moves every denominator coefficient at least `margin` away from 0 (|b| has a kink there).
    func awayFromZero(_ store: ParameterStore, margin: Float = 0.05) {
        for s in store.segments where s.name.hasSuffix("denominator") {
            for i in s.offset..<(s.offset + s.count) {
                let b = store.values[i]
                store.values[i] = (b < 0 ? -1 : 1) * max(abs(b), margin)
            }
        }
    }

    @Test(arguments: RationalInit.allCases)
    func rationalEachInit(_ initialization: RationalInit) {
        for (groups, biases) in [(1, true), (2, false), (4, true)] {
            let net = KANNetwork(inputWidth: 4, outputWidth: 3, width: 8, hiddenLayers: 1,
                                 variant: .groupRational(GroupRationalKANOptions(groups: groups, rationalInit: initialization,
                                                                                 inputRationalInit: initialization, useBiases: biases)))
            // x⁵ and |x|⁴ terms are strongly curved in the coefficients: a small step (Float noise sets the floor).
            let report = check(net, range: 2, epsilon: 1e-3, floor: 3e-2, jitter: 0.05, prepare: { awayFromZero($0) })
            #expect(report.parameterError < 3e-2 && report.inputError < 3e-2, "\(initialization) groups \(groups): \(report)")
        }
    }

    @Test func rationalCoefficientsPerGroupAndInputGroupsByGCD() {
        // Input width 6 with groups 4: the first layer uses gcd(4, 6) = 2 groups; the hidden layer 4.
        let net = KANNetwork(inputWidth: 6, outputWidth: 2, width: 8, hiddenLayers: 1,
                             variant: .groupRational(GroupRationalKANOptions(groups: 4)))
        let shapes = Dictionary(uniqueKeysWithValues: net.parameterTensors.map { ($0.name, $0.shape) })
        #expect(shapes["layer0.numerator"] == [2, 6] && shapes["layer0.denominator"] == [2, 4])
        #expect(shapes["layer1.numerator"] == [4, 6] && shapes["layer1.denominator"] == [4, 4])
        #expect(shapes["layer1.bias"] == [2])
        let report = check(net, batch: 11, range: 1.5, epsilon: 1e-3, floor: 3e-2, jitter: 0.05, prepare: { awayFromZero($0) })
        #expect(report.parameterError < 3e-2 && report.inputError < 2e-2, "\(report)")
    }

    // MARK: AF-KAN

    @Test(arguments: AFKANFunction.allCases)
    func afKANEachFunction(_ function: AFKANFunction) {
        // Without min-max, some functions give large, peaked logits whose Float differences are noise-bound;
        // `.none` is checked strictly against the Double reference instead.
        for normalization in [AFKANNormalization.sample] {
            let net = KANNetwork(inputWidth: 5, outputWidth: 3, width: 6, hiddenLayers: 1,
                                 variant: .activationFunction(AFKANOptions(gridSize: 2, order: 2, function: function,
                                                                           normalization: normalization)))
            let report = check(net, range: 1.5, epsilon: 1e-2, floor: 0.1, jitter: 0.05)
            #expect(report.parameterError < 0.15 && report.inputError < 0.15, "\(function) \(normalization): \(report)")
        }
    }

    @Test(arguments: [Activation.silu, .tanh, .sigmoid, .softplus])
    func afKANEachActivation(_ act: Activation) {
        // Width 11: a tail of three lanes in the eight-wide kernels.
        let net = KANNetwork(inputWidth: 11, outputWidth: 2, width: 4, hiddenLayers: 1,
                             variant: .activationFunction(AFKANOptions(gridSize: 3, order: 3, baseActivation: act)))
        // Softplus has tcnn's sharpness 10: its curvature needs the smaller step.
        let report = check(net, batch: 5, range: 1.5, epsilon: act == .softplus ? 1e-3 : 1e-2, floor: 0.1, jitter: 0.05)
        #expect(report.parameterError < 0.1 && report.inputError < 0.1, "\(act): \(report)")
    }

    @Test func afKANTemperatureBelowOneHasNoGradient() {
        let net = KANNetwork(inputWidth: 4, outputWidth: 2, width: 4, hiddenLayers: 0,
                             variant: .activationFunction(AFKANOptions()))
        let report = check(net, range: 1.5, epsilon: 1e-2, floor: 0.1, prepare: { store in
            for s in store.segments where s.name.hasSuffix("temperature") { store.values[s.offset] = 0.5 }
        })
        #expect(report.parameterError < 0.1 && report.inputError < 0.1, "\(report)")
    }

    // MARK: SKAN

    @Test(arguments: SKANBasis.allCases)
    func skanEachBasis(_ basis: SKANBasis) {
        for biases in [true, false] {
            let net = KANNetwork(inputWidth: 3, outputWidth: 2, width: 5, hiddenLayers: 1,
                                 variant: .singleParameter(SKANOptions(bases: [basis], useBiases: biases)))
            // Kinked bases (ReLU-like, hard sigmoid) need a smaller step.
            let kinked = basis == .lrelu || basis == .lleakyReLU || basis == .lhardSigmoid
            let report = check(net, range: 1.5, epsilon: kinked ? 3e-4 : 1e-2, floor: kinked ? 0.1 : 1e-2, jitter: 0.3)
            let tolerance: Float = kinked ? 0.1 : 2e-2
            #expect(report.parameterError < tolerance && report.inputError < tolerance, "\(basis) biases \(biases): \(report)")
        }
    }

    @Test func skanMixedBasesPerNode() {
        let net = KANNetwork(inputWidth: 4, outputWidth: 3, width: 7, hiddenLayers: 2,
                             variant: .singleParameter(SKANOptions(bases: [.lss, .lsin, .lswish, .larctan])),
                             outputActivation: .tanh)
        let report = check(net, batch: 13, range: 1.5, jitter: 0.3)
        #expect(report.parameterError < 2e-2 && report.inputError < 2e-2, "\(report)")
    }

    @Test func skanBasisMatchesItsReference() {
        // One layer 1 → 1 without bias: y = f(x; k).
        for basis in SKANBasis.allCases {
            let net = KANNetwork(inputWidth: 1, outputWidth: 1, width: 1, hiddenLayers: 0,
                                 variant: .singleParameter(SKANOptions(bases: [basis], useBiases: false)))
            let store = ParameterStore(tensors: net.parameterTensors)
            net.bind(store.binding)
            store.values[0] = -0.7
            let xs: [Float] = [-2, -0.9, -0.3, 0.05, 0.4, 1.3, 2.5, 3]
            var y = [Float](repeating: 0, count: xs.count)
            xs.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                net.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: xs.count, context: nil, pool: WorkerPool(threads: 1))
            } }
            for (i, x) in xs.enumerated() {
                #expect(abs(Double(y[i]) - basis.value(Double(x), -0.7)) < 2e-6, "\(basis) at \(x): \(y[i])")
            }
        }
    }
}
