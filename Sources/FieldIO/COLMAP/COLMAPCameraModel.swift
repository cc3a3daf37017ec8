/// COLMAP's camera models (`src/colmap/sensor/models.h`): id as the binary files store it, name as the
/// text files do, and the number of parameters each carries.
public enum COLMAPCameraModel: Int, CaseIterable, Sendable {
    case simplePinhole = 0, pinhole, simpleRadial, radial, opencv, opencvFisheye, fullOpenCV, fov,
         simpleRadialFisheye, radialFisheye, thinPrismFisheye

    /// The name COLMAP writes in cameras.txt.
    public var name: String {
        ["SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV", "OPENCV_FISHEYE", "FULL_OPENCV", "FOV",
         "SIMPLE_RADIAL_FISHEYE", "RADIAL_FISHEYE", "THIN_PRISM_FISHEYE"][rawValue]
    }

    /// How many parameters the model has (focal lengths, principal point, distortion).
    public var parameterCount: Int { [3, 4, 4, 5, 8, 8, 12, 5, 4, 5, 12][rawValue] }

    /// The model named `name` (as cameras.txt spells it), or nil.
    public init?(named name: String) {
        guard let m = COLMAPCameraModel.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = m
    }

    /// The models that map onto a perspective camera with OpenCV radial-tangential distortion.
    public static let supported: [COLMAPCameraModel] = [.simplePinhole, .pinhole, .simpleRadial, .radial, .opencv, .fullOpenCV]
}

/// One camera of a COLMAP model: its id, model, image size and raw parameters.
public struct COLMAPCamera: Equatable, Sendable {
    /// The camera id images refer to.
    public var id: Int
    /// The projection model.
    public var model: COLMAPCameraModel
    /// Image size in pixels.
    public var width: Int, height: Int
    /// The model's parameters in COLMAP's order (`parameterCount` of them).
    public var parameters: [Double]

    /// A camera from its values.
    public init(id: Int, model: COLMAPCameraModel, width: Int, height: Int, parameters: [Double]) {
        self.id = id; self.model = model; self.width = width; self.height = height; self.parameters = parameters
    }

    /// The camera as our intrinsics: COLMAP's principal point uses the same pixel-centre convention
    /// (top-left pixel centre at 0.5, 0.5). FULL_OPENCV maps only when its rational terms k4, k5, k6
    /// are zero; fisheye and FOV models have no OpenCV radial-tangential equivalent. `file` names the
    /// model for the error.
    public func intrinsics(file: String) throws(FieldError) -> CameraIntrinsics {
        let p = parameters
        func make(_ fx: Double, _ fy: Double, _ cx: Double, _ cy: Double, _ model: CameraModel,
                  _ d: DistortionCoefficients = .none) -> CameraIntrinsics {
            CameraIntrinsics(width: width, height: height, focalX: fx, focalY: fy, centerX: cx, centerY: cy, model: model, distortion: d)
        }
        switch model {
        case .simplePinhole: return make(p[0], p[0], p[1], p[2], .simplePinhole)
        case .pinhole: return make(p[0], p[1], p[2], p[3], .pinhole)
        case .simpleRadial: return make(p[0], p[0], p[1], p[2], .simpleRadial, DistortionCoefficients(k1: p[3]))
        case .radial: return make(p[0], p[0], p[1], p[2], .radial, DistortionCoefficients(k1: p[3], k2: p[4]))
        case .opencv: return make(p[0], p[1], p[2], p[3], .opencv, DistortionCoefficients(k1: p[4], k2: p[5], p1: p[6], p2: p[7]))
        case .fullOpenCV where p[9] == 0 && p[10] == 0 && p[11] == 0:
            return make(p[0], p[1], p[2], p[3], .opencv, DistortionCoefficients(k1: p[4], k2: p[5], k3: p[8], p1: p[6], p2: p[7]))
        case .fullOpenCV:
            throw FieldError(file: file, location: "camera \(id)",
                             "FULL_OPENCV with rational terms k4, k5, k6 = \(p[9]), \(p[10]), \(p[11]) has no OpenCV radial-tangential equivalent; re-run COLMAP with --ImageReader.camera_model OPENCV")
        default:
            throw FieldError(file: file, location: "camera \(id)",
                             "camera model \(model.name) is not supported (no perspective OpenCV equivalent); expected one of "
                             + COLMAPCameraModel.supported.map(\.name).joined(separator: ", ")
                             + " (re-run COLMAP with --ImageReader.camera_model OPENCV)")
        }
    }
}
