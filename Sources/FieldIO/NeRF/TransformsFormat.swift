/// Which of the three transforms.json dialects a file is written in, told apart by the keys it has.
/// The reader handles all three with one set of rules (per-frame keys override top-level ones); the
/// dialect is recorded for reporting and for dialect-specific defaults.
public enum TransformsFormat: String, Equatable, Sendable {
    /// NeRF-synthetic / Blender: `camera_angle_x` only, image size from the images.
    case blender
    /// instant-ngp: `fl_x`/`fl_y`, `cx`/`cy`, `w`/`h`, `k1 k2 p1 p2`, `aabb_scale`, `scale`, `offset`.
    case instantNGP = "instant-ngp"
    /// nerfstudio: `camera_model`, `applied_transform`, or intrinsics inside the frames.
    case nerfstudio

    /// The dialect of a file from its top-level keys and its first frame's keys.
    public static func detect(topLevel: ConfigObject, firstFrame: ConfigObject?) -> TransformsFormat {
        let intrinsicKeys = ["fl_x", "fl_y", "cx", "cy", "w", "h", "k1", "k2", "p1", "p2", "camera_angle_x"]
        if topLevel.has("camera_model") || topLevel.has("applied_transform") || topLevel.has("applied_scale")
            || intrinsicKeys.contains(where: { firstFrame?.has($0) ?? false }) {
            return .nerfstudio
        }
        let ngpKeys = ["fl_x", "fl_y", "x_fov", "y_fov", "cx", "cy", "w", "h", "k1", "k2", "p1", "p2",
                       "aabb_scale", "scale", "offset", "is_fisheye"]
        if ngpKeys.contains(where: { topLevel.has($0) }) { return .instantNGP }
        return .blender
    }
}
