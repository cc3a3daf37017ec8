import CImageCodecs

/// PNG encoding and decoding in memory (libpng through the CImageCodecs bridge).
public enum PNGCodec {
    /// Decodes PNG bytes of any colour type and bit depth to an `Image` with samples in [0, 1]
    /// (8-bit as k/255, 16-bit as k/65535). `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws(FieldError) -> Image {
        let decoded = try decodeRaw(bytes, file: file)
        defer { ic_free(decoded.pixels) }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        let count = width * height * channels
        let pixels = decoded.bit_depth == 16
            ? SampleConversion.floats(fromUInt16: decoded.pixels.assumingMemoryBound(to: UInt16.self), count: count)
            : SampleConversion.floats(fromUInt8: decoded.pixels.assumingMemoryBound(to: UInt8.self), count: count)
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Decodes PNG bytes to 8-bit samples (16-bit files rounded to the nearest 8-bit level).
    public static func decodeBytes(_ bytes: [UInt8], file: String) throws(FieldError) -> ByteImage {
        let decoded = try decodeRaw(bytes, file: file)
        defer { ic_free(decoded.pixels) }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        let count = width * height * channels
        var samples = [UInt8](repeating: 0, count: count)
        samples.withUnsafeMutableBufferPointer { out in
            if decoded.bit_depth == 16 {
                let s = decoded.pixels.assumingMemoryBound(to: UInt16.self)
                for i in 0..<count { out[i] = UInt8((UInt32(s[i]) &* 255 &+ 32767) / 65535) }
            } else {
                out.baseAddress!.update(from: decoded.pixels.assumingMemoryBound(to: UInt8.self), count: count)
            }
        }
        return ByteImage(width: width, height: height, channels: channels, samples: samples)
    }

    /// The bridge's decoded image (8- or 16-bit samples; the caller frees `pixels` with `ic_free`).
    static func decodeRaw(_ bytes: [UInt8], file: String) throws(FieldError) -> (width: Int32, height: Int32, channels: Int32, bit_depth: Int32, pixels: UnsafeMutableRawPointer) {
        if let (w, h) = headerSize(bytes), w == 0 || h == 0 {
            throw FieldError(file: file, "the PNG image is empty (\(w)×\(h) pixels)")
        }
        var decoded = ic_image()
        var message = [CChar](repeating: 0, count: 512)
        let rc = bytes.withUnsafeBufferPointer { data in
            ic_png_decode(data.baseAddress, data.count, &decoded, &message, message.count)
        }
        guard rc == 0, let raw = decoded.pixels else {
            throw FieldError(file: file, "cannot read the PNG: \(CodecMessage.text(message))")
        }
        return (decoded.width, decoded.height, decoded.channels, decoded.bit_depth, raw)
    }

    /// Encodes `image` as PNG with 8 or 16 bits per sample (samples clamped to [0, 1] and rounded);
    /// gray, gray + alpha, RGB or RGBA after the image's channel count. `file` names the target in errors.
    public static func encode(_ image: Image, bitDepth: Int = 8, compression: Int = 6, file: String = "") throws(FieldError) -> [UInt8] {
        guard bitDepth == 8 || bitDepth == 16 else {
            throw FieldError(file: file, "PNG bit depth must be 8 or 16, got \(bitDepth)")
        }
        guard image.width > 0, image.height > 0 else {
            throw FieldError(file: file, "cannot write an empty image (\(image.width)×\(image.height) pixels)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 512)
        let rc: Int32
        if bitDepth == 16 {
            let samples = SampleConversion.uint16s(image.pixels)
            rc = samples.withUnsafeBytes { raw in
                ic_png_encode(raw.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), 16,
                              Int32(compression), &out, &size, &message, message.count)
            }
        } else {
            let samples = SampleConversion.uint8s(image.pixels)
            rc = samples.withUnsafeBytes { raw in
                ic_png_encode(raw.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), 8,
                              Int32(compression), &out, &size, &message, message.count)
            }
        }
        guard rc == 0, let encoded = out else {
            throw FieldError(file: file, "cannot encode the PNG: \(CodecMessage.text(message))")
        }
        defer { ic_free(encoded) }
        return Array(UnsafeBufferPointer(start: encoded, count: size))
    }

    /// Width and height from the IHDR chunk, or nil when the header is not there.
    static func headerSize(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count >= 24, bytes[12] == 0x49, bytes[13] == 0x48, bytes[14] == 0x44, bytes[15] == 0x52 else { return nil }
        func be32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }
}

/// Turns a C message buffer into a Swift string.
enum CodecMessage {
    static func text(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let s = String(decoding: bytes, as: UTF8.self)
        return s.isEmpty ? "unknown error" : s
    }
}
