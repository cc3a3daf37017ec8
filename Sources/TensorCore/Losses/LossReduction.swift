/// The per-element part of an elementwise loss, eight elements at a time: each element's loss value and
/// its gradient with respect to the prediction, both before the `1/n` of the mean.
protocol ElementwiseLossKernel {
    /// Value and gradient for eight (prediction, target) pairs.
    static func evaluate(prediction p: SIMD8<Float>, target t: SIMD8<Float>) -> (value: SIMD8<Float>, gradient: SIMD8<Float>)
}

/// Runs an elementwise loss over a batch in parallel and reduces it deterministically.
///
/// The elements are cut into a fixed number of slots that depends only on the element count (never on the
/// thread count); each slot sums its values in a fixed order (8 float lanes, flushed into a Double every
/// 1024 elements) and the slot sums are added in slot order. So the value is bit-identical for any pool
/// size, and the gradient (elementwise) always is. Tails go through the same SIMD code with padding, so an
/// element's result never depends on where a block boundary falls.
final class LossReduction {
    /// The most slots a reduction is cut into.
    static let slots = 64
    private let partials: UnsafeMutablePointer<Double>

    init() {
        partials = .allocate(capacity: LossReduction.slots)
        partials.initialize(repeating: 0, count: LossReduction.slots)
    }

    deinit { partials.deallocate() }

    /// Mean loss over `count` elements; writes dL/dprediction of that mean into `gradient`.
    func run<K: ElementwiseLossKernel>(_ kernel: K.Type, prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
                                       gradient: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) -> Float {
        if count <= 0 { return 0 }
        let used = min(LossReduction.slots, (count + 1023) / 1024)
        let workers = min(pool.threads, used)
        let n = SIMD8<Float>(repeating: Float(count))
        let partials = self.partials
        pool.parallelFor(workers) { w in
            let s0 = WorkerPool.blockStart(w, of: workers, count: used)
            let s1 = WorkerPool.blockStart(w + 1, of: workers, count: used)
            for s in s0..<s1 {
                let e0 = WorkerPool.blockStart(s, of: used, count: count, granularity: 8)
                let e1 = WorkerPool.blockStart(s + 1, of: used, count: count, granularity: 8)
                var total: Double = 0
                var acc = SIMD8<Float>()
                var i = e0
                var sinceFlush = 0
                while i &+ 8 <= e1 {
                    let p = UnsafeRawPointer(prediction + i).loadUnaligned(as: SIMD8<Float>.self)
                    let t = UnsafeRawPointer(target + i).loadUnaligned(as: SIMD8<Float>.self)
                    let r = K.evaluate(prediction: p, target: t)
                    UnsafeMutableRawPointer(gradient + i).storeBytes(of: r.gradient / n, as: SIMD8<Float>.self)
                    acc += r.value
                    sinceFlush &+= 1
                    if sinceFlush == 128 {
                        total += Double(acc.sum())
                        acc = SIMD8<Float>()
                        sinceFlush = 0
                    }
                    i &+= 8
                }
                if i < e1 {
                    var p = SIMD8<Float>(), t = SIMD8<Float>()
                    let m = e1 &- i
                    for l in 0..<m { p[l] = prediction[i &+ l]; t[l] = target[i &+ l] }
                    let r = K.evaluate(prediction: p, target: t)
                    let g = r.gradient / n
                    for l in 0..<m { gradient[i &+ l] = g[l]; acc[l] += r.value[l] }
                }
                total += Double(acc.sum())
                partials[s] = total
            }
        }
        var total: Double = 0
        for s in 0..<used { total += partials[s] }
        return Float(total / Double(count))
    }
}

/// `copysign(magnitude, sign)` lane by lane (magnitude must be non-negative).
@inline(__always)
func copySign(_ magnitude: SIMD8<Float>, _ sign: SIMD8<Float>) -> SIMD8<Float> {
    let s = unsafeBitCast(sign, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x8000_0000)
    return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | s, to: SIMD8<Float>.self)
}

/// `|x|` lane by lane.
@inline(__always)
func absolute(_ x: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8(repeating: 0x7FFF_FFFF), to: SIMD8<Float>.self)
}
