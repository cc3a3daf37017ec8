import Foundation
import TensorCore

/// tiny-cuda-nn's activation functions, with in-place SIMD kernels over raw rows.
///
/// Names match tcnn's (case-insensitive in configs). `Softplus` and `Squareplus` use tcnn's sharpness
/// K = 10: softplus(x) = ln(1 + e^{Kx})/K, squareplus(x) = (Kx + √((Kx)² + 4)) / (2K). `LeakyReLU` has
/// slope 0.01. `SiLU` is x·σ(x).
///
/// Backward uses the cheapest correct source: the activation's output for None, ReLU, LeakyReLU, Sigmoid,
/// Exponential, Tanh, Softplus and Squareplus (their derivative is a function of the output), and a
/// derivative saved by the training forward pass for Sine and SiLU (`savesDerivative`), so the backward
/// pass never evaluates sin/cos or the logistic again.
public enum Activation: String, CaseIterable, Sendable {
    /// Identity.
    case none = "None"
    /// max(x, 0).
    case relu = "ReLU"
    /// x for x > 0, 0.01·x otherwise.
    case leakyReLU = "LeakyReLU"
    /// 1 / (1 + e⁻ˣ).
    case sigmoid = "Sigmoid"
    /// eˣ.
    case exponential = "Exponential"
    /// ln(1 + e^{10x}) / 10.
    case softplus = "Softplus"
    /// sin x.
    case sine = "Sine"
    /// tanh x.
    case tanh = "Tanh"
    /// x·σ(x).
    case silu = "SiLU"
    /// (10x + √((10x)² + 4)) / 20.
    case squareplus = "Squareplus"

    /// The config spellings, in tcnn's case.
    public static let names: [String] = allCases.map(\.rawValue)

    /// The activation called `name` (any case), or nil.
    public init?(name: String) {
        let lower = name.lowercased()
        guard let a = Activation.allCases.first(where: { $0.rawValue.lowercased() == lower }) else { return nil }
        self = a
    }

    /// tcnn's sharpness for Softplus and Squareplus.
    public static let sharpness: Float = 10
    /// LeakyReLU's slope for negative inputs.
    public static let leakySlope: Float = 0.01

    /// Whether backward needs the derivative saved by the forward pass (else it reads the output).
    public var savesDerivative: Bool { self == .sine || self == .silu }

    // MARK: Scalar reference

    /// f(x), computed in Double (for tests and setup code, not hot loops).
    public func value(_ x: Double) -> Double {
        let k = Double(Activation.sharpness)
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : 0
        case .leakyReLU: return x > 0 ? x : Double(Activation.leakySlope) * x
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .exponential: return Foundation.exp(x)
        case .softplus: return max(x, 0) + Foundation.log1p(Foundation.exp(-k * abs(x))) / k
        case .sine: return Foundation.sin(x)
        case .tanh: return Foundation.tanh(x)
        case .silu: return x / (1 + Foundation.exp(-x))
        case .squareplus: let s = k * x; return 0.5 * (s + (s * s + 4).squareRoot()) / k
        }
    }

    // MARK: Forward kernels

    /// Applies the activation in place to `count` contiguous floats. When `derivative` is non-nil and the
    /// activation `savesDerivative`, also writes f'(x) there.
    public func forward(_ x: UnsafeMutablePointer<Float>, count: Int, derivative: UnsafeMutablePointer<Float>?) {
        if count <= 0 { return }
        let d = savesDerivative ? derivative : nil
        switch self {
        case .none: return
        case .relu: map(x, count, d) { z, _ in Activation.evaluate(.relu, z) }
        case .leakyReLU: map(x, count, d) { z, _ in Activation.evaluate(.leakyReLU, z) }
        case .sigmoid: map(x, count, d) { z, _ in Activation.evaluate(.sigmoid, z) }
        case .exponential: map(x, count, d) { z, _ in Activation.evaluate(.exponential, z) }
        case .softplus: map(x, count, d) { z, _ in Activation.evaluate(.softplus, z) }
        case .sine: map(x, count, d) { z, dz in Activation.evaluate(.sine, z, &dz) }
        case .tanh: map(x, count, d) { z, _ in Activation.evaluate(.tanh, z) }
        case .silu: map(x, count, d) { z, dz in Activation.evaluate(.silu, z, &dz) }
        case .squareplus: map(x, count, d) { z, _ in Activation.evaluate(.squareplus, z) }
        }
    }

    @inline(__always)
    private func map(_ x: UnsafeMutablePointer<Float>, _ count: Int, _ derivative: UnsafeMutablePointer<Float>?,
                     _ body: (SIMD8<Float>, inout SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i &+ 8 <= count {
            var d = SIMD8<Float>()
            let y = body(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self), &d)
            UnsafeMutableRawPointer(x + i).storeBytes(of: y, as: SIMD8<Float>.self)
            if let derivative { UnsafeMutableRawPointer(derivative + i).storeBytes(of: d, as: SIMD8<Float>.self) }
            i &+= 8
        }
        if i < count {
            let n = count &- i
            var d = SIMD8<Float>()
            let y = body(SIMDLanes.load(x + i, n), &d)
            SIMDLanes.store(y, x + i, n)
            if let derivative { SIMDLanes.store(d, derivative + i, n) }
        }
    }

    /// Adds `bias` (one value per column) to each of `rows` rows of `width` floats, then applies the
    /// activation in place (the derivative, when saved, goes to `derivative` with the same layout).
    public func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>,
                        derivative: UnsafeMutablePointer<Float>?) {
        let d = savesDerivative ? derivative : nil
        switch self {
        case .none: mapRows(x, rows, width, bias, d) { z, _ in z }
        case .relu: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.relu, z) }
        case .leakyReLU: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.leakyReLU, z) }
        case .sigmoid: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.sigmoid, z) }
        case .exponential: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.exponential, z) }
        case .softplus: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.softplus, z) }
        case .sine: mapRows(x, rows, width, bias, d) { z, dz in Activation.evaluate(.sine, z, &dz) }
        case .tanh: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.tanh, z) }
        case .silu: mapRows(x, rows, width, bias, d) { z, dz in Activation.evaluate(.silu, z, &dz) }
        case .squareplus: mapRows(x, rows, width, bias, d) { z, _ in Activation.evaluate(.squareplus, z) }
        }
    }

    /// `x[r][j] = body(x[r][j] + bias[j])` row by row, eight columns at a time.
    @inline(__always)
    private func mapRows(_ x: UnsafeMutablePointer<Float>, _ rows: Int, _ width: Int, _ bias: UnsafePointer<Float>,
                         _ derivative: UnsafeMutablePointer<Float>?,
                         _ body: (SIMD8<Float>, inout SIMD8<Float>) -> SIMD8<Float>) {
        let b = UnsafeMutablePointer(mutating: bias)
        for r in 0..<rows {
            let row = r &* width
            var j = 0
            while j < width {
                let n = min(8, width &- j)
                var d = SIMD8<Float>()
                let y = body(SIMDLanes.load(x + (row &+ j), n) + SIMDLanes.load(b + j, n), &d)
                SIMDLanes.store(y, x + (row &+ j), n)
                if let derivative { SIMDLanes.store(d, derivative + (row &+ j), n) }
                j &+= 8
            }
        }
    }

    /// f(z) for eight lanes.
    @inline(__always)
    static func evaluate(_ activation: Activation, _ z: SIMD8<Float>) -> SIMD8<Float> {
        var unused = SIMD8<Float>()
        return evaluate(activation, z, &unused)
    }

    /// f(z) for eight lanes; sets `derivative` to f'(z) for the activations that save it.
    @inline(__always)
    static func evaluate(_ activation: Activation, _ z: SIMD8<Float>, _ derivative: inout SIMD8<Float>) -> SIMD8<Float> {
        switch activation {
        case .none: return z
        case .relu: return z.replacing(with: 0, where: .!(z .> 0))
        case .leakyReLU: return z.replacing(with: Activation.leakySlope * z, where: .!(z .> 0))
        case .sigmoid: return VectorMath.sigmoid(z)
        case .exponential: return VectorMath.exp(z)
        case .softplus:
            let k = Activation.sharpness
            let a = z.replacing(with: -z, where: z .< 0)
            return z.replacing(with: 0, where: z .< 0) + VectorMath.log1pUnit(VectorMath.exp(-k * a)) / k
        case .sine:
            let sc = VectorMath.sincos(z)
            derivative = sc.cos
            return sc.sin
        case .tanh: return VectorMath.tanh(z)
        case .silu:
            let s = VectorMath.sigmoid(z)
            derivative = s * (1 + z * (1 - s))
            return z * s
        case .squareplus:
            let k = Activation.sharpness
            let s = k * z
            return 0.5 * (s + VectorMath.squareRoot(s * s + 4)) / k
        }
    }

    // MARK: Backward kernels

    /// `gradient *= f'` in place over `count` floats, given the forward output (`output`) and, for the
    /// activations that save it, the saved derivative.
    public func backward(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>,
                         derivative: UnsafePointer<Float>?, count: Int) {
        if self == .none { return }
        backward(from: UnsafePointer(gradient), output: output, derivative: derivative, into: gradient, count: count)
    }

    /// `result = gradient ⊙ f'` over `count` floats (`result` may equal `gradient`).
    public func backward(from gradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         derivative: UnsafePointer<Float>?, into result: UnsafeMutablePointer<Float>, count: Int) {
        if self == .none {
            if UnsafePointer(result) != gradient { result.update(from: gradient, count: count) }
            return
        }
        precondition(!savesDerivative || derivative != nil, "Activation.backward: \(rawValue) needs the saved derivative")
        let g = UnsafeMutablePointer(mutating: gradient)
        let y = UnsafeMutablePointer(mutating: output)
        switch self {
        case .none: return
        case .relu: zip(g, y, result, count) { dy, a in dy.replacing(with: 0, where: .!(a .> 0)) }
        case .leakyReLU: zip(g, y, result, count) { dy, a in dy.replacing(with: Activation.leakySlope * dy, where: .!(a .> 0)) }
        case .sigmoid: zip(g, y, result, count) { dy, a in dy * (a * (1 - a)) }
        case .exponential: zip(g, y, result, count) { dy, a in dy * a }
        case .tanh: zip(g, y, result, count) { dy, a in dy * (1 - a * a) }
        case .softplus: zip(g, y, result, count) { dy, a in dy * (1 - VectorMath.exp(-Activation.sharpness * a)) }
        case .squareplus:
            zip(g, y, result, count) { dy, a in
                let s = Activation.sharpness * a
                return dy * (s * s / (s * s + 1))
            }
        case .sine, .silu:
            zip(g, UnsafeMutablePointer(mutating: derivative!), result, count) { dy, d in dy * d }
        }
    }

    /// `result[i] = body(a[i], b[i])` eight lanes at a time.
    @inline(__always)
    private func zip(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ result: UnsafeMutablePointer<Float>,
                     _ count: Int, _ body: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i &+ 8 <= count {
            let r = body(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self),
                         UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            UnsafeMutableRawPointer(result + i).storeBytes(of: r, as: SIMD8<Float>.self)
            i &+= 8
        }
        if i < count {
            let n = count &- i
            SIMDLanes.store(body(SIMDLanes.load(a + i, n), SIMDLanes.load(b + i, n)), result + i, n)
        }
    }
}
