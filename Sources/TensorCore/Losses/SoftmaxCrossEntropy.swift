import Foundation

/// Softmax cross-entropy for classification: rows of `classes` logits and one integer label per row.
/// The mean over the rows of −log softmax(logits)[label]; its gradient is (softmax − one-hot) / rows.
/// Computed with the row maximum subtracted, so large logits do not overflow. Allocates nothing.
public enum SoftmaxCrossEntropy {
    /// The mean loss over `batch` rows; writes dL/dlogits into `gradient` (`[batch, classes]`).
    public static func evaluate(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, classes: Int, batch: Int,
                                gradient: UnsafeMutablePointer<Float>) -> Float {
        var total = 0.0
        let scale = 1 / Float(max(batch, 1))
        for b in 0..<batch {
            let z = logits + b &* classes, g = gradient + b &* classes
            var top = z[0]
            for c in 1..<max(classes, 1) { top = max(top, z[c]) }
            var sum: Float = 0
            for c in 0..<classes { g[c] = exp(z[c] - top); sum += g[c] }
            let label = Int(labels[b])
            total += Double(log(sum) - (z[label] - top))
            for c in 0..<classes { g[c] = (g[c] / sum - (c == label ? 1 : 0)) * scale }
        }
        return Float(total / Double(max(batch, 1)))
    }
}
