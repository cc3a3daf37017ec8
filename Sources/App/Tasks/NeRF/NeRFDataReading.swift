import FieldIO

/// Reading a NeRF scene's posed-image data, whichever form the scene gives it in.
extension NeRFData {
    /// The dataset of a transforms.json or COLMAP model, and the path it came from.
    func readPosedImages() throws(FieldError) -> (dataset: PosedImageDataset, source: String) {
        switch self {
        case let .posedImages(path, downscale, testEvery):
            return (try PosedImageDataset.read(path, options: DatasetOptions(downscale: downscale, testEvery: testEvery)), path)
        case let .colmap(model, images, downscale, testEvery):
            return (try PosedImageDataset.read(colmap: model, images: images, options: DatasetOptions(downscale: downscale, testEvery: testEvery)), model)
        case .proceduralViews, .proceduralCity:
            throw FieldError(location: "data", "the procedural scene is rendered, not read from posed images")
        }
    }
}
