import Foundation

/// A camera path in nerfstudio's `camera_path.json` form (what its viewer exports and `ns-render
/// camera-path` reads): `render_width`, `render_height`, `camera_type` ("perspective"), and
/// `camera_path`, a list of keyframe-interpolated cameras, each a `camera_to_world` 4×4 (16 numbers
/// row-major, or the top 12), a vertical field of view `fov` in degrees and an optional `aspect`.
/// Other keys the viewer writes (`keyframes`, `fps`, `seconds`, `smoothness_value`, `crop`, ...) are ignored.
public struct CameraPath: Equatable, Sendable {
    /// Render size in pixels: `render_width` × `render_height`. A missing one follows from the other and
    /// the first frame's `aspect` (1 when it has none); when both are missing the height is 512.
    public var width: Int
    public var height: Int
    /// The cameras in file order.
    public var frames: [CameraPathFrame]

    /// A path from its values.
    public init(width: Int, height: Int, frames: [CameraPathFrame]) {
        self.width = width
        self.height = height
        self.frames = frames
    }

    /// The render height used when the file gives neither `render_width` nor `render_height`.
    public static let defaultHeight = 512

    /// Reads and checks the camera path at `path`. Every error is one line naming the file and the key
    /// (`camera_path[i].camera_to_world`, `camera_path[i].fov`, ...).
    public static func read(_ path: String) throws(FieldError) -> CameraPath {
        let bytes = try FileAccess.readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FieldError(file: path, "is not UTF-8 text") }
        let top = try ConfigObject(JSONParser.parse(NonFiniteLiterals.quoted(text), file: path), file: path)
        if let type = try top.string("camera_type"), type.lowercased() != "perspective" {
            throw top.error("camera_type", "unsupported camera type \"\(type)\", expected \"perspective\"")
        }
        guard let values = try top.array("camera_path") else {
            throw top.error("camera_path", "missing: expected the list of cameras (nerfstudio's camera_path.json)")
        }
        guard !values.isEmpty else { throw top.error("camera_path", "has no frames: expected at least one camera") }
        var frames: [CameraPathFrame] = []
        frames.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            frames.append(try readFrame(ConfigObject(v, file: path, path: "camera_path[\(i)]")))
        }
        let w = try size(top, "render_width"), h = try size(top, "render_height")
        let aspect = frames[0].aspect ?? 1
        let height = h ?? w.map { max(1, Int((Double($0) / aspect).rounded())) } ?? defaultHeight
        let width = w ?? max(1, Int((Double(height) * aspect).rounded()))
        return CameraPath(width: width, height: height, frames: frames)
    }

    /// One entry of `camera_path`.
    static func readFrame(_ f: ConfigObject) throws(FieldError) -> CameraPathFrame {
        guard let m = f.value("camera_to_world") else {
            throw f.error("camera_to_world", "missing: expected a 4×4 camera-to-world matrix (16 numbers, row-major)")
        }
        let matrix = try readMatrix(m, f)
        guard let fovValue = f.value("fov") else {
            throw f.error("fov", "missing: expected the vertical field of view in degrees")
        }
        let fov = try number(fovValue, f, "fov")
        guard fov > 0, fov < 180 else { throw f.error("fov", "expected a vertical field of view in (0, 180) degrees, got \(fov)") }
        var aspect: Double?
        if let a = f.value("aspect") {
            let d = try number(a, f, "aspect")
            guard d > 0 else { throw f.error("aspect", "expected a positive width/height ratio, got \(d)") }
            aspect = d
        }
        return CameraPathFrame(cameraToWorld: matrix, verticalFOVDegrees: fov, aspect: aspect)
    }

    /// `camera_to_world` as 16 numbers row-major: 16 or 12 numbers flat (nerfstudio's form), or 3–4 rows
    /// of 4; finite, last row `[0, 0, 0, 1]`, rotation part invertible.
    static func readMatrix(_ v: JSONValue, _ f: ConfigObject) throws(FieldError) -> [Double] {
        let key = "camera_to_world"
        guard case .array(let items) = v else {
            throw f.error(key, "expected 16 numbers (a 4×4 matrix, row-major), got \(v.kindDescription)")
        }
        var m: [Double] = []
        if let first = items.first, case .array = first {
            m = try TransformsFile.matrixRows(items, f, key)
        } else {
            guard items.count == 16 || items.count == 12 else {
                throw f.error(key, "expected 16 numbers (a 4×4 matrix, row-major) or 12, got \(items.count)")
            }
            for item in items { m.append(try TransformsFile.element(item, f, key)) }
            if m.count == 12 { m += [0, 0, 0, 1] }
        }
        guard abs(m[12]) < 1e-6, abs(m[13]) < 1e-6, abs(m[14]) < 1e-6, abs(m[15] - 1) < 1e-6 else {
            throw f.error(key, "is not invertible as a camera pose: its last row must be [0, 0, 0, 1], got \(Array(m[12..<16]))")
        }
        let det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8])
        guard abs(det) > 1e-9 else {
            throw f.error(key, "is not invertible: its 3×3 rotation part has determinant \(det)")
        }
        return m
    }

    /// A finite number (quoted NaN / Infinity named as such).
    static func number(_ v: JSONValue, _ f: ConfigObject, _ key: String) throws(FieldError) -> Double {
        switch v {
        case .number(let d, _): return d
        case .string(let s) where ["NaN", "Infinity", "-Infinity"].contains(s): throw f.error(key, "is \(s), expected a finite number")
        default: throw f.error(key, "expected a number, got \(v.kindDescription)")
        }
    }

    /// A positive integer size, or nil when absent.
    static func size(_ top: ConfigObject, _ key: String) throws(FieldError) -> Int? {
        guard let v = try top.int(key) else { return nil }
        guard v >= 1, v <= 1 << 16 else { throw top.error(key, "expected a size in pixels from 1 to 65536, got \(v)") }
        return v
    }
}

/// One camera of a `CameraPath`: its pose and vertical field of view.
public struct CameraPathFrame: Equatable, Sendable {
    /// Camera-to-world 4×4, row-major, 16 numbers (Blender/OpenGL axes: x right, y up, looking down −z).
    public var cameraToWorld: [Double]
    /// Vertical field of view in degrees, in (0, 180).
    public var verticalFOVDegrees: Double
    /// Width / height as the file gives it (nerfstudio writes it; rendering uses the path's size).
    public var aspect: Double?

    /// A frame from its values.
    public init(cameraToWorld: [Double], verticalFOVDegrees: Double, aspect: Double? = nil) {
        self.cameraToWorld = cameraToWorld
        self.verticalFOVDegrees = verticalFOVDegrees
        self.aspect = aspect
    }

    /// Column `j` (0 right, 1 up, 2 backward, 3 position) of the pose's upper 3×4 block.
    public func column(_ j: Int) -> SIMD3<Double> {
        SIMD3(cameraToWorld[j], cameraToWorld[4 + j], cameraToWorld[8 + j])
    }

    /// The camera position.
    public var position: SIMD3<Double> { column(3) }
}
