/// Which KAN-family layer a `KANNetwork` stacks, with that layer type's options.
public enum KANVariant: Sendable, Equatable {
    /// `"KAN"`: efficient-KAN's B-spline layer, y = W_base·act(x) + W_spline·B(x).
    case bSpline(BSplineKANOptions)
    /// `"GRKAN"`: KAT's group-rational layer, y = W·F(x) (+ b) with a group-shared safe rational F.
    case groupRational(GroupRationalKANOptions)
    /// `"AFKAN"`: AF-KAN's activation-function-basis layer with global attention and LayerNorm.
    case activationFunction(AFKANOptions)
    /// `"SKAN"`: LSS-SKAN's single-parameter layer, y_j = Σ_i f(x_i; k_ji).
    case singleParameter(SKANOptions)

    /// The config otype of this layer type.
    public var otype: String {
        switch self {
        case .bSpline: return "KAN"
        case .groupRational: return "GRKAN"
        case .activationFunction: return "AFKAN"
        case .singleParameter: return "SKAN"
        }
    }
}

/// Options of the B-spline KAN layer (`"otype": "KAN"`).
public struct BSplineKANOptions: Sendable, Equatable {
    /// Grid intervals G over `gridRange` (`grid_size`, 5).
    public var gridSize: Int
    /// Spline order (polynomial degree) k (`spline_order`, 3); each input has G + k bases.
    public var splineOrder: Int
    /// The range the uniform grid covers (`grid_range`, [-1, 1]); bases reach k intervals beyond it.
    public var gridRange: ClosedRange<Float>
    /// The activation of the base branch (`base_activation`, SiLU).
    public var baseActivation: Activation

    /// Options with efficient-KAN's defaults.
    public init(gridSize: Int = 5, splineOrder: Int = 3, gridRange: ClosedRange<Float> = -1...1,
                baseActivation: Activation = .silu) {
        self.gridSize = gridSize
        self.splineOrder = splineOrder
        self.gridRange = gridRange
        self.baseActivation = baseActivation
    }
}

/// Options of the group-rational KAN layer (`"otype": "GRKAN"`).
public struct GroupRationalKANOptions: Sendable, Equatable {
    /// Coefficient groups per layer (`groups`, 8); must divide `n_neurons`. The first layer, which acts on
    /// the encoded input, uses gcd(groups, input width) groups.
    public var groups: Int
    /// The fit the hidden and output layers' rationals start from (`rational_init`, swish).
    public var rationalInit: RationalInit
    /// The fit the first layer's rational starts from (`input_rational_init`, identity, as KAT's first rational).
    public var inputRationalInit: RationalInit
    /// Whether the linear parts have biases (`use_biases`, true as KAT's `nn.Linear`).
    public var useBiases: Bool

    /// Options with KAT's defaults.
    public init(groups: Int = 8, rationalInit: RationalInit = .swish, inputRationalInit: RationalInit = .identity,
                useBiases: Bool = true) {
        self.groups = groups
        self.rationalInit = rationalInit
        self.inputRationalInit = inputRationalInit
        self.useBiases = useBiases
    }
}

/// Options of the AF-KAN layer (`"otype": "AFKAN"`).
public struct AFKANOptions: Sendable, Equatable {
    /// Grid size G (`grid_size`, 3); each input gets G + K activation-function bases.
    public var gridSize: Int
    /// Order K (`spline_order`, 3).
    public var order: Int
    /// How two activations make a basis (`function`, quad1).
    public var function: AFKANFunction
    /// The activation inside the bases and before the linear map (`base_activation`, SiLU).
    public var baseActivation: Activation
    /// The min-max normalisation of the bases (`normalization`, sample).
    public var normalization: AFKANNormalization

    /// Options with AF-KAN's defaults.
    public init(gridSize: Int = 3, order: Int = 3, function: AFKANFunction = .quad1, baseActivation: Activation = .silu,
                normalization: AFKANNormalization = .sample) {
        self.gridSize = gridSize
        self.order = order
        self.function = function
        self.baseActivation = baseActivation
        self.normalization = normalization
    }
}

/// Options of the single-parameter KAN layer (`"otype": "SKAN"`).
public struct SKANOptions: Sendable, Equatable {
    /// The basis of each output node, cycling: node j of every layer uses `bases[j % bases.count]`
    /// (`basis`: one name or a list; "lss").
    public var bases: [SKANBasis]
    /// Whether each node has the bias edge f(1; k) (`use_biases`, true as LSS-SKAN).
    public var useBiases: Bool

    /// Options with LSS-SKAN's defaults.
    public init(bases: [SKANBasis] = [.lss], useBiases: Bool = true) {
        precondition(!bases.isEmpty, "SKANOptions: at least one basis")
        self.bases = bases
        self.useBiases = useBiases
    }
}
