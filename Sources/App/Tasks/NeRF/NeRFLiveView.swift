import FieldIO
import ModelLibrary
import Render
import TensorCore

/// The NeRF task in the live viewer: the volume-rendered colour, expected depth, normals from the depth map, or
/// opacity through the viewer's camera; the training cameras to step through.
extension NeRFFitTask {
    var liveModes: [LiveMode] { NeRFTaskDefinition().liveModes }

    var liveHome: OrbitCamera.Home { OrbitCamera.Home(orbitOf: scene.render) }

    var liveCameras: [Camera] { trainViews.cameras }

    /// The fit loop's first step makes the occupancy grid from the untouched field (`trainingFromField`); the
    /// viewer makes it the same way before its first frame, so training is step for step fieldfit's.
    func prepareLive(_ trainer: Trainer) {
        trainer.withInferenceParameters { _ = training(trainer, resumed: true) }
    }

    func liveRender(_ camera: Camera, mode: LiveMode, fieldVersion: Int, trainer: Trainer, pool: WorkerPool) -> Image {
        let renderer = RadianceRenderer(grid: training(trainer, resumed: true).grid)
        let out = renderer.render(camera, field: NeRFRadianceField(trainer: trainer), background: scene.radiance.background, pool: pool)
        switch mode {
        case .depth: return NeRFRendering.depthImage(out, width: camera.width, height: camera.height)
        case .alpha: return Image(width: camera.width, height: camera.height, channels: 3, pixels: out.opacity.flatMap { [$0, $0, $0] })
        case .normals: return DepthNormals.image(out, camera: camera)
        default: return out.rgb
        }
    }
}
