import CImageCodecs

/// JPEG encoding and decoding in memory (libjpeg through the CImageCodecs bridge).
public enum JPEGCodec {
    /// Decodes JPEG bytes to a gray (1-channel) or RGB (3-channel) `Image` with samples k/255.
    /// Data that ends early is an error. `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> Image {
        try decodeBytes(bytes, file: file).floatImage
    }

    /// Decodes JPEG bytes to 8-bit gray or RGB, shrunk by libjpeg's DCT scaling to 1/`scaleDenominator`
    /// (1, 2, 4 or 8): `⌈width / d⌉ × ⌈height / d⌉` pixels, each close to the mean of its d × d block.
    public static func decodeBytes(_ bytes: [UInt8], file: String, scaleDenominator: Int = 1) throws(FieldError) -> ByteImage {
        var decoded = ic_image()
        var message = [CChar](repeating: 0, count: 512)
        let rc = bytes.withUnsafeBufferPointer { data in
            ic_jpeg_decode_scaled(data.baseAddress, data.count, Int32(scaleDenominator), &decoded, &message, message.count)
        }
        guard rc == 0, let raw = decoded.pixels else {
            throw FieldError(file: file, "cannot read the JPEG: \(CodecMessage.text(message))")
        }
        defer { ic_free(raw) }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        let samples = Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: width * height * channels))
        return ByteImage(width: width, height: height, channels: channels, samples: samples)
    }

    /// Encodes `image` as JPEG with `quality` 1–100. Gray stays gray; an image with alpha is composited
    /// over `background` into RGB first (JPEG has no alpha). `file` names the target in errors.
    public static func encode(_ image: Image, quality: Int = 90, background: SIMD3<Float> = SIMD3(repeating: 1),
                              file: String = "") throws(FieldError) -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw FieldError(file: file, "JPEG quality must be 1...100, got \(quality)")
        }
        guard image.width > 0, image.height > 0 else {
            throw FieldError(file: file, "cannot write an empty image (\(image.width)×\(image.height) pixels)")
        }
        // Gray stays gray, RGB stays RGB; anything with alpha is composited to RGB.
        let source = image.channels == 1 || image.channels == 3 ? image : image.rgb(background: background)
        let samples = SampleConversion.uint8s(source.pixels)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let rc = samples.withUnsafeBufferPointer { raw in
            ic_jpeg_encode(raw.baseAddress, Int32(source.width), Int32(source.height), Int32(source.channels),
                           Int32(quality), &out, &size, &message, message.count)
        }
        guard rc == 0, let encoded = out else {
            throw FieldError(file: file, "cannot encode the JPEG: \(CodecMessage.text(message))")
        }
        defer { ic_free(encoded) }
        return Array(UnsafeBufferPointer(start: encoded, count: size))
    }
}
