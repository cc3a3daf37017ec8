import FieldIO
import ModelLibrary
import Render
import TensorCore

/// The SDF task in the live viewer: the sphere-traced surface (shaded, depth, normals or hit mask) through the
/// viewer's camera, with the tracer's coarse grid rebuilt whenever the field has changed.
extension SDFFitTask {
    var liveModes: [LiveMode] { SDFTaskDefinition().liveModes }

    var liveHome: OrbitCamera.Home { OrbitCamera.Home(orbitOf: scene.render) }

    func liveRender(_ camera: Camera, mode: LiveMode, fieldVersion: Int, trainer: Trainer, pool: WorkerPool) -> Image {
        let field = TrainedDistanceField(trainer: trainer)
        var renderer = SDFRenderer()
        renderer.normals = field.normalEstimate(scene.render)
        if liveGrid?.fieldVersion != fieldVersion {
            liveGrid = (fieldVersion, renderer.tracer.coarseGrid(field, pool: pool))
        }
        let frame = renderer.trace(camera: camera, field: field, grid: liveGrid?.grid, pool: pool)
        switch mode {
        case .depth: return renderer.image(frame, mode: .depth)
        case .normals: return renderer.image(frame, mode: .normals)
        case .alpha: return Image(width: camera.width, height: camera.height, channels: 3,
                                  pixels: frame.depth.flatMap { d -> [Float] in d.isFinite ? [1, 1, 1] : [0, 0, 0] })
        default: return renderer.image(frame, mode: .shaded)
        }
    }
}
