/// The projection model a transforms.json names (nerfstudio's `camera_model`, COLMAP's names).
///
/// Every model read here is a perspective camera with optional radial-tangential distortion;
/// the names only record which coefficients the file is expected to carry.
public enum CameraModel: String, Equatable, Sendable, CaseIterable {
    /// fx = fy, no distortion.
    case simplePinhole = "SIMPLE_PINHOLE"
    /// fx, fy, no distortion.
    case pinhole = "PINHOLE"
    /// One radial term.
    case simpleRadial = "SIMPLE_RADIAL"
    /// Two radial terms.
    case radial = "RADIAL"
    /// OpenCV radial-tangential `k1 k2 p1 p2` (the model used whenever a file gives coefficients).
    case opencv = "OPENCV"

    /// The model named `name` (case-insensitive), or nil when it is not one of the perspective
    /// models this reader supports (fisheye, equirectangular, ... are not).
    public init?(named name: String) {
        guard let m = CameraModel.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = m
    }
}
