import FieldIO

/// The scene's `render` object: which views of a trained field are written as PNGs. Camera positions
/// in `cameras` are in the data's own units (e.g. the mesh's); the orbit is set up around the field's
/// box in its unit-cube coordinates.
public struct RenderSettings: Equatable {
    /// Views on the orbit (0: none).
    public var orbitViews = 8
    /// Image size in pixels.
    public var width = 512
    public var height = 512
    /// Horizontal field of view, degrees.
    public var fieldOfView = 40.0
    /// Orbit elevation above the horizontal plane, degrees.
    public var elevation = 20.0
    /// Orbit distance from the box centre, in unit-cube units.
    public var distance = 2.2
    /// The world's up axis.
    public var up = SIMD3<Float>(0, 1, 0)
    /// Images written per view.
    public var modes = ["shaded", "normals", "depth"]
    /// Explicit cameras, in data units.
    public var cameras: [CameraSpec] = []
    /// SDF normals: `differences` (central differences), `tetrahedron` (four-point differences) or `gradient`
    /// (the field's input gradient, noisy at a hash grid's finest levels).
    public var normals = "differences"
    /// The difference step (unit-cube units); nil: two cells of the field's finest grid level.
    public var normalStep: Double?
    /// The values `normals` takes.
    public static let knownNormals = ["differences", "tetrahedron", "gradient"]

    /// One explicit camera: where it is, what it looks at, its up hint and field of view.
    public struct CameraSpec: Equatable {
        public var position: SIMD3<Float>
        public var lookAt: SIMD3<Float>
        public var up: SIMD3<Float>?
        public var fieldOfView: Double?
    }

    /// The modes every task can render into.
    public static let knownModes = ["shaded", "normals", "depth"]
    /// The images a NeRF render can write.
    public static let knownRadianceModes = ["rgb", "depth", "alpha"]
    /// The keys the scene gave explicitly (a NeRF run takes the others from its dataset's cameras).
    public var explicitKeys: Set<String> = []
    /// A nerfstudio camera_path.json to render along (NeRF runs; absolute path).
    public var cameraPath: String?
    /// Whether a NeRF run renders its test views (ground truth | prediction) at the end.
    public var testViews = true

    /// Defaults.
    public init() {}

    /// Reads a `render` object (nil: defaults).
    init(_ object: ConfigObject?, resolvePathsAgainst: String?, radiance: Bool = false) throws(FieldError) {
        let known = radiance ? RenderSettings.knownRadianceModes : RenderSettings.knownModes
        if radiance { modes = known }
        guard let o = object else { return }
        explicitKeys = Set(o.members.map { $0.key.lowercased() })
        orbitViews = try o.int("orbit", default: orbitViews, in: 0...10_000)
        width = try o.int("width", default: width, in: 1...8192)
        height = try o.int("height", default: height, in: 1...8192)
        fieldOfView = try o.double("fov", default: fieldOfView, in: 1...170)
        elevation = try o.double("elevation", default: elevation, in: -89...89)
        distance = try o.double("distance", default: distance, in: 0.01...1000)
        normalStep = try o.double("normal_step").map { v throws(FieldError) in
            guard v > 0 && v <= 0.1 else { throw o.error("normal_step", "expected a step in (0, 0.1] (unit-cube units), got \(v)") }
            return v
        }
        normals = try o.string("normals") ?? normals
        guard RenderSettings.knownNormals.contains(normals) else {
            throw o.error("normals", "expected one of \(RenderSettings.knownNormals.joined(separator: ", ")), got \"\(normals)\"")
        }
        if let u = o.value("up") { up = try RenderSettings.vector(u, o, "up") }
        if let list = try o.array("modes") {
            modes = []
            for m in list {
                guard case .string(let name) = m, known.contains(name) else {
                    throw o.error("modes", "expected a list of \(known.joined(separator: ", ")), got \(m)")
                }
                modes.append(name)
            }
        }
        testViews = try o.bool("test_views", default: testViews)
        if let path = try o.string("camera_path") {
            guard radiance else { throw o.error("camera_path", "camera paths are for nerf scenes") }
            let resolved = resolvePathsAgainst.map { FileAccess.resolve(path, relativeTo: $0) } ?? path
            cameraPath = resolved.hasPrefix("/") ? resolved : FileAccess.absolute(resolved)
        }
        for (k, c) in (try o.array("cameras") ?? []).enumerated() {
            let co = try ConfigObject(c, file: o.file, path: o.keyPath("cameras[\(k)]"))
            guard let p = co.value("position") else { throw co.error("position", "missing: the camera's position [x, y, z]") }
            guard let t = co.value("look_at") else { throw co.error("look_at", "missing: the point [x, y, z] the camera looks at") }
            let spec = CameraSpec(position: try RenderSettings.vector(p, co, "position"),
                                  lookAt: try RenderSettings.vector(t, co, "look_at"),
                                  up: try co.value("up").map { (u: JSONValue) throws(FieldError) in try RenderSettings.vector(u, co, "up") },
                                  fieldOfView: try co.double("fov").map { v throws(FieldError) in
                                      guard (1...170).contains(v) else { throw co.error("fov", "expected degrees in 1...170, got \(v)") }
                                      return v
                                  })
            guard spec.position != spec.lookAt else { throw co.error("look_at", "is the camera's own position") }
            try co.finish()
            cameras.append(spec)
        }
        try o.finish()
    }

    /// Reads [x, y, z] (or "x"/"y"/"z" for an axis) from `value`.
    static func vector(_ value: JSONValue, _ o: ConfigObject, _ key: String) throws(FieldError) -> SIMD3<Float> {
        if case .string(let axis) = value, let i = ["x", "y", "z"].firstIndex(of: axis.lowercased()) {
            var v = SIMD3<Float>.zero
            v[i] = 1
            return v
        }
        guard case .array(let items) = value, items.count == 3 else { throw o.error(key, "expected [x, y, z]") }
        var v = SIMD3<Float>.zero
        for (i, item) in items.enumerated() {
            guard case .number(let d, _) = item, d.isFinite else { throw o.error(key, "expected [x, y, z] of finite numbers") }
            v[i] = Float(d)
        }
        return v
    }

    /// The settings as JSON (for config.json).
    var json: JSONValue {
        func array(_ v: SIMD3<Float>) -> JSONValue { .array([.double(Double(v.x)), .double(Double(v.y)), .double(Double(v.z))]) }
        return .object((cameraPath.map { [("camera_path", JSONValue.string($0))] } ?? []) + [
            ("orbit", .int(orbitViews)), ("width", .int(width)), ("height", .int(height)), ("fov", .double(fieldOfView)),
            ("elevation", .double(elevation)), ("distance", .double(distance)), ("up", array(up)),
            ("normals", .string(normals)), ("normal_step", normalStep.map { .double($0) } ?? .null),
            ("test_views", .bool(testViews)),
            ("modes", .array(modes.map { .string($0) })),
            ("cameras", .array(cameras.map { c in
                var members: [(key: String, value: JSONValue)] = [("position", array(c.position)), ("look_at", array(c.lookAt))]
                if let u = c.up { members.append(("up", array(u))) }
                if let f = c.fieldOfView { members.append(("fov", .double(f))) }
                return .object(members)
            })),
        ])
    }
}

/// The scene's `mesh_export` object: marching-cubes extraction of SDF fields at the end of a fit
/// (and by `fieldfit mesh`).
public struct MeshExportSettings: Equatable, Sendable {
    /// Whether a fit ends with a mesh export.
    public var enabled = true
    /// Grid cells per axis.
    public var resolution = 256
    /// File formats written ("ply", "obj").
    public var formats = ["ply", "obj"]

    /// Defaults.
    public init() {}

    /// Reads a `mesh_export` object (nil: defaults).
    init(_ object: ConfigObject?) throws(FieldError) {
        guard let o = object else { return }
        enabled = try o.bool("enabled", default: enabled)
        resolution = try o.int("resolution", default: resolution, in: 16...1024)
        if let list = try o.array("formats") {
            formats = []
            for f in list {
                guard case .string(let name) = f, ["ply", "obj"].contains(name.lowercased()) else {
                    throw o.error("formats", "expected a list of \"ply\" and \"obj\", got \(f)")
                }
                formats.append(name.lowercased())
            }
        }
        try o.finish()
    }

    /// The settings as JSON (for config.json).
    var json: JSONValue {
        .object([("enabled", .bool(enabled)), ("resolution", .int(resolution)), ("formats", .array(formats.map { .string($0) }))])
    }
}
