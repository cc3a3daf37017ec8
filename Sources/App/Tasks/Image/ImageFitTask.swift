import FieldIO
import Fields
import ModelLibrary
import Render
import TensorCore

/// The image task inside the fit loop: stratified pixel batches, PSNR, and the reconstruction and
/// error PNGs at the end.
final class ImageFitTask: BatchedFitTask {
    let task: ImageTask
    let pixelInput: FloatBuffer
    /// Scratch for the prediction at every pixel centre (evaluation, outputs, the live view).
    let reconstruction: FloatBuffer

    /// Loads the scene's image (or makes the procedural one).
    init(_ scene: Scene) throws(FieldError) {
        switch scene.data as? ImageData {
        case .file(let path):
            let image = try Image.read(path)
            task = ImageTask(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels)
        case let .procedural(name, width, height):
            guard let pixels = ProceduralImage.make(name, width: width, height: height) else {
                throw FieldError(file: scene.file, location: "data.procedural", "unknown procedural image \"\(name)\"")
            }
            task = ImageTask(width: width, height: height, channels: 3, pixels: pixels)
        case nil:
            throw FieldError(file: scene.file, location: "data", "an image task needs \"image\" or \"procedural\"")
        }
        pixelInput = task.pixelCentres()
        reconstruction = FloatBuffer(count: task.pixelCount * task.channels)
    }

    var inputWidth: Int { task.inputWidth }
    var outputWidth: Int { task.channels }
    var summary: String { "\(task.width)×\(task.height) image" }
    var checkpointState: JSONValue? { nil }
    var headline: HeadlineScore {
        HeadlineScore(name: "psnr", label: "PSNR (dB)", format: { "psnr \(String(format: "%.2f", $0)) dB" },
                      thresholds: [25, 30, 35, 40])
    }

    func sampleBatch(batch: Int, input: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>,
                     rng: inout RandomGenerator, pool: WorkerPool) {
        task.sampleBatch(batch: batch, input: input, targets: targets, rng: &rng)
    }

    /// Every pixel centre, weighted by the target's Sobel gradient magnitude (NeuRBF's image initialisation).
    func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) -> InitializationSamples? {
        InitializationSamples(points: pixelInput.array, weights: task.sobelMagnitude(), dimensions: 2,
                              description: "Sobel gradient magnitude of \(task.width)×\(task.height) pixels")
    }

    /// The pixel centres: training batches and evaluation use exactly these points.
    var inputLattice: InputLattice? { InputLattice(width: task.width, height: task.height, points: pixelInput) }

    func evaluate(_ trainer: Trainer, pool: WorkerPool) -> [Evaluation.Score] {
        trainer.infer(input: pixelInput.pointer, output: reconstruction.pointer, batch: task.pixelCount, pool: pool)
        return [Evaluation.Score(name: "psnr", value: ImageMetrics.psnr(mse: task.meanSquaredError(reconstruction.pointer)))]
    }

    func writeOutputs(_ trainer: Trainer, history: [Evaluation], folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], quiet: Bool) throws(FieldError) {
        trainer.infer(input: pixelInput.pointer, output: reconstruction.pointer, batch: task.pixelCount, pool: pool)
        var predicted = [Float](repeating: 0, count: reconstruction.count)
        for i in 0..<reconstruction.count { predicted[i] = min(max(reconstruction[i], 0), 1) }
        let prediction = Image(width: task.width, height: task.height, channels: task.channels, pixels: predicted)
        let target = Image(width: task.width, height: task.height, channels: task.channels, pixels: task.target.array)
        try prediction.writePNG(to: folder.file("reconstruction.png"))
        try errorHeatmap(prediction: prediction, target: target).writePNG(to: folder.file("error.png"))
        final.append(("ssim", .double(ImageMetrics.ssim(prediction, target))))
    }
}
