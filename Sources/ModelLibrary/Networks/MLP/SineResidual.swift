import Foundation
import TensorCore

/// NeuRBF's sine-modulated first layer, applied to a dense layer's output z in place: z ← z + sin(z·n_j),
/// one frequency n_j per neuron, log-spaced: n_j = 2^linspace(log2 lo, log2 hi, width) (image [10, 100],
/// SDF [30, 300]). Its derivative 1 + n_j·cos(z·n_j) is saved for backward during training.
struct SineResidual {
    /// The per-neuron frequencies.
    let frequencies: FloatBuffer
    /// Neurons.
    let width: Int
    /// The configured [lowest, highest] frequencies.
    let range: ClosedRange<Float>

    /// Frequencies for `width` neurons between `range`'s bounds.
    init(width: Int, range: ClosedRange<Float>) {
        self.width = width
        self.range = range
        let lo = log2(Double(range.lowerBound)), hi = log2(Double(range.upperBound))
        frequencies = FloatBuffer((0..<width).map { j in
            Float(pow(2, width == 1 ? lo : lo + (hi - lo) * Double(j) / Double(width - 1)))
        })
    }

    /// z ← z + sin(z·n) on `rows` rows of `width`, saving 1 + n·cos(z·n) to `derivative` when given.
    func forward(_ z: UnsafeMutablePointer<Float>, rows: Int, derivative: UnsafeMutablePointer<Float>?) {
        let n = UnsafePointer(frequencies.pointer)
        for r in 0..<rows {
            let row = z + r &* width
            var c = 0
            while c < width {
                let lanes = min(8, width &- c)
                let f = SIMDLanes.load(n + c, lanes)
                let x = SIMDLanes.load(row + c, lanes)
                let sc = VectorMath.sincos(x * f)
                SIMDLanes.store(x + sc.sin, row + c, lanes)
                if let derivative { SIMDLanes.store(1 + f * sc.cos, derivative + (r &* width &+ c), lanes) }
                c &+= 8
            }
        }
    }

    /// g ← g ⊙ saved derivative over `count` floats.
    func backward(_ g: UnsafeMutablePointer<Float>, derivative: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { g[i] *= derivative[i] }
    }
}
