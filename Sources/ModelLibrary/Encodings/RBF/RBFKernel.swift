/// The radial function of NeuRBF's adaptive kernels, with e = x − c:
/// - `inverseQuadratic` (NeuRBF `ivq_a`): φ = 1 / (1 + eᵀAe), A a full symmetric d×d matrix per kernel, stored
///   as its upper triangle (row by row: a00 a01 a11 in 2D; a00 a01 a02 a11 a12 a22 in 3D);
/// - `gaussian` (NeuRBF `gauss_a`): φ = exp(−½ eᵀAe), A stored as for `inverseQuadratic`;
/// - `tent` (NeuRBF `nlin_s`): φ = Π_dim max(0, 1 − |e_dim|·s), one scalar s per kernel.
public enum RBFKernel: String, CaseIterable, Sendable {
    /// Anisotropic inverse quadratic.
    case inverseQuadratic = "InverseQuadratic"
    /// Anisotropic Gaussian.
    case gaussian = "Gaussian"
    /// Isotropic tent (product of 1D hat functions).
    case tent = "Tent"

    /// The config spellings.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Shape numbers per kernel in `dimensions` dimensions.
    public func shapeWidth(dimensions d: Int) -> Int {
        switch self {
        case .inverseQuadratic, .gaussian: return d * (d + 1) / 2
        case .tent: return 1
        }
    }

    /// The index of A_ij (i ≤ j) in the upper-triangle storage for `d` dimensions.
    @inline(__always)
    static func triangleIndex(_ i: Int, _ j: Int, dimensions d: Int) -> Int {
        // Rows 0..<i hold d + (d−1) + … entries; then j − i into row i.
        i &* d &- (i &* (i &- 1)) / 2 &+ (j &- i)
    }
}
