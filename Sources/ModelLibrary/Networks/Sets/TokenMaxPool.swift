import TensorCore

/// Max-pooling over the tokens of a row (PointNet's symmetric function; the tri-plane paper's pooling over
/// plane-channel tokens): `[batch, T·w]` → `[batch, w]`, each output the largest of its feature over the T
/// tokens, so the result does not depend on the tokens' order. Backward sends each gradient to the token that
/// won (the first one on ties). No parameters.
public final class TokenMaxPool: ParameterFreeModule {
    /// Tokens per row.
    public let tokens: Int
    /// Features per token.
    public let features: Int

    /// Pooling of `tokens` tokens of `features` floats.
    public init(tokens: Int, features: Int) {
        precondition(tokens >= 1 && features >= 1, "TokenMaxPool: invalid shape")
        self.tokens = tokens
        self.features = features
    }

    public var inputWidth: Int { tokens * features }
    public var outputWidth: Int { features }

    /// The winning token of every output, saved by a training forward.
    final class Winners: ModuleContext {
        let index: UnsafeMutablePointer<Int32>
        init(capacity: Int, features: Int) {
            index = .allocate(capacity: max(1, capacity * features))
            index.initialize(repeating: 0, count: max(1, capacity * features))
            super.init(capacity: capacity)
        }
        deinit { index.deallocate() }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Winners(capacity: capacity, features: features) }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let winners = (context as? Winners)?.index
        let w = features, rowWidth = tokens * features
        for b in 0..<batch {
            let row = input + b &* rowWidth, out = output + b &* w
            for f in 0..<w {
                var best = row[f], at: Int32 = 0
                for t in 1..<max(tokens, 1) where row[t &* w &+ f] > best {
                    best = row[t &* w &+ f]
                    at = Int32(t)
                }
                out[f] = best
                winners?[b &* w &+ f] = at
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Winners else { preconditionFailure("TokenMaxPool: wrong context type") }
        guard let dx = inputGradient else { return }
        let w = features, rowWidth = tokens * features
        dx.update(repeating: 0, count: batch * rowWidth)
        for b in 0..<batch {
            for f in 0..<w {
                let t = Int(ctx.index[b &* w &+ f])
                dx[b &* rowWidth &+ t &* w &+ f] = outputGradient[b &* w &+ f]
            }
        }
    }
}
