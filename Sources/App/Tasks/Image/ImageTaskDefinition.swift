import FieldIO
import Fields
import ModelLibrary
import TensorCore

/// The image task: uv → pixel values of one image (a PNG or JPEG, or a procedural image).
struct ImageTaskDefinition: TaskDefinition {
    let name = "image"
    let dataExample = "{\"image\": \"photo.png\"}"
    var liveModes: [LiveMode] { [.rgb, .target, .error] }
    var dataFileKey: String? { "image" }
    var dataFileExtensions: [String] { ["png", "jpg", "jpeg"] }

    /// instant-ngp's image model: hash grid 16 levels × 2 features, 2^19 entries, base 16 (finest level set to
    /// the image size); a 64-wide MLP with two hidden ReLU layers and a sigmoid output, no biases; L2; Adam.
    var defaults: TaskDefaults {
        TaskDefaults(
            encoding: .object([("otype", .string("HashGrid")), ("n_levels", .int(16)), ("n_features_per_level", .int(2)),
                               ("log2_hashmap_size", .int(19)), ("base_resolution", .int(16))]),
            network: .object([("otype", .string("FullyFusedMLP")), ("activation", .string("ReLU")), ("output_activation", .string("Sigmoid")),
                              ("n_neurons", .int(64)), ("n_hidden_layers", .int(2))]),
            loss: .object([("otype", .string("L2"))]),
            optimizer: TaskDefaults.instantNGPAdam)
    }

    func readData(_ o: ConfigObject, paths: ScenePaths) throws(FieldError) -> any TaskData {
        if let imagePath = try o.string("image") { return ImageData.file(paths.absolute(imagePath)) }
        if let procedural = try o.string("procedural") {
            guard ProceduralImage.names.contains(procedural) else {
                throw o.error("procedural", "unknown procedural image \"\(procedural)\", expected one of \(ProceduralImage.names.joined(separator: ", "))")
            }
            return ImageData.procedural(name: procedural, width: try o.int("width", default: 256, in: 1...16384),
                                        height: try o.int("height", default: 256, in: 1...16384))
        }
        throw o.error("image", "missing: expected \"image\" (a PNG or JPEG path) or \"procedural\"")
    }

    func makeTask(_ scene: inout Scene, pool: WorkerPool) throws(FieldError) -> (task: FitTask, finestResolution: Int) {
        let image = try ImageFitTask(scene)
        return (image, max(image.task.width, image.task.height))
    }
}

/// The image task's `data`: an image file or a procedural image.
enum ImageData: TaskData, Equatable {
    /// An image file (absolute path).
    case file(String)
    /// A built-in analytic image.
    case procedural(name: String, width: Int, height: Int)

    var json: JSONValue {
        switch self {
        case .file(let path): return .object([("image", .string(path))])
        case let .procedural(n, w, h): return .object([("procedural", .string(n)), ("width", .int(w)), ("height", .int(h))])
        }
    }
}

extension TaskDefaults {
    /// Adam with instant-ngp's settings.
    static let instantNGPAdam: JSONValue = .object([
        ("otype", .string("Adam")), ("learning_rate", .double(1e-2)), ("beta1", .double(0.9)), ("beta2", .double(0.99)),
        ("epsilon", .double(1e-15)), ("l2_reg", .double(0)),
    ])
}
