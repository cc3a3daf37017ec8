import Foundation
import Geometry

/// A pinhole camera in the Blender/NeRF convention: camera-to-world rotation columns are right (x),
/// up (y) and backward (z) — the camera looks down its −z axis — plus its position. Intrinsics in
/// pixels: focal lengths and principal point; pixel (i, j) has its centre at (i + 0.5, j + 0.5), j down.
public struct Camera: Equatable, Sendable {
    /// Image size in pixels.
    public var width: Int
    public var height: Int
    /// Focal lengths in pixels.
    public var focalX: Float
    public var focalY: Float
    /// Principal point in pixels.
    public var centerX: Float
    public var centerY: Float
    /// Camera-to-world rotation columns.
    public var right: SIMD3<Float>
    public var up: SIMD3<Float>
    public var backward: SIMD3<Float>
    /// Camera position in world coordinates.
    public var position: SIMD3<Float>
    /// The lens's distortion, or nil for an ideal pinhole. Only `rayDirection(pixelX:pixelY:)` applies it.
    public var distortion: LensDistortion?

    /// A camera from explicit intrinsics and a camera-to-world pose (and optionally a lens distortion).
    public init(width: Int, height: Int, focalX: Float, focalY: Float, centerX: Float, centerY: Float,
                right: SIMD3<Float>, up: SIMD3<Float>, backward: SIMD3<Float>, position: SIMD3<Float>,
                distortion: LensDistortion? = nil) {
        self.width = width
        self.height = height
        self.focalX = focalX
        self.focalY = focalY
        self.centerX = centerX
        self.centerY = centerY
        self.right = right
        self.up = up
        self.backward = backward
        self.position = position
        self.distortion = distortion
    }

    /// A camera at `position` looking at `target`, with `worldUp` as the up hint and a horizontal
    /// field of view of `fieldOfViewX` degrees; principal point at the image centre.
    public static func lookAt(position: SIMD3<Float>, target: SIMD3<Float>, worldUp: SIMD3<Float>,
                              fieldOfViewX: Float, width: Int, height: Int) -> Camera {
        let backward = normalized(position - target)
        var right = cross(worldUp, backward)
        if length(right) < 1e-6 { right = cross(SIMD3(1, 0, 0), backward) }
        right = normalized(right)
        let up = cross(backward, right)
        let focal = Float(width) / 2 / Float(tan(Double(fieldOfViewX) * .pi / 360))
        return Camera(width: width, height: height, focalX: focal, focalY: focal,
                      centerX: Float(width) / 2, centerY: Float(height) / 2,
                      right: right, up: up, backward: backward, position: position)
    }

    /// The unit direction of the ray through the centre of pixel (`x`, `y`).
    @inline(__always)
    public func direction(x: Int, y: Int) -> SIMD3<Float> {
        let u = (Float(x) + 0.5 - centerX) / focalX
        let v = (Float(y) + 0.5 - centerY) / focalY
        return normalized(u * right - v * up - backward)
    }

    /// The unit direction of the ray through the continuous pixel position (`pixelX`, `pixelY`) (pixel
    /// (i, j) spans [i, i + 1) × [j, j + 1); its centre is i + 0.5, j + 0.5), with the lens distortion
    /// undone when the camera has one. Without distortion it equals `direction(x:y:)` at pixel centres.
    @inline(__always)
    public func rayDirection(pixelX: Float, pixelY: Float) -> SIMD3<Float> {
        var p = SIMD2((pixelX - centerX) / focalX, (pixelY - centerY) / focalY)
        if let distortion { p = distortion.undistort(p) }
        return normalized(p.x * right - p.y * up - backward)
    }

    /// The same camera with its image (and intrinsics) scaled to `width` × `height`.
    public func resized(width newWidth: Int, height newHeight: Int) -> Camera {
        var c = self
        let sx = Float(newWidth) / Float(width), sy = Float(newHeight) / Float(height)
        c.width = newWidth; c.height = newHeight
        c.focalX *= sx; c.focalY *= sy; c.centerX *= sx; c.centerY *= sy
        return c
    }

    /// `count` cameras evenly spaced on a circle around `center` (about the `worldUp` axis), at
    /// `distance` from it and `elevation` degrees above its plane, all looking at `center`.
    public static func orbit(count: Int, center: SIMD3<Float>, distance: Float, elevation: Float,
                             worldUp: SIMD3<Float>, fieldOfViewX: Float, width: Int, height: Int) -> [Camera] {
        let upAxis = normalized(worldUp)
        var a = cross(upAxis, SIMD3(0, 0, 1))
        if length(a) < 1e-3 { a = cross(upAxis, SIMD3(1, 0, 0)) }
        a = normalized(a)
        let b = cross(a, upAxis)
        let e = Float(Double(elevation) * .pi / 180)
        return (0..<count).map { i in
            let phi = Float(2 * Double.pi * Double(i) / Double(max(count, 1)))
            let horizontal = Float(cos(Double(phi))) * b + Float(sin(Double(phi))) * a
            let offset = distance * (cos(e) * horizontal + sin(e) * upAxis)
            return lookAt(position: center + offset, target: center, worldUp: upAxis, fieldOfViewX: fieldOfViewX,
                          width: width, height: height)
        }
    }
}
