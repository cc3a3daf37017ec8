/// One view's intrinsics in pixels, as a transforms.json gives them (after per-frame overrides):
/// image size, focal lengths, principal point (pixel centres at +0.5), lens model and distortion.
public struct CameraIntrinsics: Equatable, Sendable {
    /// Image size in pixels.
    public var width: Int, height: Int
    /// Focal lengths in pixels.
    public var focalX: Double, focalY: Double
    /// Principal point in pixels (the image centre is `width/2, height/2`).
    public var centerX: Double, centerY: Double
    /// The named projection model.
    public var model: CameraModel
    /// Radial-tangential distortion coefficients (zero for a pinhole).
    public var distortion: DistortionCoefficients

    /// Intrinsics from their values.
    public init(width: Int, height: Int, focalX: Double, focalY: Double, centerX: Double, centerY: Double,
                model: CameraModel = .pinhole, distortion: DistortionCoefficients = .none) {
        self.width = width; self.height = height
        self.focalX = focalX; self.focalY = focalY
        self.centerX = centerX; self.centerY = centerY
        self.model = model
        self.distortion = distortion
    }

    /// The intrinsics of the image shrunk by an integer `factor` (box filter, trailing pixels cut):
    /// size `width/factor × height/factor`, focal lengths and principal point divided by `factor`.
    /// Distortion acts on normalised coordinates and is unchanged.
    public func downscaled(by factor: Int) -> CameraIntrinsics {
        precondition(factor >= 1, "downscale factor must be at least 1")
        guard factor > 1 else { return self }
        var c = self
        let f = Double(factor)
        c.width = width / factor; c.height = height / factor
        c.focalX /= f; c.focalY /= f; c.centerX /= f; c.centerY /= f
        return c
    }
}
