import FieldIO
import Foundation
import ModelLibrary
import TensorCore

/// A classifier of sets of tokens (the tri-plane's 48 plane channels, or a point cloud's points) built from the
/// model library: a shared per-token MLP or a transformer encoder over the tokens, max-pooling over the tokens (so
/// the token order does not matter, as in the tri-plane paper's channel-permutation-invariant models and PointNet),
/// and an MLP head giving class logits.
/// Trained with Adam on softmax cross-entropy, in seeded shuffled mini-batches.
final class SetClassifier {
    /// The per-token part of the network.
    enum Architecture: String, CaseIterable {
        /// A shared per-token MLP (the paper's per-channel MLP; PointNet's shared MLP).
        case mlp
        /// A linear token embedding, then transformer encoder layers (multi-head self-attention and a feed-forward
        /// MLP, each with a residual connection; no positional encoding), as the paper's main model.
        case transformer
    }

    /// Hyper-parameters.
    struct Settings {
        /// The per-token part of the network.
        var architecture = Architecture.mlp
        /// Transformer: encoder layers and attention heads (the token width is `tokenFeatures`).
        var layers = 2
        var heads = 4
        /// Width of the per-token features after pooling.
        var tokenFeatures = 128
        /// Hidden width of the per-token MLP and of the head.
        var hidden = 128
        /// Passes over the training set.
        var epochs = 60
        /// Items per step.
        var batchSize = 8
        /// Adam's learning rate.
        var learningRate: Float = 1e-3
        /// Seed of the initialisation and the mini-batch order.
        var seed: UInt64 = 1
    }

    let tokens: Int
    let tokenWidth: Int
    let classes: Int
    let settings: Settings
    let trainer: Trainer

    /// A classifier of rows of `tokens` tokens of `tokenWidth` floats into `classes` classes.
    init(tokens: Int, tokenWidth: Int, classes: Int, settings: Settings) {
        self.tokens = tokens
        self.tokenWidth = tokenWidth
        self.classes = classes
        self.settings = settings
        let model = SetClassifier.model(settings.architecture, tokens: tokens, tokenWidth: tokenWidth, classes: classes, settings: settings)
        // The trainer's loss is unused: `train` steps with softmax cross-entropy through `step(lossGradient:)`.
        var adam = Adam.Settings()
        adam.learningRate = settings.learningRate
        trainer = Trainer(model: model, loss: L2(), optimizer: Adam(settings: adam),
                          batchCapacity: settings.batchSize, seed: settings.seed)
    }

    /// The network: the per-token part (`architecture`), max-pooling over the tokens, an MLP head to the logits.
    static func model(_ architecture: Architecture, tokens: Int, tokenWidth: Int, classes: Int, settings: Settings) -> ModuleChain {
        var modules: [DifferentiableModule] = []
        let features = settings.tokenFeatures
        switch architecture {
        case .mlp:
            modules.append(PerTokenNetwork(MLP(inputWidth: tokenWidth, outputWidth: features, width: settings.hidden, hiddenLayers: 1,
                                               activation: .relu, outputActivation: .relu, useBiases: true), tokens: tokens))
        case .transformer:
            modules.append(PerTokenNetwork(MLP(inputWidth: tokenWidth, outputWidth: features, width: features, hiddenLayers: 0,
                                               activation: .none, outputActivation: .none, useBiases: true), tokens: tokens))
            for _ in 0..<settings.layers {
                modules.append(TokenSelfAttention(tokens: tokens, width: features, heads: settings.heads))
                modules.append(ResidualModule(PerTokenNetwork(MLP(inputWidth: features, outputWidth: features, width: 2 * features, hiddenLayers: 1,
                                                                  activation: .relu, outputActivation: .none, useBiases: true), tokens: tokens)))
            }
        }
        modules.append(TokenMaxPool(tokens: tokens, features: features))
        modules.append(MLP(inputWidth: features, outputWidth: classes, width: settings.hidden, hiddenLayers: 1,
                           activation: .relu, outputActivation: .none, useBiases: true))
        return ModuleChain(modules)
    }

    /// Trains on `inputs` (`[n, tokens·tokenWidth]`) with `labels`; returns the mean loss of each epoch.
    func train(inputs: [Float], labels: [Int], pool: WorkerPool, progress: (Int, Float) -> Void = { _, _ in }) -> [Float] {
        let n = labels.count, width = tokens * tokenWidth, b = settings.batchSize
        var order = Array(0..<n)
        var rng = RandomGenerator(seed: settings.seed, stream: 0xC1A55)
        let batchInput = FloatBuffer(count: b * width)
        let batchLabels = UnsafeMutablePointer<Int32>.allocate(capacity: b)
        defer { batchLabels.deallocate() }
        var curve: [Float] = []
        inputs.withUnsafeBufferPointer { x in
            for epoch in 0..<settings.epochs {
                for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
                var total: Float = 0, steps = 0
                var start = 0
                while start < n {
                    let count = min(b, n - start)
                    for k in 0..<count {
                        (batchInput.pointer + k * width).update(from: x.baseAddress! + order[start + k] * width, count: width)
                        batchLabels[k] = Int32(labels[order[start + k]])
                    }
                    total += trainer.step(input: batchInput.pointer, batch: count, pool: pool) { logits, gradient in
                        SoftmaxCrossEntropy.evaluate(logits: logits, labels: batchLabels, classes: classes, batch: count, gradient: gradient)
                    }
                    steps += 1
                    start += count
                }
                curve.append(total / Float(max(steps, 1)))
                progress(epoch + 1, curve.last!)
            }
        }
        return curve
    }

    /// The predicted class of each row of `inputs`.
    func predict(inputs: [Float], pool: WorkerPool) -> [Int] {
        let n = inputs.count / (tokens * tokenWidth)
        var logits = [Float](repeating: 0, count: n * classes)
        inputs.withUnsafeBufferPointer { x in
            logits.withUnsafeMutableBufferPointer { out in
                trainer.infer(input: x.baseAddress!, output: out.baseAddress!, batch: n, pool: pool)
            }
        }
        return (0..<n).map { i in
            let row = logits[(i * classes)..<((i + 1) * classes)]
            return row.indices.max { row[$0] < row[$1] }! - i * classes
        }
    }
}
