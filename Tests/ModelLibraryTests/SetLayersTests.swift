import ModelLibrary
import TensorCore
import Testing

/// The set layers of the classifiers: a network shared by all tokens, and max-pooling over tokens.
struct SetLayersTests {
    /// Distinct values 0.1 apart, shuffled, so that a finite difference of 1e-2 never changes which token wins.
    static func separated(_ count: Int, seed: UInt64) -> [Float] {
        var values = (0..<count).map { Float($0) * 0.1 - Float(count) * 0.05 }
        var rng = RandomGenerator(seed: seed)
        for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, rng.nextInt(below: i + 1)) }
        return values
    }

    @Test func maxPoolTakesEachFeaturesLargestTokenAndIgnoresOrder() {
        let pool = TokenMaxPool(tokens: 3, features: 2)
        let x: [Float] = [1, -5, 4, 2, -3, 7,   0, 0, -1, -2, -4, 9]
        let y = DecoderTestSupport.forward(pool, x, batch: 2, context: nil, threads: 1)
        #expect(y == [4, 7, 0, 9])
        let swapped: [Float] = [-3, 7, 1, -5, 4, 2,   -4, 9, -1, -2, 0, 0]
        #expect(DecoderTestSupport.forward(pool, swapped, batch: 2, context: nil, threads: 1) == y)
    }

    @Test func maxPoolGradientMatchesFiniteDifferences() {
        let pool = TokenMaxPool(tokens: 5, features: 4)
        let r = GradientCheck.check(pool, input: SetLayersTests.separated(3 * 20, seed: 2), batch: 3)
        #expect(r.inputError < 1e-3, "\(r)")
        #expect(r.checked > 0)
    }

    @Test func perTokenNetworkGradientMatchesFiniteDifferences() {
        let mlp = MLP(inputWidth: 3, outputWidth: 4, width: 8, hiddenLayers: 1, activation: .softplus, useBiases: true)
        let network = PerTokenNetwork(mlp, tokens: 5)
        #expect(network.inputWidth == 15 && network.outputWidth == 20)
        #expect(network.parameterTensors.allSatisfy { $0.name.hasPrefix("token.") })
        var rng = RandomGenerator(seed: 4)
        let x = (0..<(4 * 15)).map { _ in rng.nextFloat(-1, 1) }
        let r = GradientCheck.check(network, input: x, batch: 4, epsilon: 1e-3, parameterJitter: 0.2)
        #expect(r.parameterError < 2e-2, "\(r)")
        #expect(r.inputError < 2e-2, "\(r)")
    }

    /// The classifier's body: per-token MLP then max-pool, one module, checked end to end.
    @Test func pooledTokenNetworkGradientMatchesFiniteDifferences() {
        let mlp = MLP(inputWidth: 2, outputWidth: 3, width: 6, hiddenLayers: 1, activation: .softplus, useBiases: true)
        let body = EncodedNetwork(encoding: PerTokenNetwork(mlp, tokens: 4), network: TokenMaxPool(tokens: 4, features: 3))
        let r = GradientCheck.check(body, input: SetLayersTests.separated(3 * 8, seed: 9), batch: 3, epsilon: 1e-3, parameterJitter: 0.2)
        #expect(r.parameterError < 2e-2, "\(r)")
        #expect(r.inputError < 2e-2, "\(r)")
    }
}

/// The transformer's layers: self-attention over tokens, the residual wrapper, and the module chain.
struct TransformerLayersTests {
    static func input(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(-1, 1) }
    }

    @Test func selfAttentionGradientMatchesFiniteDifferences() {
        let attention = TokenSelfAttention(tokens: 5, width: 6, heads: 2)
        #expect(attention.parameterCount == 4 * 36)
        let r = GradientCheck.check(attention, input: TransformerLayersTests.input(3 * 30, seed: 6), batch: 3, epsilon: 1e-3,
                                    parameterJitter: 0.3, maxParameters: 144)
        #expect(r.parameterError < 2e-2, "\(r)")
        #expect(r.inputError < 2e-2, "\(r)")
    }

    /// No positional encoding: permuting the tokens of a row permutes the output tokens the same way.
    @Test func selfAttentionIsPermutationEquivariant() {
        let attention = TokenSelfAttention(tokens: 4, width: 4, heads: 2)
        let store = DecoderTestSupport.bound(attention, jitter: 0.2)
        let x = TransformerLayersTests.input(16, seed: 8)
        let order = [2, 0, 3, 1]
        let permuted = order.flatMap { Array(x[($0 * 4)..<($0 * 4 + 4)]) }
        let y = DecoderTestSupport.forward(attention, x, batch: 1, context: nil, threads: 1)
        let yp = DecoderTestSupport.forward(attention, permuted, batch: 1, context: nil, threads: 1)
        for (i, t) in order.enumerated() {
            for f in 0..<4 { #expect(abs(yp[i * 4 + f] - y[t * 4 + f]) < 1e-5) }
        }
        _ = store
    }

    @Test func residualAndChainGradientsMatchFiniteDifferences() {
        let ff = PerTokenNetwork(MLP(inputWidth: 4, outputWidth: 4, width: 6, hiddenLayers: 1, activation: .softplus, useBiases: true), tokens: 3)
        let chain = ModuleChain([TokenSelfAttention(tokens: 3, width: 4, heads: 2), ResidualModule(ff),
                                 MLP(inputWidth: 12, outputWidth: 2, width: 5, hiddenLayers: 1, activation: .softplus, useBiases: true)])
        #expect(chain.parameterTensors.first?.name == "layer0.wq")
        #expect(chain.parameterTensors.contains { $0.name.hasPrefix("layer1.residual.token.") })
        // Float central differences through three layers: a looser bound than for one layer (each layer alone
        // is checked to 2e-2 above and in MLPTests).
        let r = GradientCheck.check(chain, input: TransformerLayersTests.input(4 * 12, seed: 12), batch: 4, epsilon: 5e-3,
                                    parameterJitter: 0.1, maxParameters: 300)
        #expect(r.parameterError < 4e-2, "\(r)")
        #expect(r.inputError < 2e-2, "\(r)")
    }
}
