/// One posed image of a dataset: its file, its camera-to-world pose exactly as the transforms.json
/// gives it (Blender/OpenGL convention: camera x right, y up, looking down −z), its intrinsics and split.
public struct PosedFrame: Equatable, Sendable {
    /// The resolved image path (extension found when the file gave none).
    public var imagePath: String
    /// The transforms.json the frame came from, and the frame's index in its `frames` list (for errors).
    public var sourceFile: String
    public var sourceIndex: Int
    /// Camera-to-world 4×4, row-major, 16 numbers.
    public var cameraToWorld: [Double]
    /// Intrinsics as the file gives them, for the image file at full size.
    public var fileIntrinsics: CameraIntrinsics
    /// The integer factor the image is shrunk by when loaded (1: full size).
    public var downscale: Int
    /// The image's `sharpness` value when the file gives one.
    public var sharpness: Double?
    /// Train, test or validation.
    public var split: DatasetSplit

    /// A frame from its values.
    public init(imagePath: String, sourceFile: String, sourceIndex: Int, cameraToWorld: [Double],
                fileIntrinsics: CameraIntrinsics, downscale: Int = 1, sharpness: Double? = nil, split: DatasetSplit = .train) {
        precondition(cameraToWorld.count == 16, "camera-to-world must have 16 numbers")
        self.imagePath = imagePath
        self.sourceFile = sourceFile
        self.sourceIndex = sourceIndex
        self.cameraToWorld = cameraToWorld
        self.fileIntrinsics = fileIntrinsics
        self.downscale = downscale
        self.sharpness = sharpness
        self.split = split
    }

    /// The intrinsics of the loaded (downscaled) image.
    public var intrinsics: CameraIntrinsics { fileIntrinsics.downscaled(by: downscale) }

    /// Column `j` (0 right, 1 up, 2 backward, 3 position) of the pose's upper 3×4 block.
    public func column(_ j: Int) -> SIMD3<Double> {
        SIMD3(cameraToWorld[j], cameraToWorld[4 + j], cameraToWorld[8 + j])
    }

    /// The camera position in world coordinates.
    public var position: SIMD3<Double> { column(3) }

    /// `frames[i]` of the source file, for error locations.
    public var location: String { "frames[\(sourceIndex)]" }
}
