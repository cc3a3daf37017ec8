/// How a `TriPlaneEncoding` combines the features its planes return for one point at one level.
public enum TriPlaneReduction: String, CaseIterable, Sendable {
    /// f = f_xy + f_xz + f_yz (the tri-plane paper's choice): width F per level.
    case sum = "Sum"
    /// f = [f_xy, f_xz, f_yz]: width P·F per level.
    case concatenation = "Concatenation"
    /// f = f_xy ⊙ f_xz ⊙ f_yz (element-wise, as in K-planes): width F per level.
    case product = "Product"

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)
}
