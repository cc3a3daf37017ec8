import FieldIO

/// How a NeRF scene is marched and trained (the scene's `nerf` object), instant-ngp's values by default.
public struct RadianceSettings: Equatable, Sendable {
    /// Occupancy grid cells per axis per cascade (instant-ngp: 128).
    public var gridResolution = 128
    /// Steps between occupancy grid updates (instant-ngp: 16).
    public var gridUpdateEvery = 16
    /// Ray-marching steps across the unit cube's diagonal (instant-ngp: 1024).
    public var stepsPerDiagonal = 1024
    /// The most samples one training ray may take (instant-ngp: 1024).
    public var maxSamplesPerRay = 1024
    /// Cone angle for step growth with distance (nil: instant-ngp's rule, 0 for aabb_scale 1, else 1/256).
    public var coneAngle: Double?
    /// Background colour for evaluation and renders (training uses a random one per ray).
    public var background = SIMD3<Float>(1, 1, 1)
    /// Steps of the hash-grid pre-fit whose density places NeuRBF kernels (`NeRFKernelPrefit`); 0 keeps the
    /// kernels on their lattice. Only read when the model has an RBF encoding.
    public var rbfInitSteps = 300
    /// Whether the fit loop evaluates before the first step (off: no dead time before training starts).
    public var evalAtStart = false
    /// Test rays each periodic evaluation renders: a fixed random subset of the held-out pixels, the same
    /// every time so the curve is comparable (0: every pixel of every test view). The final evaluation
    /// always renders the full test views.
    public var evalRays = 4096
    /// Near plane: rays start this far (unit-cube units, along the ray) from the camera, in training and
    /// rendering (instant-ngp's `near_distance`; 0 starts them where they enter the scene box).
    public var near = 0.0

    public init() {}

    /// Reads the `nerf` object.
    init(_ object: ConfigObject?) throws(FieldError) {
        guard let o = object else { return }
        gridResolution = try o.int("grid_resolution", default: gridResolution, in: 8...512)
        guard gridResolution % 8 == 0 else { throw o.error("grid_resolution", "expected a multiple of 8, got \(gridResolution)") }
        gridUpdateEvery = try o.int("grid_update_every", default: gridUpdateEvery, in: 1...100_000)
        stepsPerDiagonal = try o.int("steps_per_diagonal", default: stepsPerDiagonal, in: 16...16384)
        maxSamplesPerRay = try o.int("max_samples_per_ray", default: maxSamplesPerRay, in: 1...16384)
        rbfInitSteps = try o.int("rbf_init_steps", default: rbfInitSteps, in: 0...1_000_000)
        evalAtStart = try o.bool("eval_at_start", default: evalAtStart)
        evalRays = try o.int("eval_rays", default: evalRays, in: 0...100_000_000)
        near = try o.double("near", default: near, in: 0...1000)
        coneAngle = try o.double("cone_angle").map { v throws(FieldError) in
            guard v >= 0 && v <= 1 else { throw o.error("cone_angle", "expected a number in [0, 1], got \(v)") }
            return v
        }
        if let b = o.value("background") {
            background = try RenderSettings.vector(b, o, "background")
            guard (0...1).contains(background.min()) && (0...1).contains(background.max()) else {
                throw o.error("background", "expected [r, g, b] in [0, 1]")
            }
        }
        try o.finish()
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("grid_resolution", .int(gridResolution)), ("grid_update_every", .int(gridUpdateEvery)),
            ("steps_per_diagonal", .int(stepsPerDiagonal)), ("max_samples_per_ray", .int(maxSamplesPerRay)),
            ("rbf_init_steps", .int(rbfInitSteps)), ("eval_at_start", .bool(evalAtStart)), ("eval_rays", .int(evalRays)),
            ("near", .double(near)),
            ("background", .array([.double(Double(background.x)), .double(Double(background.y)), .double(Double(background.z))])),
        ]
        if let c = coneAngle { members.append(("cone_angle", .double(c))) }
        return .object(members)
    }
}
