/// How AF-KAN combines its two activations s₁ = act(x − low_j), s₂ = act(high_j − x) into basis j
/// (All-KAN's `func`; quad1 is the paper's default).
public enum AFKANFunction: String, CaseIterable, Sendable {
    /// (s₁s₂)².
    case quad1
    /// s₁s₂ + s₁² + s₂².
    case quad2
    /// s₁ + s₂.
    case sum
    /// s₁s₂.
    case prod
    /// s₁ + s₂ + s₁s₂.
    case sumProd = "sum_prod"
    /// (s₁ + s₂)(s₁² + s₂²).
    case cubic1
    /// (s₁s₂)³.
    case cubic2

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// F(s₁, s₂) for eight lanes.
    @inline(__always)
    func value(_ s1: SIMD8<Float>, _ s2: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .quad1: let p = s1 * s2; return p * p
        case .quad2: return s1 * s2 + s1 * s1 + s2 * s2
        case .sum: return s1 + s2
        case .prod: return s1 * s2
        case .sumProd: return s1 + s2 + s1 * s2
        case .cubic1: return (s1 + s2) * (s1 * s1 + s2 * s2)
        case .cubic2: let p = s1 * s2; return p * p * p
        }
    }

    /// (∂F/∂s₁, ∂F/∂s₂) for eight lanes.
    @inline(__always)
    func partials(_ s1: SIMD8<Float>, _ s2: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        switch self {
        case .quad1: let p = 2 * s1 * s2; return (p * s2, p * s1)
        case .quad2: return (s2 + 2 * s1, s1 + 2 * s2)
        case .sum: return (SIMD8(repeating: 1), SIMD8(repeating: 1))
        case .prod: return (s2, s1)
        case .sumProd: return (1 + s2, 1 + s1)
        case .cubic1:
            let q = s1 * s1 + s2 * s2, l = s1 + s2
            return (q + 2 * s1 * l, q + 2 * s2 * l)
        case .cubic2: let p = s1 * s2; let p2 = 3 * p * p; return (p2 * s2, p2 * s1)
        }
    }
}

/// AF-KAN's min-max normalisation of the basis values F (`normalization`).
///
/// The paper divides F by its L2 norm and then min-max scales it, both over the **whole batch tensor**.
/// The L2 step cancels exactly under min-max, so only min-max matters; but a batch-global min-max makes a
/// sample's output depend on the other samples in its batch, so a field rendered in chunks would not match
/// the field trained (and training batches differ from evaluation batches). We therefore min-max over each
/// sample's own D·(G + K) basis values: batch-independent, identical in training and inference, and the
/// same function for every batch size; gradients flow through the min and max entries exactly as autograd
/// does through `min()`/`max()`.
public enum AFKANNormalization: String, CaseIterable, Sendable {
    /// Per-sample min-max over the D·(G + K) basis values (default).
    case sample
    /// No normalisation of F.
    case none

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)
}
