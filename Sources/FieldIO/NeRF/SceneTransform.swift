/// How a transforms.json places its cameras in the field's coordinates, as instant-ngp reads it:
/// a world point p maps to `p·scale + offset`, and the scene box is a cube of side `aabbScale`
/// centred at (0.5, 0.5, 0.5). nerfstudio's `applied_transform` (already folded into the poses) is kept
/// for exporting back to the original frame.
public struct SceneTransform: Equatable, Sendable {
    /// Side of the scene cube in unit-cube units: a power of two, 1...128 (instant-ngp's cascades).
    public var aabbScale: Int
    /// Uniform scale applied to camera positions (instant-ngp's `NERF_SCALE` 0.33 by default).
    public var scale: Double
    /// Translation added after scaling.
    public var offset: SIMD3<Double>
    /// nerfstudio's `applied_transform` (3×4 row-major, 12 numbers), when the file has one.
    public var appliedTransform: [Double]?

    /// A transform from its values; defaults are instant-ngp's.
    public init(aabbScale: Int = 1, scale: Double = 0.33, offset: SIMD3<Double> = SIMD3(repeating: 0.5),
                appliedTransform: [Double]? = nil) {
        self.aabbScale = aabbScale
        self.scale = scale
        self.offset = offset
        self.appliedTransform = appliedTransform
    }

    /// `p` in the field's coordinates: `p·scale + offset`.
    public func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { p * scale + offset }
}
