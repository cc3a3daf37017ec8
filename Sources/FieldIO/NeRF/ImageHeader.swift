import Foundation

/// The pixel size of a PNG or JPEG file read from its header alone, without decoding the image —
/// for datasets (Blender's) whose intrinsics depend on the image size.
public enum ImageHeader {
    /// Width and height of the PNG or JPEG image at `path`, reading only its first bytes when they hold
    /// the header (the whole file otherwise); errors name the file.
    public static func size(ofFile path: String) throws(FieldError) -> (width: Int, height: Int) {
        if let handle = FileHandle(forReadingAtPath: path) {
            let prefix = [UInt8](handle.readData(ofLength: 1 << 17))
            try? handle.close()
            if prefix.count < (1 << 17) { return try size(of: prefix, file: path) }
            if let s = try? size(of: prefix, file: path) { return s }
        }
        return try size(of: FileAccess.readBytes(path), file: path)
    }

    /// Width and height from the bytes of a PNG (IHDR) or JPEG (first SOFn segment).
    public static func size(of bytes: [UInt8], file: String) throws(FieldError) -> (width: Int, height: Int) {
        if bytes.isEmpty { throw FieldError(file: file, "is empty, expected a PNG or JPEG image") }
        func be(_ i: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 << 8 | Int(bytes[i + $1]) } }
        switch ImageFormat.detect(bytes) {
        case .png:
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
                throw FieldError(file: file, "truncated PNG: no IHDR header")
            }
            let w = be(16, 4), h = be(20, 4)
            guard w > 0, h > 0 else { throw FieldError(file: file, "PNG image is \(w)×\(h), expected a non-empty image") }
            return (w, h)
        case .jpeg:
            var i = 2
            while i + 3 < bytes.count {
                guard bytes[i] == 0xFF else { throw FieldError(file: file, "corrupt JPEG: expected a marker at byte \(i)") }
                let marker = bytes[i + 1]
                if marker == 0xFF { i += 1; continue }
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                let length = be(i + 2, 2)
                let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
                if isFrame {
                    guard i + 9 <= bytes.count else { break }
                    let h = be(i + 5, 2), w = be(i + 7, 2)
                    guard w > 0, h > 0 else { throw FieldError(file: file, "JPEG image is \(w)×\(h), expected a non-empty image") }
                    return (w, h)
                }
                if marker == 0xD9 || length < 2 { break }
                i += 2 + length
            }
            throw FieldError(file: file, "truncated JPEG: no frame header")
        case nil:
            throw FieldError(file: file, "is not a PNG or JPEG image")
        }
    }
}
