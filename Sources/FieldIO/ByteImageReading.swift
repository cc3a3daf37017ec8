/// Reading an image file straight into 8-bit samples, shrunk on the way: JPEGs by libjpeg's DCT scaling
/// (1/2, 1/4 or 1/8, as far as the factor allows), then an exact box filter for what remains.
extension ByteImage {
    /// The PNG or JPEG file at `path` (recognised by its first bytes) shrunk by `factor` to
    /// `⌊width / factor⌋ × ⌊height / factor⌋`. Errors name the file.
    public static func read(_ path: String, shrinkBy factor: Int = 1) throws(FieldError) -> ByteImage {
        let bytes = try FileAccess.readBytes(path)
        return try decode(bytes, file: path, shrinkBy: factor)
    }

    /// Decodes PNG or JPEG bytes and shrinks them by `factor` (see `read`); `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String, shrinkBy factor: Int = 1) throws(FieldError) -> ByteImage {
        precondition(factor >= 1, "shrink factor must be at least 1")
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected a PNG or JPEG image") }
        switch ImageFormat.detect(bytes) {
        case .png:
            return try PNGCodec.decodeBytes(bytes, file: file).downscaled(by: factor)
        case .jpeg:
            let (fullWidth, fullHeight) = try ImageHeader.size(of: bytes, file: file)
            let dct = dctScale(for: factor)
            let scaled = try JPEGCodec.decodeBytes(bytes, file: file, scaleDenominator: dct)
            return scaled.downscaled(by: factor / dct, width: fullWidth / factor, height: fullHeight / factor)
        case nil:
            throw FieldError(file: file, "is not a PNG or JPEG image")
        }
    }

    /// The largest of libjpeg's scale denominators 8, 4, 2 that divides `factor` (1 when none does).
    public static func dctScale(for factor: Int) -> Int {
        [8, 4, 2].first { factor % $0 == 0 } ?? 1
    }
}
