import FieldIO
import Geometry

/// Cameras from a posed-image dataset, placed in the field's unit-cube coordinates the way instant-ngp
/// places them: a camera position `t` becomes `t·scale + offset`; orientation is kept (Blender axes,
/// looking down −z; instant-ngp's own axis relabelling is not applied, so "up" stays the dataset's up).
extension Camera {
    /// The camera of `frame` at its loaded (downscaled) size, with its lens distortion. With `scene`, the
    /// position is mapped into unit-cube coordinates; without, the pose is used exactly as given.
    public init(frame: PosedFrame, scene: SceneTransform? = nil) {
        let k = frame.intrinsics
        func axis(_ j: Int) -> SIMD3<Float> {
            let c = frame.column(j)
            return normalized(SIMD3(Float(c.x), Float(c.y), Float(c.z)))
        }
        let t = scene.map { $0.apply(frame.position) } ?? frame.position
        self.init(width: k.width, height: k.height, focalX: Float(k.focalX), focalY: Float(k.focalY),
                  centerX: Float(k.centerX), centerY: Float(k.centerY),
                  right: axis(0), up: axis(1), backward: axis(2), position: SIMD3(Float(t.x), Float(t.y), Float(t.z)),
                  distortion: LensDistortion(k.distortion))
    }
}

extension PosedImageDataset {
    /// The cameras of the views in `split` (every view when nil), in unit-cube coordinates when
    /// `inUnitCube` (the default), else exactly as the file poses them.
    public func cameras(_ split: DatasetSplit? = nil, inUnitCube: Bool = true) -> [Camera] {
        frames.filter { split == nil || $0.split == split }
            .map { Camera(frame: $0, scene: inUnitCube ? scene : nil) }
    }
}

extension SceneTransform {
    /// The scene box in unit-cube coordinates: a cube of side `aabbScale` centred at (0.5, 0.5, 0.5),
    /// as instant-ngp bounds its cascades.
    public var unitCubeBox: (min: SIMD3<Float>, max: SIMD3<Float>) {
        let h = Float(aabbScale) / 2
        return (SIMD3(repeating: 0.5 - h), SIMD3(repeating: 0.5 + h))
    }
}
