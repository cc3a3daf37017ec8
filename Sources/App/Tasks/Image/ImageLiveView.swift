import FieldIO
import ModelLibrary
import Render
import TensorCore

/// The image task in the live viewer: the reconstruction, the target, or the error heatmap of the whole image
/// (the camera is ignored).
extension ImageFitTask {
    var liveModes: [LiveMode] { ImageTaskDefinition().liveModes }

    /// The whole image, whatever the camera: the viewer pans and zooms it.
    var liveUsesCamera: Bool { false }

    var liveHome: OrbitCamera.Home {
        OrbitCamera.Home(center: SIMD3(repeating: 0.5), distance: 1, elevation: 0, worldUp: SIMD3(0, 1, 0),
                         fieldOfView: 40, width: task.width, height: task.height)
    }

    func liveRender(_ camera: Camera, mode: LiveMode, fieldVersion: Int, trainer: Trainer, pool: WorkerPool) -> Image {
        let target = Image(width: task.width, height: task.height, channels: task.channels, pixels: task.target.array)
        if mode == .target { return target.channels == 3 ? target : target.rgb() }
        trainer.infer(input: pixelInput.pointer, output: reconstruction.pointer, batch: task.pixelCount, pool: pool)
        var pixels = [Float](repeating: 0, count: reconstruction.count)
        for i in 0..<reconstruction.count { pixels[i] = min(max(reconstruction[i], 0), 1) }
        let prediction = Image(width: task.width, height: task.height, channels: task.channels, pixels: pixels)
        let shown = mode == .error ? errorHeatmap(prediction: prediction, target: target) : prediction
        return shown.channels == 3 ? shown : shown.rgb()
    }
}
