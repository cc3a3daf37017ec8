import Foundation
import Testing
@testable import FieldIO

/// Malformed and unreadable image inputs: each must fail with one clear line that names the file.
@Suite struct ImageBadInputTests {
    func validPNG() throws -> [UInt8] {
        let image = Image(width: 32, height: 24, channels: 3, pixels: (0..<(32 * 24 * 3)).map { sample($0) })
        return try PNGCodec.encode(image)
    }

    func validJPEG() throws -> [UInt8] {
        let image = Image(width: 64, height: 48, channels: 3, pixels: (0..<(64 * 48 * 3)).map { sample($0) })
        return try JPEGCodec.encode(image, quality: 90)
    }

    /// Reads `path`, expecting an error whose one-line text contains the path and every one of `words`.
    func expectReadError(_ path: String, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let error = caught { () throws(FieldError) in try Image.read(path) }
        guard let error else {
            Issue.record("reading \(path) did not fail", sourceLocation: sourceLocation)
            return
        }
        let text = error.description
        #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
        #expect(text.hasPrefix(path + ": "), "\(text)", sourceLocation: sourceLocation)
        for w in words { #expect(text.contains(w), "\(text)", sourceLocation: sourceLocation) }
    }

    @Test func missingFile() {
        let dir = temporaryFolder()
        expectReadError(dir + "/nope.png", ["no such file"])
    }

    @Test func folderInsteadOfFile() {
        let dir = temporaryFolder()
        expectReadError(dir, ["folder"])
    }

    @Test func textFileNamedPNG() {
        let dir = temporaryFolder()
        let path = writeBytes(dir, "notes.png", Array("this is text, not a picture".utf8))
        expectReadError(path, ["is not a PNG or JPEG image"])
    }

    @Test func emptyFile() {
        let dir = temporaryFolder()
        expectReadError(writeBytes(dir, "empty.png", []), ["empty"])
    }

    @Test func truncatedPNG() throws {
        let dir = temporaryFolder()
        let bytes = try validPNG()
        for cut in [9, 30, bytes.count / 2, bytes.count - 13] {
            expectReadError(writeBytes(dir, "cut\(cut).png", Array(bytes[0..<cut])), ["truncated"])
        }
    }

    @Test func pngWithoutEndChunkIsTruncated() throws {
        let dir = temporaryFolder()
        let bytes = PNGBuilder.make(width: 2, height: 2, bitDepth: 8, colorType: 0, rows: [[1, 2], [3, 4]], dropIEND: true)
        expectReadError(writeBytes(dir, "noend.png", bytes), ["truncated"])
    }

    @Test func corruptPNGData() throws {
        let dir = temporaryFolder()
        var bytes = try validPNG()
        bytes[40] ^= 0xFF  // inside the first IDAT chunk: the CRC no longer matches
        expectReadError(writeBytes(dir, "crc.png", bytes), ["PNG"])
    }

    @Test func truncatedJPEG() throws {
        let dir = temporaryFolder()
        let bytes = try validJPEG()
        for cut in [3, 100, bytes.count / 2, bytes.count - 2] {
            expectReadError(writeBytes(dir, "cut\(cut).jpg", Array(bytes[0..<cut])), ["JPEG"])
        }
        expectReadError(writeBytes(dir, "half.jpg", Array(bytes[0..<(bytes.count / 2)])), ["truncated"])
    }

    @Test func garbageAfterJPEGSignature() {
        let dir = temporaryFolder()
        expectReadError(writeBytes(dir, "junk.jpg", [0xFF, 0xD8, 0xFF] + Array("garbage garbage".utf8)), ["cannot read the JPEG"])
    }

    @Test func zeroByZeroPNG() {
        let dir = temporaryFolder()
        // libpng refuses to write a 0×0 image, so the bytes are put together by hand.
        let bytes = PNGBuilder.make(width: 0, height: 0, bitDepth: 8, colorType: 2, rows: [])
        expectReadError(writeBytes(dir, "empty-image.png", bytes), ["empty", "0×0"])
        let wide = PNGBuilder.make(width: 5, height: 0, bitDepth: 8, colorType: 0, rows: [])
        expectReadError(writeBytes(dir, "flat.png", wide), ["empty"])
    }

    @Test func absurdlyLargePNGHeader() {
        let dir = temporaryFolder()
        let bytes = PNGBuilder.make(width: 20000, height: 20000, bitDepth: 8, colorType: 2, rows: [])
        expectReadError(writeBytes(dir, "huge.png", bytes), ["too large"])
    }

    @Test func zeroHeightJPEG() throws {
        let dir = temporaryFolder()
        var bytes = try validJPEG()
        // Find the SOF0 marker (FF C0) and zero its height and width fields.
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        for i in (sof + 5)..<(sof + 9) { bytes[i] = 0 }
        expectReadError(writeBytes(dir, "empty.jpg", bytes), ["JPEG"])
    }

    @Test func unwritableOutputFolder() {
        let dir = temporaryFolder()
        writeBytes(dir, "blocker", Array("a file where a folder should be".utf8))
        let image = Image(width: 2, height: 2, channels: 3, fill: 0.5)
        for path in [dir + "/blocker/out.png", dir + "/missing-folder/out.png"] {
            let error = caught { () throws(FieldError) in try image.writePNG(to: path) }
            #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        }
        let jpegPath = dir + "/blocker/out.jpg"
        let error = caught { () throws(FieldError) in try image.writeJPEG(to: jpegPath) }
        #expect(error?.description.contains(jpegPath) == true)
    }

    @Test func badWriteRequests() {
        let dir = temporaryFolder()
        let image = Image(width: 2, height: 2, channels: 3, fill: 0.5)
        let depth = caught { () throws(FieldError) in try image.writePNG(to: dir + "/a.png", bitDepth: 12) }
        #expect(depth?.description.contains("a.png") == true && depth?.description.contains("12") == true)
        let empty = Image(width: 0, height: 0, channels: 3, pixels: [])
        let e1 = caught { () throws(FieldError) in try empty.writePNG(to: dir + "/b.png") }
        #expect(e1?.description.contains("b.png") == true && e1?.description.contains("empty") == true)
        let e2 = caught { () throws(FieldError) in try empty.writeJPEG(to: dir + "/c.jpg") }
        #expect(e2?.description.contains("c.jpg") == true)
        #expect(!FileAccess.exists(dir + "/b.png") && !FileAccess.exists(dir + "/c.jpg"))
    }
}
