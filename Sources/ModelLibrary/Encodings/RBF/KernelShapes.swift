import Foundation

/// Kernel shapes from covariances, and the clipping NeuRBF applies to them (A.2): each kernel's width
/// kw = √Σ_ii is held in [`minimumWidth`, `maximumWidth`] and each correlation |Σ_ij| ≤ 0.999·√(Σ_ii Σ_jj);
/// then `inverseQuadratic` and `gaussian` store A = Σ⁻¹, `tent` stores s = 1/kw with kw² = 4·mean(Σ_ii) (φ = ½ at the
/// cluster's width). Coordinates are the encoding's [0, 1]^d.
public struct KernelShapes: Sendable {
    /// The radial function.
    public var kernel: RBFKernel
    /// 2 or 3.
    public var dimensions: Int
    /// The smallest kernel width kw.
    public var minimumWidth: Double
    /// The largest kernel width kw.
    public var maximumWidth: Double

    /// Clipping for `count` kernels in [0, 1]^d: widths between 1/200 of a regular lattice's spacing
    /// (NeuRBF: (cmax − cmin)/dims/2/100, with the lattice of `count` kernels standing in for the pixel grid)
    /// and 1/10 of the domain.
    public init(kernel: RBFKernel, dimensions: Int, count: Int) {
        self.kernel = kernel
        self.dimensions = dimensions
        let spacing = 1 / Double(max(count, 1)).squareRootOrCubeRoot(dimensions)
        minimumWidth = spacing / 200
        maximumWidth = 0.1
    }

    /// Shape numbers (`kernel.shapeWidth`) from a covariance Σ (`d×d`, row-major, already divided by α).
    public func shape(covariance: [Double]) -> [Float] {
        let d = dimensions
        var sigma = covariance
        switch kernel {
        case .tent:
            var mean = 0.0
            for i in 0..<d { mean += sigma[i * d + i] }
            let kw = (4 * max(mean / Double(d), 0)).squareRoot()
            return [Float(1 / min(max(kw, minimumWidth), maximumWidth))]
        case .inverseQuadratic, .gaussian:
            clip(&sigma)
            let a = KernelShapes.inverse(sigma, d)
            var out = [Float](repeating: 0, count: kernel.shapeWidth(dimensions: d))
            for i in 0..<d { for j in i..<d { out[RBFKernel.triangleIndex(i, j, dimensions: d)] = Float(a[i * d + j]) } }
            return out
        }
    }

    /// Clips a trained kernel's shape numbers in place; returns whether anything changed.
    @discardableResult
    public func clip(shape: UnsafeMutablePointer<Float>) -> Bool {
        let d = dimensions
        switch kernel {
        case .tent:
            let s = shape[0]
            let clipped = min(max(s, Float(1 / maximumWidth)), Float(1 / minimumWidth))
            shape[0] = clipped.isFinite ? clipped : Float(1 / maximumWidth)
            return shape[0] != s
        case .inverseQuadratic, .gaussian:
            var a = [Double](repeating: 0, count: d * d)
            for i in 0..<d { for j in i..<d {
                let v = Double(shape[RBFKernel.triangleIndex(i, j, dimensions: d)])
                a[i * d + j] = v; a[j * d + i] = v
            } }
            var sigma = KernelShapes.inverse(a, d)
            let before = sigma
            if !sigma.allSatisfy(\.isFinite) || KernelShapes.determinant(a, d) <= 0 {
                sigma = [Double](repeating: 0, count: d * d)
                for i in 0..<d { sigma[i * d + i] = maximumWidth * maximumWidth }
            }
            clip(&sigma)
            if sigma == before { return false }
            let fixed = KernelShapes.inverse(sigma, d)
            for i in 0..<d { for j in i..<d { shape[RBFKernel.triangleIndex(i, j, dimensions: d)] = Float(fixed[i * d + j]) } }
            return true
        }
    }

    /// Widths into range, correlations below 0.999 (halved further until Σ is positive definite).
    func clip(_ sigma: inout [Double]) {
        let d = dimensions
        for i in 0..<d {
            let v = sigma[i * d + i]
            let kw = v.isFinite && v > 0 ? v.squareRoot() : minimumWidth
            let c = min(max(kw, minimumWidth), maximumWidth)
            if c != kw || !(v > 0) { sigma[i * d + i] = c * c }
        }
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) {
            let limit = 0.999 * (sigma[i * d + i] * sigma[j * d + j]).squareRoot()
            let v = sigma[i * d + j].isFinite ? sigma[i * d + j] : 0
            let c = min(max(v, -limit), limit)
            sigma[i * d + j] = c; sigma[j * d + i] = c
        } }
        var tries = 0
        while KernelShapes.determinant(sigma, d) <= 0 && tries < 30 {
            for i in 0..<d { for j in 0..<d where i != j { sigma[i * d + j] *= 0.5 } }
            tries += 1
        }
    }

    /// det of a 2×2 or 3×3 row-major matrix.
    static func determinant(_ m: [Double], _ d: Int) -> Double {
        if d == 2 { return m[0] * m[3] - m[1] * m[2] }
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    /// The inverse of a 2×2 or 3×3 row-major matrix (by cofactors).
    static func inverse(_ m: [Double], _ d: Int) -> [Double] {
        let det = determinant(m, d)
        if d == 2 { return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det] }
        var r = [Double](repeating: 0, count: 9)
        r[0] = (m[4] * m[8] - m[5] * m[7]) / det
        r[1] = (m[2] * m[7] - m[1] * m[8]) / det
        r[2] = (m[1] * m[5] - m[2] * m[4]) / det
        r[3] = (m[5] * m[6] - m[3] * m[8]) / det
        r[4] = (m[0] * m[8] - m[2] * m[6]) / det
        r[5] = (m[2] * m[3] - m[0] * m[5]) / det
        r[6] = (m[3] * m[7] - m[4] * m[6]) / det
        r[7] = (m[1] * m[6] - m[0] * m[7]) / det
        r[8] = (m[0] * m[4] - m[1] * m[3]) / det
        return r
    }
}

extension Double {
    /// √self for d = 2, ∛self for d = 3.
    func squareRootOrCubeRoot(_ d: Int) -> Double { d == 2 ? squareRoot() : Foundation.cbrt(self) }
}
