/// A COLMAP model as a posed-image dataset (a scene's `"data": {"colmap": "DIR/sparse/0", "images": "DIR/images"}`).
extension PosedImageDataset {
    /// The registered images of the COLMAP model in `model` (binary or text) with their files in `images`,
    /// placed exactly as `fieldfit process` writes them to transforms.json (`COLMAPCapture`); the split is
    /// every `testEvery`-th view by image name.
    public static func read(colmap model: String, images: String, options: DatasetOptions = DatasetOptions()) throws(FieldError) -> PosedImageDataset {
        guard options.downscale >= 1 else { throw FieldError(file: model, "downscale must be an integer of at least 1, got \(options.downscale)") }
        guard options.testEvery >= 0 else { throw FieldError(file: model, "testEvery must be 0 (no test views) or more, got \(options.testEvery)") }
        let capture = try COLMAPCapture.read(model: model, images: images)
        let frames = try capture.frames.enumerated().map { (i, original) throws(FieldError) in
            var frame = original
            frame.downscale = options.downscale
            let k = frame.intrinsics
            guard k.width >= 1, k.height >= 1 else {
                throw FieldError(file: model, "downscale \(options.downscale) leaves no pixels of the \(original.fileIntrinsics.width)×\(original.fileIntrinsics.height) image \(original.imagePath)")
            }
            frame.split = DatasetSplit.heldOut(index: i, every: options.testEvery)
            return frame
        }
        return PosedImageDataset(source: model, files: [model], format: .instantNGP, scene: capture.scene,
                                 frames: frames, options: options, hasOwnTestSplit: false)
    }
}
