import FieldIO

/// Where a radiance field lives and how rays step through it, in the unit-cube coordinates the dataset
/// cameras use (instant-ngp's conventions): the scene box is a cube of side `aabbScale` centred at
/// (0.5, 0.5, 0.5), covered by `log2(aabbScale) + 1` occupancy cascades; steps are `minStep` (√3/1024:
/// 1024 steps across the unit cube's diagonal) growing as `t·coneAngle` up to `maxStep` far away.
public struct RadianceVolume: Equatable, Sendable {
    /// Side of the scene cube (a power of two, 1...128).
    public let aabbScale: Int
    /// The scene box's corners.
    public let boxMin: SIMD3<Float>, boxMax: SIMD3<Float>
    /// Occupancy cascades: cascade k covers the cube of side 2^k centred at (0.5, 0.5, 0.5).
    public let cascades: Int
    /// The smallest (and, without a cone angle, the only) step length.
    public let minStep: Float
    /// The largest step length.
    public let maxStep: Float
    /// Step length per unit of distance travelled (0: constant steps; instant-ngp: 1/256 when aabbScale > 1).
    public let coneAngle: Float
    /// Near plane: the distance from a ray's origin before which nothing is sampled (0: none).
    public let near: Float

    /// A volume for a scene box of side `aabbScale` with `stepsPerDiagonal` steps across the unit cube's
    /// diagonal (instant-ngp: 1024), the given cone angle (nil: instant-ngp's rule) and near plane.
    public init(aabbScale: Int = 1, stepsPerDiagonal: Int = 1024, coneAngle: Float? = nil, near: Float = 0) {
        precondition(aabbScale >= 1 && aabbScale <= 128 && aabbScale & (aabbScale - 1) == 0, "aabbScale must be a power of two ≤ 128")
        precondition(stepsPerDiagonal >= 16, "at least 16 steps per diagonal")
        self.aabbScale = aabbScale
        let h = Float(aabbScale) / 2
        boxMin = SIMD3(repeating: 0.5 - h)
        boxMax = SIMD3(repeating: 0.5 + h)
        cascades = aabbScale.trailingZeroBitCount + 1
        minStep = Float(3).squareRoot() / Float(stepsPerDiagonal)
        maxStep = minStep * Float(aabbScale) * 8
        self.coneAngle = coneAngle ?? (aabbScale > 1 ? 1.0 / 256 : 0)
        self.near = max(0, near)
    }

    /// The volume a dataset's scene transform asks for.
    public init(scene: SceneTransform, stepsPerDiagonal: Int = 1024, coneAngle: Float? = nil) {
        self.init(aabbScale: scene.aabbScale, stepsPerDiagonal: stepsPerDiagonal, coneAngle: coneAngle)
    }

    /// The step length at distance `t` along a ray.
    @inline(__always)
    public func stepSize(_ t: Float) -> Float {
        coneAngle == 0 ? minStep : min(maxStep, max(minStep, t * coneAngle))
    }

    /// `p` as the network sees it: the scene box mapped to [0, 1]³.
    @inline(__always)
    public func networkPosition(_ p: SIMD3<Float>) -> SIMD3<Float> { (p - boxMin) / Float(aabbScale) }

    /// The part [near, far] of the ray `origin + t·direction` (t ≥ `near`, by default the volume's near
    /// plane) inside the scene box, or nil.
    @inline(__always)
    public func clip(origin: SIMD3<Float>, direction: SIMD3<Float>, near: Float? = nil) -> (near: Float, far: Float)? {
        let inverse = 1 / direction
        let a = (boxMin - origin) * inverse, b = (boxMax - origin) * inverse
        let lo = pointwiseMin(a, b), hi = pointwiseMax(a, b)
        let t0 = max(near ?? self.near, lo.max()), t1 = hi.min()
        return t0 < t1 ? (t0, t1) : nil
    }
}
