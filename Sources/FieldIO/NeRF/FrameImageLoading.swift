/// Loading a posed frame's image as training data.
extension PosedFrame {
    /// The frame's image, channels kept (RGBA stays RGBA), shrunk by the frame's `downscale`.
    /// Errors are one line naming the transforms.json, the frame and the key: an unreadable image, or one
    /// whose size disagrees with the intrinsics.
    public func loadImage() throws(FieldError) -> Image {
        let image: Image
        do { image = try Image.read(imagePath) } catch {
            throw FieldError(file: sourceFile, location: "\(location).file_path", error.description)
        }
        let want = fileIntrinsics
        guard image.width == want.width, image.height == want.height else {
            throw FieldError(file: sourceFile, location: "\(location).w",
                             "image \(imagePath) is \(image.width)×\(image.height) pixels, but w × h is \(want.width)×\(want.height)")
        }
        let out = image.downscaled(by: downscale)
        let scaled = intrinsics
        guard out.width == scaled.width, out.height == scaled.height else {
            throw FieldError(file: sourceFile, location: "\(location).w",
                             "image \(imagePath) downscaled by \(downscale) is \(out.width)×\(out.height), but the intrinsics say \(scaled.width)×\(scaled.height)")
        }
        return out
    }
}
