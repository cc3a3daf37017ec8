import FieldIO
import Foundation
import Geometry
import Render
import TensorCore

/// Writes the PNG views of a distance field that a scene's `render` settings ask for: the orbit and
/// the explicit cameras, each in every requested mode, under `renders/orbit/` and `renders/cameras/`.
enum SDFRendering {
    /// The cameras of `settings` in the field's unit-cube coordinates, grouped by folder name.
    static func cameras(_ settings: RenderSettings, transform: UnitTransform, width: Int? = nil, height: Int? = nil,
                        orbitViews: Int? = nil) -> [(set: String, cameras: [Camera])] {
        let w = width ?? settings.width, h = height ?? settings.height
        var sets: [(set: String, cameras: [Camera])] = []
        let views = orbitViews ?? settings.orbitViews
        if views > 0 {
            sets.append(("orbit", Camera.orbit(count: views, center: SIMD3(repeating: 0.5), distance: Float(settings.distance),
                                               elevation: Float(settings.elevation), worldUp: settings.up,
                                               fieldOfViewX: Float(settings.fieldOfView), width: w, height: h)))
        }
        if !settings.cameras.isEmpty {
            sets.append(("cameras", settings.cameras.map { c in
                Camera.lookAt(position: transform.toUnit(c.position), target: transform.toUnit(c.lookAt),
                              worldUp: c.up ?? settings.up, fieldOfViewX: Float(c.fieldOfView ?? settings.fieldOfView),
                              width: w, height: h)
            }))
        }
        return sets
    }

    /// Renders and writes every view; returns the mean seconds per view (tracing and normals, without PNG encoding).
    @discardableResult
    static func write(field: TrainedDistanceField, settings: RenderSettings, transform: UnitTransform, folder: RunFolder,
                      pool: WorkerPool, width: Int? = nil, height: Int? = nil, orbitViews: Int? = nil,
                      quiet: Bool) throws(FieldError) -> Double {
        var renderer = SDFRenderer()
        renderer.normals = field.normalEstimate(settings)
        let sets = cameras(settings, transform: transform, width: width, height: height, orbitViews: orbitViews)
        guard !sets.isEmpty else { return .nan }
        let t0 = monotonicSeconds()
        let grid = renderer.tracer.coarseGrid(field, pool: pool)
        var traceSeconds = monotonicSeconds() - t0
        var views = 0
        for (set, cams) in sets {
            let dir = folder.file("renders/\(set)")
            try FileAccess.makeFolder(dir)
            for (k, camera) in cams.enumerated() {
                let start = monotonicSeconds()
                let frame = renderer.trace(camera: camera, field: field, grid: grid, pool: pool)
                traceSeconds += monotonicSeconds() - start
                views += 1
                for mode in settings.modes {
                    guard let m = SDFRenderer.Mode(rawValue: mode) else { continue }
                    try renderer.image(frame, mode: m).writePNG(to: (dir as NSString).appendingPathComponent(mode + String(format: "_%03d.png", k)))
                }
            }
        }
        if !quiet {
            print("fieldfit: rendered \(views) view\(views == 1 ? "" : "s") (\(sets.map(\.set).joined(separator: ", "))) in \(String(format: "%.2f", traceSeconds)) s → \(folder.file("renders"))")
        }
        return traceSeconds / Double(max(views, 1))
    }
}
