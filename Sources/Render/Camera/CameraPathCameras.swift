import FieldIO
import Foundation
import Geometry

/// Cameras from a nerfstudio camera path, placed like dataset cameras (`Camera(frame:scene:)`).
extension Camera {
    /// One camera per frame of `p`, at `width` × `height` (the path's render size when nil; when only
    /// one is given the other keeps the path's aspect ratio). Focal length from the vertical field of view
    /// and the height, as nerfstudio does: fy = h/2 / tan(fov/2), fx = fy; principal point at the centre.
    /// With `scene`, positions are mapped into unit-cube coordinates; orientation is kept.
    public static func path(_ p: CameraPath, scene: SceneTransform?, width: Int? = nil, height: Int? = nil) -> [Camera] {
        let aspect = Double(p.width) / Double(p.height)
        let h = max(1, height ?? width.map { Int((Double($0) / aspect).rounded()) } ?? p.height)
        let w = max(1, width ?? height.map { Int((Double($0) * aspect).rounded()) } ?? p.width)
        return p.frames.map { frame in
            func axis(_ j: Int) -> SIMD3<Float> {
                let c = frame.column(j)
                return normalized(SIMD3(Float(c.x), Float(c.y), Float(c.z)))
            }
            let t = scene.map { $0.apply(frame.position) } ?? frame.position
            let focal = Float(0.5 * Double(h) / tan(frame.verticalFOVDegrees * .pi / 360))
            return Camera(width: w, height: h, focalX: focal, focalY: focal,
                          centerX: Float(w) / 2, centerY: Float(h) / 2,
                          right: axis(0), up: axis(1), backward: axis(2), position: SIMD3(Float(t.x), Float(t.y), Float(t.z)))
        }
    }
}
