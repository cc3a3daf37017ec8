import Foundation
import TensorCore
import Testing

/// Softmax cross-entropy: its value and its gradient against finite differences.
struct SoftmaxCrossEntropyTests {
    func loss(_ logits: [Float], _ labels: [Int32], classes: Int) -> (Float, [Float]) {
        var gradient = [Float](repeating: 0, count: logits.count)
        let value = SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels, classes: classes, batch: labels.count, gradient: &gradient)
        return (value, gradient)
    }

    @Test func uniformLogitsGiveLogClassesAndLargeLogitsStayFinite() {
        #expect(abs(loss([0, 0, 0, 0], [2], classes: 4).0 - Float(log(4.0))) < 1e-6)
        let (big, g) = loss([1000, 0, -1000], [0], classes: 3)
        #expect(big.isFinite && big < 1e-6)
        #expect(g.allSatisfy { $0.isFinite })
    }

    @Test func gradientMatchesFiniteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let classes = 5, labels: [Int32] = [0, 3, 4, 1]
        let logits = (0..<(classes * labels.count)).map { _ in rng.nextFloat(-2, 2) }
        let (_, analytic) = loss(logits, labels, classes: classes)
        for i in logits.indices {
            var up = logits, down = logits
            up[i] += 1e-2
            down[i] -= 1e-2
            let numeric = (loss(up, labels, classes: classes).0 - loss(down, labels, classes: classes).0) / 2e-2
            #expect(abs(numeric - analytic[i]) < 2e-3, "logit \(i): \(numeric) vs \(analytic[i])")
        }
    }
}
