import FieldIO
import Foundation

/// A student scene's `distill` object: which trained run teaches it and how (PVD's progressive, block-wise
/// distillation, or PVD-AL with its three-level active sampling). Written to config.json, so a student run
/// resumes, renders and reopens like any run.
public struct DistillSettings: Equatable, Sendable {
    /// PVD (Fang et al., AAAI 2023) or PVD-AL (its active-learning follow-up).
    public enum Method: String, Sendable, CaseIterable {
        case pvd = "PVD"
        case pvdAL = "PVD-AL"
    }
    /// Where the random training poses of a radiance-field student come from.
    public enum Poses: String, Sendable, CaseIterable {
        /// `sphere` for inward-facing captures, `jitter` for forward-facing ones.
        case auto
        /// PVD's synthetic-scene poses: a sphere of the training cameras' mean radius, azimuth anywhere,
        /// elevation in PVD's bands (more poses near the horizon), looking at the capture's centre.
        case sphere
        /// Training poses with a random rotation about the capture's focus (forward-facing scenes).
        case jitter
        /// The training poses themselves.
        case train
    }

    /// The teacher's run folder (absolute).
    public var teacher: String
    public var method: Method = .pvd
    /// Steps of stage 1 (feature loss only) and the step where stage 3 (+ rendered-ray loss) starts; stage 2
    /// (+ density and colour losses) lies between. PVD: 2000 and 5000 of 30 000 iterations; here 100 and 300
    /// (CPU step counts); PVD-AL: 0 and 0.
    public var stage1Steps: Int
    public var stage2Steps: Int
    /// Loss weights: feature (decayed by `featureDecay` per step), density, colour, rendered RGB.
    public var featureWeight = 1.0, featureDecay = 0.995, sigmaWeight = 1.0, colorWeight = 1.0, rgbWeight = 1.0
    /// PVD's range for the raw density (and the colour features) in targets and losses.
    public var clampMin = -2.0, clampMax = 7.0
    /// Where the random poses come from, and the share of each batch's rays taken from the training pixels' rays.
    public var poses: Poses = .auto
    public var trainRayFraction = 0.0
    /// PVD-AL: share of each batch drawn from the pool of hard rays, the pool's size, share of samples per ray
    /// (by rendering weight) in the feature loss, size of the pose pool and the softmax temperature's start and
    /// end, reached after `annealSteps`.
    public var hardRayFraction = 0.1, rayPool = 1 << 16, pointFraction = 0.3, posePool = 64
    public var temperatureStart = 10.0, temperatureEnd = 1.0, annealSteps = 1000

    /// Reads the `distill` object; the teacher path resolves against `paths` (or comes from `teacherOverride`,
    /// the command line's `fieldfit distill TEACHER_RUN`).
    public init(_ o: ConfigObject, paths: ScenePaths, teacherOverride: String? = nil) throws(FieldError) {
        if let t = teacherOverride { teacher = t; o.ignore("teacher") } else if let t = try o.string("teacher") { teacher = t } else {
            throw o.error("teacher", "missing: the teacher's run folder (or run `fieldfit distill TEACHER_RUN STUDENT.json`)")
        }
        teacher = paths.absolute(teacher)
        method = Method(rawValue: try o.choice("method", Method.allCases.map(\.rawValue), default: "PVD"))!
        let al = method == .pvdAL
        stage1Steps = try o.int("stage1_steps", default: al ? 0 : 100, in: 0...1_000_000_000)
        stage2Steps = try o.int("stage2_steps", default: al ? 0 : 300, in: stage1Steps...1_000_000_000)
        featureWeight = try o.double("feature_weight", default: featureWeight, in: 0...1e6)
        featureDecay = try o.double("feature_decay", default: featureDecay, in: 0...1)
        sigmaWeight = try o.double("sigma_weight", default: sigmaWeight, in: 0...1e6)
        colorWeight = try o.double("color_weight", default: colorWeight, in: 0...1e6)
        rgbWeight = try o.double("rgb_weight", default: rgbWeight, in: 0...1e6)
        clampMin = try o.double("clamp_min", default: clampMin, in: -15...15)
        clampMax = try o.double("clamp_max", default: clampMax, in: clampMin...15)
        poses = Poses(rawValue: try o.choice("poses", Poses.allCases.map(\.rawValue), default: "auto"))!
        trainRayFraction = try o.double("train_ray_fraction", default: trainRayFraction, in: 0...1)
        hardRayFraction = try o.double("hard_ray_fraction", default: hardRayFraction, in: 0...0.9)
        rayPool = try o.int("ray_pool", default: rayPool, in: 1...(1 << 24))
        pointFraction = try o.double("point_fraction", default: al ? pointFraction : 1, in: 0.01...1)
        posePool = try o.int("pose_pool", default: posePool, in: 1...100_000)
        temperatureStart = try o.double("temperature_start", default: temperatureStart, in: 1e-3...1e6)
        temperatureEnd = try o.double("temperature_end", default: temperatureEnd, in: 1e-3...1e6)
        annealSteps = try o.int("anneal_steps", default: annealSteps, in: 0...1_000_000_000)
        try o.finish()
    }

    /// Whether PVD-AL's active sampling is on.
    public var isActive: Bool { method == .pvdAL }

    /// The object as written to config.json.
    public var json: JSONValue {
        .object([
            ("teacher", .string(teacher)), ("method", .string(method.rawValue)), ("stage1_steps", .int(stage1Steps)),
            ("stage2_steps", .int(stage2Steps)), ("feature_weight", .double(featureWeight)), ("feature_decay", .double(featureDecay)),
            ("sigma_weight", .double(sigmaWeight)), ("color_weight", .double(colorWeight)), ("rgb_weight", .double(rgbWeight)),
            ("clamp_min", .double(clampMin)), ("clamp_max", .double(clampMax)), ("poses", .string(poses.rawValue)),
            ("train_ray_fraction", .double(trainRayFraction)), ("hard_ray_fraction", .double(hardRayFraction)),
            ("ray_pool", .int(rayPool)), ("point_fraction", .double(pointFraction)), ("pose_pool", .int(posePool)),
            ("temperature_start", .double(temperatureStart)), ("temperature_end", .double(temperatureEnd)),
            ("anneal_steps", .int(annealSteps)),
        ])
    }

    /// The feature-loss weight at `step` (λ_f · decay^step, PVD's schedule).
    public func featureWeight(at step: Int) -> Float { Float(featureWeight * pow(featureDecay, Double(step))) }

    /// The PVD-AL pose temperature at `step` (geometric from start to end over `annealSteps`).
    public func temperature(at step: Int) -> Double {
        guard annealSteps > 0 else { return temperatureEnd }
        let t = min(1, Double(step) / Double(annealSteps))
        return temperatureStart * pow(temperatureEnd / temperatureStart, t)
    }

    /// The teacher run's config.json, parsed, with the errors a user should see for a bad teacher folder.
    func teacherConfig(file: String) throws(FieldError) -> (json: JSONValue, path: String) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: teacher, isDirectory: &isFolder), isFolder.boolValue else {
            throw FieldError(file: file, location: "distill.teacher", "\(teacher): no such run folder; expected the folder a fit wrote")
        }
        let config = (teacher as NSString).appendingPathComponent("config.json")
        guard FileAccess.exists(config) else {
            throw FieldError(file: file, location: "distill.teacher", "\(teacher) is not a run folder (no config.json); expected the folder a fit wrote")
        }
        return (try JSONParser.parse(file: config), config)
    }
}
