import Foundation
@testable import FieldIO
import TestSupport

/// A fresh, empty temporary folder for one test (removed at the end of the test process).
func temporaryFolder(_ name: String = #function) -> String { TemporaryFolders.make(name) }

/// Writes raw bytes to `name` inside `folder` and returns the path.
@discardableResult
func writeBytes(_ folder: String, _ name: String, _ bytes: [UInt8]) -> String {
    let path = folder + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// The FieldError `body` throws, or nil when it does not throw.
func caught<T>(_ body: () throws(FieldError) -> T) -> FieldError? {
    do { _ = try body(); return nil } catch { return error }
}

/// A deterministic pseudo-random sample in [0, 1) for index `i` (a small integer hash).
func sample(_ i: Int, seed: UInt64 = 1) -> Float {
    var z = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ seed
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 24)
}

/// Builds PNG files byte by byte (stored, uncompressed deflate blocks), so that the decoder can be tested on
/// colour types, bit depths, palettes, transparency and interlacing that our encoder never writes.
enum PNGBuilder {
    /// A PNG from raw scanlines (packed samples, without filter bytes), one array per row of each pass.
    /// When `interlaced`, `rows` holds the Adam7 pass images' rows in pass order.
    static func make(width: Int, height: Int, bitDepth: Int, colorType: Int, rows: [[UInt8]],
                     palette: [UInt8]? = nil, transparency: [UInt8]? = nil, interlaced: Bool = false,
                     dropIEND: Bool = false) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), UInt8(colorType), 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", ihdr)
        if let palette { out += chunk("PLTE", palette) }
        if let transparency { out += chunk("tRNS", transparency) }
        var raw: [UInt8] = []
        for row in rows { raw.append(0); raw += row }
        out += chunk("IDAT", zlibStored(raw))
        if !dropIEND { out += chunk("IEND", []) }
        return out
    }

    /// The Adam7 passes of an image given as a function of (x, y): for each pass, its rows of samples.
    static func adam7Rows(width: Int, height: Int, bytesPerPixel: Int, pixel: (Int, Int) -> [UInt8]) -> [[UInt8]] {
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var rows: [[UInt8]] = []
        for (x0, y0, dx, dy) in passes {
            guard x0 < width, y0 < height else { continue }
            for y in stride(from: y0, to: height, by: dy) {
                var row: [UInt8] = []
                for x in stride(from: x0, to: width, by: dx) { row += pixel(x, y) }
                rows.append(row)
            }
        }
        return rows
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return be32(data.count) + typed + be32(Int(crc32(typed)))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(Int(b << 16 | a))
    }
}
