/// A training loss over a batch of predictions and targets (tiny-cuda-nn's `Loss`).
public protocol Loss: AnyObject {
    /// The loss's name as it appears in configs (`L2`, `Huber`, ...).
    var name: String { get }
    /// Computes the mean loss over `count` elements and writes dL/dprediction (for that mean) into `gradient`.
    /// Deterministic for a given pool size; allocates nothing.
    func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                  gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float
}
