import Foundation
import TensorCore

/// PolyCom's learnable polynomial activations (Zhuo et al., ICLR 2025) of order r (`degree`, 3 in the paper),
/// with r + 1 coefficients a0…ar per layer, stored in that order (init a0 = 0, a1 = … = ar = 1/r):
/// - `PolyReLU`: Σₖ aₖ·ReLU(x)ᵏ;
/// - `PolyNorm`: a0 + Σ_{k≥1} aₖ·N(xᵏ) with N(p) = p / √(mean_row(p²) + 1e-6), the mean taken over the
///   layer's width (the README's form; no gain).
///
/// Backward gives dL/dx and the coefficient gradients dL/daₖ = Σ dy ⊙ basisₖ over a block's rows and
/// columns. PolyNorm's forward saves each row's r values 1/√(…) (`rstd`, `[rows][r]`); its backward
/// recomputes N(xᵏ) = xᵏ·rstdₖ from the saved pre-activation. Kernels are Horner loops over the degree on
/// eight lanes, with per-degree accumulators on the stack: nothing allocates.
public enum PolyCom: String, CaseIterable, Sendable {
    /// Polynomial of the ReLU.
    case polyReLU = "PolyReLU"
    /// Sum of RMS-normalised powers.
    case polyNorm = "PolyNorm"

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// The activation called `name` (any case), or nil.
    public init?(name: String) {
        guard let p = PolyCom.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = p
    }

    /// The orders supported.
    public static let degrees: ClosedRange<Int> = 1...6
    /// The paper's order.
    public static let defaultDegree = 3
    /// PolyNorm's ε.
    static let epsilon: Float = 1e-6

    /// The initial coefficients a0…a_degree (0, then 1/degree each).
    public static func initialCoefficients(degree: Int) -> [Float] {
        [0] + [Float](repeating: 1 / Float(degree), count: degree)
    }

    /// Floats of saved state per row (PolyNorm's rstd per power).
    func savedPerRow(degree: Int) -> Int { self == .polyNorm ? degree : 0 }

    /// One row's activation in Double (for tests): `a` holds a0…a_degree.
    public func reference(_ x: [Double], _ a: [Double]) -> [Double] {
        let degree = a.count - 1
        switch self {
        case .polyReLU:
            return x.map { v in
                let r = max(v, 0)
                return (0...degree).reduce(0.0) { $0 + a[$1] * Foundation.pow(r, Double($1)) }
            }
        case .polyNorm:
            var y = [Double](repeating: a[0], count: x.count)
            for k in 1...max(degree, 1) where k <= degree {
                let p = x.map { Foundation.pow($0, Double(k)) }
                let rms = (p.map { $0 * $0 }.reduce(0, +) / Double(x.count) + Double(PolyCom.epsilon)).squareRoot()
                for j in x.indices { y[j] += a[k] * p[j] / rms }
            }
            return y
        }
    }

    /// Runs `body` with stack scratch for `count` eight-lane accumulators and `count` scalars (no heap).
    @inline(__always)
    private static func withScratch<R>(_ count: Int,
                                       _ body: (UnsafeMutablePointer<SIMD8<Float>>, UnsafeMutablePointer<Float>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 8) { lanes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { scalars in
                body(lanes.baseAddress!, scalars.baseAddress!)
            }
        }
    }

    // MARK: Forward

    /// `y = f(z)` on `rows` rows of `width` (densely packed; `y` may be `z`), with coefficients a0…a_degree.
    /// Saves `rstd` (PolyNorm, `[rows][degree]`) when given.
    func forward(_ z: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width: Int, degree: Int,
                 coefficients a: UnsafePointer<Float>, rstd: UnsafeMutablePointer<Float>?) {
        let a0 = SIMD8<Float>(repeating: a[0])
        switch self {
        case .polyReLU:
            let n = rows &* width
            var i = 0
            while i < n {
                let c = min(8, n &- i)
                let x = SIMDLanes.load(z + i, c)
                let r = x.replacing(with: 0, where: .!(x .> 0))
                var p = SIMD8<Float>(repeating: a[degree])
                var k = degree &- 1
                while k >= 1 { p = p * r + a[k]; k &-= 1 }
                SIMDLanes.store(a0 + r * p, y + i, c)
                i &+= 8
            }
        case .polyNorm:
            let inverseWidth = 1 / Float(width)
            PolyCom.withScratch(degree) { sums, scaled in
                for row in 0..<rows {
                    let zr = z + row &* width, yr = y + row &* width
                    for k in 0..<degree { sums[k] = SIMD8<Float>() }
                    var j = 0
                    while j < width {
                        let c = min(8, width &- j)
                        let x = SIMDLanes.load(zr + j, c)
                        var p = x
                        for k in 0..<degree { sums[k] += p * p; p *= x }
                        j &+= 8
                    }
                    // scaled[k] = a_k·rstd_k for k ≥ 1.
                    for k in 1...degree {
                        let inv = 1 / (sums[k &- 1].sum() * inverseWidth + PolyCom.epsilon).squareRoot()
                        rstd?[row &* degree &+ k &- 1] = inv
                        scaled[k] = a[k] * inv
                    }
                    j = 0
                    while j < width {
                        let c = min(8, width &- j)
                        let x = SIMDLanes.load(zr + j, c)
                        var p = SIMD8<Float>(repeating: scaled[degree])
                        var k = degree &- 1
                        while k >= 1 { p = p * x + scaled[k]; k &-= 1 }
                        SIMDLanes.store(a0 + x * p, yr + j, c)
                        j &+= 8
                    }
                }
            }
        }
    }

    // MARK: Backward

    /// `dz = J(z)ᵀ·dy` on `rows` rows of `width` (`dz` may be `dy`), and the coefficient gradients of the
    /// block: `coefficientGradient[k] (+)= Σ dy ⊙ basisₖ` for k = 0…degree (overwritten when `overwrite`).
    func backward(_ dy: UnsafePointer<Float>, preActivation z: UnsafePointer<Float>, rstd: UnsafePointer<Float>?,
                  rows: Int, width: Int, degree: Int, coefficients a: UnsafePointer<Float>,
                  into dz: UnsafeMutablePointer<Float>, coefficientGradient: UnsafeMutablePointer<Float>, overwrite: Bool) {
        PolyCom.withScratch(degree + 1) { sums, scalars in
            switch self {
            case .polyReLU:
                // scalars[k] = (k+1)·a_{k+1}: the derivative's Horner coefficients.
                for k in 0..<degree { scalars[k] = Float(k &+ 1) * a[k &+ 1] }
                for k in 0...degree { sums[k] = SIMD8<Float>() }
                let n = rows &* width
                var i = 0
                while i < n {
                    let c = min(8, n &- i)
                    let x = SIMDLanes.load(z + i, c), g = SIMDLanes.load(dy + i, c)
                    let positive = x .> 0
                    let r = x.replacing(with: 0, where: .!positive)
                    var p = g
                    for k in 0...degree { sums[k] += p; p *= r }
                    var d = SIMD8<Float>(repeating: scalars[degree &- 1])
                    var k = degree &- 2
                    while k >= 0 { d = d * r + scalars[k]; k &-= 1 }
                    SIMDLanes.store((g * d).replacing(with: 0, where: .!positive), dz + i, c)
                    i &+= 8
                }
                for k in 0...degree {
                    let s = sums[k].sum()
                    coefficientGradient[k] = overwrite ? s : coefficientGradient[k] + s
                }
            case .polyNorm:
                guard let rstd else { preconditionFailure("PolyNorm.backward needs the saved rstd") }
                let inverseWidth = 1 / Float(width)
                var totals = SIMD8<Float>()   // lanes 0…degree: this block's coefficient gradients
                let derivative = scalars, correction = scalars + 8
                for row in 0..<rows {
                    let zr = z + row &* width, dr = dy + row &* width, xr = dz + row &* width
                    for k in 0...degree { sums[k] = SIMD8<Float>() }
                    var j = 0
                    while j < width {
                        let c = min(8, width &- j)
                        let x = SIMDLanes.load(zr + j, c)
                        var p = SIMDLanes.load(dr + j, c)
                        for k in 0...degree { sums[k] += p; p *= x }
                        j &+= 8
                    }
                    // c_k = Σ dy·N(x^k) = rstd_k·Σ dy·x^k (the row's coefficient gradients).
                    // dx = dy·Σ_k k·a_k·rstd_k·x^{k−1} − x·Σ_k (k·a_k·rstd_k²·c_k/w)·(x²)^{k−1}.
                    totals[0] += sums[0].sum()
                    for k in 1...degree {
                        let inv = rstd[row &* degree &+ k &- 1]
                        let ck = sums[k].sum() * inv
                        totals[k] += ck
                        let slope = Float(k) * a[k] * inv
                        derivative[k &- 1] = slope
                        correction[k &- 1] = slope * inv * ck * inverseWidth
                    }
                    j = 0
                    while j < width {
                        let c = min(8, width &- j)
                        let x = SIMDLanes.load(zr + j, c), g = SIMDLanes.load(dr + j, c)
                        let x2 = x * x
                        var d = SIMD8<Float>(repeating: derivative[degree &- 1])
                        var m = SIMD8<Float>(repeating: correction[degree &- 1])
                        var k = degree &- 2
                        while k >= 0 { d = d * x + derivative[k]; m = m * x2 + correction[k]; k &-= 1 }
                        SIMDLanes.store(g * d - x * m, xr + j, c)
                        j &+= 8
                    }
                }
                for k in 0...degree { coefficientGradient[k] = overwrite ? totals[k] : coefficientGradient[k] + totals[k] }
            }
        }
    }
}
