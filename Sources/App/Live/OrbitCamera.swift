import Foundation
import Geometry
import Render

/// The live viewer's camera controller: an orbit around a centre (azimuth, elevation, distance) with
/// pan, fly moves and a field of view, or one of the training cameras. Its home pose is exactly the
/// first view of the scene's render orbit (`Camera.orbit(count: 1, …)`), so a screenshot of the home
/// view can be compared with `fieldfit render RUN --orbit 1`.
public struct OrbitCamera: Equatable, Sendable {
    /// Where the orbit starts (the scene's render settings).
    public struct Home: Equatable, Sendable {
        public var center: SIMD3<Float>
        public var distance: Float
        /// Degrees above the horizontal plane.
        public var elevation: Float
        public var worldUp: SIMD3<Float>
        /// Horizontal field of view in degrees.
        public var fieldOfView: Float
        /// The full-resolution image size.
        public var width: Int
        public var height: Int

        /// A home pose.
        public init(center: SIMD3<Float>, distance: Float, elevation: Float, worldUp: SIMD3<Float>,
                    fieldOfView: Float, width: Int, height: Int) {
            self.center = center; self.distance = distance; self.elevation = elevation
            self.worldUp = worldUp; self.fieldOfView = fieldOfView; self.width = width; self.height = height
        }

        /// The home pose of a scene's render orbit (centred on the unit cube), for 3D fields.
        init(orbitOf r: RenderSettings) {
            self.init(center: SIMD3(repeating: 0.5), distance: Float(r.distance), elevation: Float(r.elevation),
                      worldUp: r.up, fieldOfView: Float(r.fieldOfView), width: r.width, height: r.height)
        }
    }

    /// The pose `reset()` returns to.
    public let home: Home
    /// Point the orbit turns around.
    public private(set) var center: SIMD3<Float>
    /// Degrees around the up axis, from the home view.
    public private(set) var azimuth: Float = 0
    /// Degrees above the horizontal plane, within ±89.
    public private(set) var elevation: Float
    public private(set) var distance: Float
    /// Horizontal field of view in degrees, within 5…150.
    public private(set) var fieldOfView: Float
    /// Index into the training cameras while stepping through them (nil: the orbit).
    public private(set) var trainingView: Int?
    /// Grows with every change, so a renderer can tell whether its frame is current.
    public private(set) var version = 0

    /// A controller at its home pose.
    public init(home: Home) {
        self.home = home
        center = home.center
        elevation = home.elevation
        distance = home.distance
        fieldOfView = home.fieldOfView
    }

    /// Back to the home pose (the orbit's first view).
    public mutating func reset() {
        center = home.center; azimuth = 0; elevation = home.elevation; distance = home.distance
        fieldOfView = home.fieldOfView; trainingView = nil; version += 1
    }

    /// Orbits by a mouse drag of (`dx`, `dy`) pixels: 0.4° a pixel.
    public mutating func orbit(dx: Double, dy: Double) {
        leaveTrainingView()
        azimuth = (azimuth - Float(dx) * 0.4).truncatingRemainder(dividingBy: 360)
        elevation = min(89, max(-89, elevation + Float(dy) * 0.4))
        version += 1
    }

    /// Moves the centre in the view plane by a drag of (`dx`, `dy`) pixels of a window `windowHeight` tall.
    public mutating func pan(dx: Double, dy: Double, windowHeight: Int) {
        leaveTrainingView()
        let c = orbitCamera(width: home.width, height: home.height)
        let worldPerPixel = 2 * distance * Float(tan(Double(fieldOfView) * .pi / 360)) / Float(max(windowHeight, 1))
        center += worldPerPixel * (-Float(dx) * c.right + Float(dy) * c.up)
        version += 1
    }

    /// Zooms by wheel `clicks` (positive: closer), 10 % a click.
    public mutating func zoom(clicks: Double) {
        leaveTrainingView()
        distance = min(100, max(0.01, distance * Float(pow(0.9, clicks))))
        version += 1
    }

    /// Flies the camera (and its orbit centre) along its own axes: `forward`, `right`, `up` in units of the
    /// home distance (a key press moves 2 %).
    public mutating func fly(forward: Float, right: Float, up: Float) {
        leaveTrainingView()
        let c = orbitCamera(width: home.width, height: home.height)
        center += home.distance * (-forward * c.backward + right * c.right + up * c.up)
        version += 1
    }

    /// Widens (positive) or narrows the field of view by `degrees`.
    public mutating func changeFieldOfView(by degrees: Float) {
        fieldOfView = min(150, max(5, fieldOfView + degrees))
        version += 1
    }

    /// Steps through `count` training cameras by `delta` (from the orbit: to the first or last).
    public mutating func stepTrainingView(by delta: Int, count: Int) {
        guard count > 0 else { return }
        if let v = trainingView {
            trainingView = ((v + delta) % count + count) % count
        } else {
            trainingView = delta >= 0 ? 0 : count - 1
        }
        version += 1
    }

    private mutating func leaveTrainingView() { trainingView = nil }

    /// The orbit's camera at `width`×`height` (the same field of view at any size).
    public func orbitCamera(width: Int, height: Int) -> Camera {
        // Built as Camera.orbit builds its views, so that the home pose is bit-identical to its first one.
        let upAxis = normalized(home.worldUp)
        var a = cross(upAxis, SIMD3(0, 0, 1))
        if length(a) < 1e-3 { a = cross(upAxis, SIMD3(1, 0, 0)) }
        a = normalized(a)
        let b = cross(a, upAxis)
        let e = Float(Double(elevation) * .pi / 180)
        let phi = Float(Double(azimuth) * .pi / 180)
        let horizontal = Float(cos(Double(phi))) * b + Float(sin(Double(phi))) * a
        let offset = distance * (cos(e) * horizontal + sin(e) * upAxis)
        return Camera.lookAt(position: center + offset, target: center, worldUp: upAxis, fieldOfViewX: fieldOfView,
                             width: width, height: height)
    }

    /// The camera to render at `scale` of full resolution: the orbit's, or the training camera being shown
    /// (`trainingCameras[trainingView]`, its intrinsics scaled, its field of view widened or narrowed by
    /// the field-of-view keys).
    public func camera(scale: Double, trainingCameras: [Camera]) -> Camera {
        if let v = trainingView, v < trainingCameras.count {
            var c = trainingCameras[v]
            let w = max(1, Int((Double(c.width) * scale).rounded())), h = max(1, Int((Double(c.height) * scale).rounded()))
            let sx = Float(w) / Float(c.width), sy = Float(h) / Float(c.height)
            let zoom = Float(tan(Double(home.fieldOfView) * .pi / 360) / tan(Double(fieldOfView) * .pi / 360))
            c.focalX *= sx * zoom; c.focalY *= sy * zoom; c.centerX *= sx; c.centerY *= sy
            c.width = w; c.height = h
            return c
        }
        let w = max(1, Int((Double(home.width) * scale).rounded())), h = max(1, Int((Double(home.height) * scale).rounded()))
        return orbitCamera(width: w, height: h)
    }
}
