/// Loading a posed frame's image as training data.
extension PosedFrame {
    /// The frame's image as 8-bit samples, channels kept (RGBA stays RGBA), shrunk by the frame's
    /// `downscale` while decoding (`ByteImage.read(_:shrinkBy:)`: JPEGs by libjpeg's DCT scaling where the
    /// factor allows). Errors are one line naming the transforms.json, the frame and the key: an unreadable
    /// image, or one whose size disagrees with the intrinsics.
    public func loadBytes() throws(FieldError) -> ByteImage {
        let want = fileIntrinsics
        let size: (width: Int, height: Int)
        do { size = try ImageHeader.size(ofFile: imagePath) } catch {
            throw FieldError(file: sourceFile, location: "\(location).file_path", error.description)
        }
        guard size.width == want.width, size.height == want.height else {
            throw FieldError(file: sourceFile, location: "\(location).w",
                             "image \(imagePath) is \(size.width)×\(size.height) pixels, but w × h is \(want.width)×\(want.height)")
        }
        let out: ByteImage
        do { out = try ByteImage.read(imagePath, shrinkBy: downscale) } catch {
            throw FieldError(file: sourceFile, location: "\(location).file_path", error.description)
        }
        let scaled = intrinsics
        guard out.width == scaled.width, out.height == scaled.height else {
            throw FieldError(file: sourceFile, location: "\(location).w",
                             "image \(imagePath) is \(out.width * downscale)×\(out.height * downscale) pixels once decoded, but w × h is \(want.width)×\(want.height)")
        }
        return out
    }

    /// The frame's image with float samples (see `loadBytes`).
    public func loadImage() throws(FieldError) -> Image {
        try loadBytes().floatImage
    }
}
