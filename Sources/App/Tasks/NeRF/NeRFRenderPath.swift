import FieldIO
import Render

/// The path a NeRF run's renders follow (`fieldfit render --path`, and by default at the end of a fit): an
/// orbit around the scene box's centre, a smooth path through the training cameras (nerfstudio's
/// `interpolate`), LLFF's spiral around their mean pose, or a nerfstudio camera_path.json. Each writes
/// into `renders/<kind>/` (`renders/path/` for a file).
enum NeRFRenderPath: Equatable {
    case orbit
    case interpolate
    case spiral
    /// A nerfstudio camera_path.json (absolute path).
    case file(String)

    /// The names `--path` takes besides a file.
    static let names = ["orbit", "interpolate", "spiral"]

    /// `--path`'s value: one of `names`, else a camera_path.json file.
    init(argument: String) {
        switch argument.lowercased() {
        case "orbit": self = .orbit
        case "interpolate": self = .interpolate
        case "spiral": self = .spiral
        default: self = .file(FileAccess.absolute(argument))
        }
    }

    /// The default for a capture: an orbit when the cameras surround the scene, the interpolated path
    /// through them when they all face one way (`CaptureLayout`).
    static func automatic(for cameras: [Camera]) -> NeRFRenderPath {
        CaptureLayout.classify(cameras) == .forward ? .interpolate : .orbit
    }

    /// The folder under `renders/` its frames go to.
    var folderName: String {
        switch self {
        case .orbit: return "orbit"
        case .interpolate: return "interpolate"
        case .spiral: return "spiral"
        case .file: return "path"
        }
    }

    /// `count` cameras along the path for a run trained on `training` (unit-cube coordinates), at the render
    /// settings' size (overridden by `width`/`height`). Orbits use the settings' distance, elevation and up.
    func cameras(count: Int, training: [Camera], settings: RenderSettings, scene: SceneTransform?,
                 width: Int?, height: Int?) throws(FieldError) -> [Camera] {
        let w = width ?? settings.width, h = height ?? settings.height
        switch self {
        case .orbit:
            return Camera.orbit(count: count, center: SIMD3(repeating: 0.5), distance: Float(settings.distance),
                                elevation: Float(settings.elevation), worldUp: settings.up,
                                fieldOfViewX: Float(settings.fieldOfView), width: w, height: h)
        case .interpolate:
            return Camera.interpolated(through: training, count: count, width: w, height: h)
        case .spiral:
            let depth = Camera.spiralFocusDepth(training, sceneCenter: SIMD3(repeating: 0.5))
            return Camera.spiral(around: training, count: count, focusDepth: depth, width: w, height: h)
        case .file(let path):
            return Camera.path(try CameraPath.read(path), scene: scene, width: width, height: height)
        }
    }
}
