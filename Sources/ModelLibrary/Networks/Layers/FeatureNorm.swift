import TensorCore

/// A per-row normalisation of a layer's features without learnable gain or bias (the following linear
/// layer absorbs both): `None`, `LayerNorm` (n = (x − mean) / √(var + 1e-5)) or `RMSNorm`
/// (n = x / √(mean(x²) + 1e-6), PolyCom's N without gain).
///
/// Kernels work on `rows` rows of `width` features, with a row stride `ld` (≥ width), so that a norm can run
/// on one half of a wider row. Forward saves `rstd` = 1/√(…) per row for the backward pass, which needs only
/// the normalised output and `rstd`: LayerNorm dx = rstd·(dn − mean(dn) − n·mean(dn⊙n)), RMSNorm
/// dx = rstd·(dn − n·mean(dn⊙n)).
public enum FeatureNorm: String, CaseIterable, Sendable {
    /// No normalisation.
    case none = "None"
    /// Centred and scaled to unit variance.
    case layerNorm = "LayerNorm"
    /// Scaled to unit root-mean-square.
    case rmsNorm = "RMSNorm"

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// The norm called `name` (any case), or nil.
    public init?(name: String) {
        guard let n = FeatureNorm.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = n
    }

    /// The ε under the square root.
    var epsilon: Float { self == .layerNorm ? 1e-5 : 1e-6 }

    /// `n = norm(x)` row by row (`x` and `n` may be the same memory; with `.none` a copy, skipped when they are).
    /// Writes each row's 1/√(…) to `rstd[r]` when given.
    func forward(_ x: UnsafePointer<Float>, ldx: Int, into n: UnsafeMutablePointer<Float>, ldn: Int,
                 rows: Int, width: Int, rstd: UnsafeMutablePointer<Float>?) {
        if self == .none {
            if UnsafePointer(n) == x && ldx == ldn { return }
            for r in 0..<rows { (n + r &* ldn).update(from: x + r &* ldx, count: width) }
            return
        }
        let inverseWidth = 1 / Float(width)
        let center = self == .layerNorm
        for r in 0..<rows {
            let xr = x + r &* ldx, nr = n + r &* ldn
            var mean: Float = 0
            if center {
                var s = SIMD8<Float>()
                var j = 0
                while j < width { let c = min(8, width &- j); s += SIMDLanes.load(xr + j, c); j &+= 8 }
                mean = s.sum() * inverseWidth
            }
            let m = SIMD8<Float>(repeating: mean)
            var q = SIMD8<Float>()
            var j = 0
            while j &+ 8 <= width { let d = SIMDLanes.load(xr + j, 8) - m; q += d * d; j &+= 8 }
            if j < width {
                let c = width &- j
                var d = SIMDLanes.load(xr + j, c) - m
                for l in c..<8 { d[l] = 0 }
                q += d * d
            }
            let inv = 1 / (q.sum() * inverseWidth + epsilon).squareRoot()
            rstd?[r] = inv
            let iv = SIMD8<Float>(repeating: inv)
            j = 0
            while j < width {
                let c = min(8, width &- j)
                SIMDLanes.store((SIMDLanes.load(xr + j, c) - m) * iv, nr + j, c)
                j &+= 8
            }
        }
    }

    /// The gradient through the norm: `dx = J(n)ᵀ·dn` from the normalised output `n` and the saved `rstd`.
    /// Overwrites `dx` (which may be `dn`), or adds to it when `accumulate`. With `.none`, dx (+)= dn.
    func backward(_ dn: UnsafePointer<Float>, ldd: Int, normalized n: UnsafePointer<Float>, ldn: Int,
                  rstd: UnsafePointer<Float>, rows: Int, width: Int,
                  into dx: UnsafeMutablePointer<Float>, ldx: Int, accumulate: Bool) {
        if self == .none && !accumulate && UnsafePointer(dx) == dn && ldx == ldd { return }
        let inverseWidth = 1 / Float(width)
        let center = self == .layerNorm
        for r in 0..<rows {
            let dr = dn + r &* ldd, nr = n + r &* ldn, xr = dx + r &* ldx
            var meanD: Float = 0, meanDN: Float = 0, inv: Float = 1
            if self != .none {
                var sd = SIMD8<Float>(), sdn = SIMD8<Float>()
                var j = 0
                while j < width {
                    let c = min(8, width &- j)
                    let d = SIMDLanes.load(dr + j, c)
                    sd += d
                    sdn += d * SIMDLanes.load(nr + j, c)
                    j &+= 8
                }
                meanD = center ? sd.sum() * inverseWidth : 0
                meanDN = sdn.sum() * inverseWidth
                inv = rstd[r]
            }
            let md = SIMD8<Float>(repeating: meanD), mdn = SIMD8<Float>(repeating: meanDN), iv = SIMD8<Float>(repeating: inv)
            var j = 0
            while j < width {
                let c = min(8, width &- j)
                var g = SIMDLanes.load(dr + j, c)
                if self != .none { g = iv * (g - md - SIMDLanes.load(nr + j, c) * mdn) }
                if accumulate { g += SIMDLanes.load(xr + j, c) }
                SIMDLanes.store(g, xr + j, c)
                j &+= 8
            }
        }
    }
}
