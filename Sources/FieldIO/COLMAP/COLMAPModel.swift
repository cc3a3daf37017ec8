import Foundation

/// A COLMAP sparse reconstruction (one `sparse/N` folder): cameras, registered images and 3D points,
/// read from the binary (`cameras.bin`, `images.bin`, `points3D.bin`) or text (`.txt`) files.
public struct COLMAPModel: Equatable, Sendable {
    /// One registered image: its pose as COLMAP stores it (world → camera, OpenCV camera axes:
    /// x right, y down, looking down +z), its camera and its file name relative to the image folder.
    public struct RegisteredImage: Equatable, Sendable {
        public var id: Int
        /// Rotation quaternion (w, x, y, z) and translation of world → camera.
        public var rotation: SIMD4<Double>
        public var translation: SIMD3<Double>
        public var cameraID: Int
        public var name: String
        /// How many 2D keypoints the image has, and how many of them see a 3D point.
        public var keypointCount: Int
        public var observationCount: Int

        /// An image from its values.
        public init(id: Int, rotation: SIMD4<Double>, translation: SIMD3<Double>, cameraID: Int, name: String,
                    keypointCount: Int = 0, observationCount: Int = 0) {
            self.id = id; self.rotation = rotation; self.translation = translation; self.cameraID = cameraID; self.name = name
            self.keypointCount = keypointCount; self.observationCount = observationCount
        }

        /// The world → camera rotation as a row-major 3×3 matrix (the quaternion normalised).
        public var rotationMatrix: [Double] {
            let q = rotation / (rotation * rotation).sum().squareRoot()
            let (w, x, y, z) = (q[0], q[1], q[2], q[3])
            return [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]
        }

        /// The camera centre in world coordinates: −Rᵀ·t.
        public var center: SIMD3<Double> {
            let m = CaptureNormalization.openGLCameraToWorld(worldToCamera: rotationMatrix, translation: translation)
            return SIMD3(m[3], m[7], m[11])
        }
    }

    /// One triangulated point: position, colour, mean reprojection error (pixels) and track length.
    public struct Point: Equatable, Sendable {
        public var id: Int
        public var position: SIMD3<Double>
        public var color: SIMD3<UInt8>
        public var error: Double
        public var trackLength: Int

        /// A point from its values.
        public init(id: Int, position: SIMD3<Double>, color: SIMD3<UInt8>, error: Double, trackLength: Int) {
            self.id = id; self.position = position; self.color = color; self.error = error; self.trackLength = trackLength
        }
    }

    /// Cameras by id order, registered images sorted by name, points in file order.
    public var cameras: [COLMAPCamera]
    public var images: [RegisteredImage]
    public var points: [Point]

    /// A model from its parts (images are sorted by name).
    public init(cameras: [COLMAPCamera], images: [RegisteredImage], points: [Point]) {
        self.cameras = cameras.sorted { $0.id < $1.id }
        self.images = images.sorted { $0.name < $1.name }
        self.points = points
    }

    /// The camera with `id`, if any.
    public func camera(_ id: Int) -> COLMAPCamera? { cameras.first { $0.id == id } }

    /// Mean reprojection error in pixels: the mean of the points' errors, as `colmap model_analyzer`
    /// reports it; 0 without points.
    public var meanReprojectionError: Double {
        points.isEmpty ? 0 : points.reduce(0) { $0 + $1.error } / Double(points.count)
    }

    /// Reads the model in `folder`: the binary files when `cameras.bin` is there, else the text files.
    /// Every error is one line naming the file and what was expected.
    public static func read(_ folder: String) throws(FieldError) -> COLMAPModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw FieldError(file: folder, "no such folder: expected a COLMAP model folder (e.g. colmap/sparse/0) holding cameras.bin, images.bin, points3D.bin or their .txt forms")
        }
        let dir = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        if FileAccess.exists(dir + "/cameras.bin") {
            return try COLMAPBinaryFormat.read(folder: dir)
        }
        if FileAccess.exists(dir + "/cameras.txt") {
            return try COLMAPTextFormat.read(folder: dir)
        }
        throw FieldError(file: folder, "holds no COLMAP model: expected cameras.bin, images.bin, points3D.bin (or cameras.txt, images.txt, points3D.txt)")
    }
}
