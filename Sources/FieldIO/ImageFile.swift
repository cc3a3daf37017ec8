/// Reading and writing images as files: the format is detected from the content when reading,
/// and files are written atomically (a temporary file and a rename).
extension Image {
    /// Reads a PNG or JPEG file, recognised by its first bytes (not its name).
    /// Errors name the file: missing, unreadable, empty, not an image, truncated, 0×0.
    public static func read(_ path: String) throws(FieldError) -> Image {
        let bytes = try FileAccess.readBytes(path)
        return try decode(bytes, file: path)
    }

    /// Decodes PNG or JPEG bytes, recognised by their signature; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> Image {
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected a PNG or JPEG image") }
        switch ImageFormat.detect(bytes) {
        case .png: return try PNGCodec.decode(bytes, file: file)
        case .jpeg: return try JPEGCodec.decode(bytes, file: file)
        case nil: throw FieldError(file: file, "is not a PNG or JPEG image")
        }
    }

    /// Writes the image as a PNG with 8 (default) or 16 bits per sample, atomically.
    public func writePNG(to path: String, bitDepth: Int = 8) throws(FieldError) {
        let bytes = try PNGCodec.encode(self, bitDepth: bitDepth, file: path)
        try FileAccess.writeAtomically(bytes, to: path)
    }

    /// Writes the image as a JPEG with `quality` 1–100, atomically; alpha is composited over `background`.
    public func writeJPEG(to path: String, quality: Int = 90, background: SIMD3<Float> = SIMD3(repeating: 1)) throws(FieldError) {
        let bytes = try JPEGCodec.encode(self, quality: quality, background: background, file: path)
        try FileAccess.writeAtomically(bytes, to: path)
    }

    /// Writes PNG or JPEG after the file name's extension (`.png`, `.jpg`, `.jpeg`).
    public func write(to path: String) throws(FieldError) {
        switch ImageFormat.fromExtension(path) {
        case .png: try writePNG(to: path)
        case .jpeg: try writeJPEG(to: path)
        case nil: throw FieldError(file: path, "unknown image file extension, expected .png, .jpg or .jpeg")
        }
    }
}
