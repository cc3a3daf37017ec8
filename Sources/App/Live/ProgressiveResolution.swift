/// Decides at which fraction of full resolution the live viewer renders next: coarse while the camera
/// moves (the finest scale whose predicted render time fits the moving budget), then finer steps
/// (×2 each) once it stops, up to full resolution; while training runs, the full-resolution frame is
/// redrawn at most every `refreshSeconds` so the view follows the field.
public struct ProgressiveResolution: Sendable {
    /// The scales it uses, coarsest first (each twice the previous).
    public let scales: [Double] = [0.125, 0.25, 0.5, 1]
    /// Seconds a frame may take while the camera moves.
    public var movingBudget: Double
    /// Seconds between redraws of an unchanged camera while the field changes.
    public var refreshSeconds: Double
    /// Render seconds per pixel, smoothed (nil until a frame has been timed).
    public private(set) var secondsPerPixel: Double?
    /// What is on screen: camera version, field version and scale of the last frame, and when it was drawn.
    private var shown: (camera: Int, field: Int, scale: Double, time: Double)?

    /// A scheduler with the given budgets.
    public init(movingBudget: Double = 1.0 / 20, refreshSeconds: Double = 0.5) {
        self.movingBudget = movingBudget
        self.refreshSeconds = refreshSeconds
    }

    /// The scale to render now for a camera at `cameraVersion` and a field at `fieldVersion`, whose full
    /// resolution has `fullPixels` pixels; nil when the frame on screen is current. `now` is in seconds.
    public func nextScale(cameraVersion: Int, fieldVersion: Int, fullPixels: Int, now: Double) -> Double? {
        guard let s = shown else { return firstScale(fullPixels: fullPixels) }
        if s.camera != cameraVersion { return firstScale(fullPixels: fullPixels) }
        if s.scale < 1 { return scales.first { $0 > s.scale } ?? 1 }
        if s.field != fieldVersion && now - s.time >= refreshSeconds { return 1 }
        return nil
    }

    /// The finest scale whose predicted time fits the moving budget (the coarsest when nothing is timed yet).
    func firstScale(fullPixels: Int) -> Double {
        guard let spp = secondsPerPixel else { return scales[0] }
        return scales.last { spp * Double(fullPixels) * $0 * $0 <= movingBudget } ?? scales[0]
    }

    /// Records a finished frame: what it showed, its pixel count and how long it took.
    public mutating func frameShown(cameraVersion: Int, fieldVersion: Int, scale: Double, pixels: Int,
                                    seconds: Double, now: Double) {
        shown = (cameraVersion, fieldVersion, scale, now)
        let spp = seconds / Double(max(pixels, 1))
        secondsPerPixel = secondsPerPixel.map { 0.7 * $0 + 0.3 * spp } ?? spp
    }

    /// Forgets the frame on screen (e.g. after the render mode changed), so the next frame starts coarse.
    public mutating func invalidate() { shown = nil }
}
