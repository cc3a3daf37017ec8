import Foundation
import Testing
@testable import FieldIO

@Suite struct JPEGCodecTests {
    /// A smooth colour image (JPEG's friendly case).
    func smoothImage(width: Int, height: Int) -> Image {
        var pixels: [Float] = []
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width), v = Float(y) / Float(height)
                pixels += [u, v, 0.5 + 0.4 * sin(6 * u + 3 * v)]
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    @Test func rgbRoundTripWithinTolerance() throws {
        let dir = temporaryFolder()
        let image = smoothImage(width: 64, height: 48)
        try image.writeJPEG(to: dir + "/a.jpg", quality: 95)
        let back = try Image.read(dir + "/a.jpg")
        #expect(back.width == 64 && back.height == 48 && back.channels == 3)
        let errors = zip(back.pixels, image.pixels).map { abs($0 - $1) }
        #expect(errors.max()! < 0.08)
        #expect(errors.reduce(0, +) / Float(errors.count) < 0.01)
    }

    @Test func grayStaysGray() throws {
        let gray = Image(width: 16, height: 16, channels: 1, pixels: (0..<256).map { Float($0 % 16) / 15 })
        let back = try JPEGCodec.decode(try JPEGCodec.encode(gray, quality: 100), file: "g.jpg")
        #expect(back.channels == 1)
        #expect(zip(back.pixels, gray.pixels).allSatisfy { abs($0 - $1) < 0.05 })
    }

    @Test func alphaIsCompositedOverTheBackground() throws {
        let rgba = Image(width: 8, height: 8, channels: 4, pixels: [Float](repeating: 0, count: 256))  // fully transparent
        let back = try JPEGCodec.decode(try JPEGCodec.encode(rgba, quality: 100, background: SIMD3(0, 1, 0)), file: "a.jpg")
        #expect(back.channels == 3)
        let p = back.pixel(x: 3, y: 3)
        #expect(abs(p.x) < 0.02 && abs(p.y - 1) < 0.02 && abs(p.z) < 0.02)
    }

    @Test func grayWithAlphaBecomesRGB() throws {
        let ga = Image(width: 8, height: 8, channels: 2, pixels: [Float](repeating: 0.5, count: 128))  // gray 0.5, alpha 0.5
        let back = try JPEGCodec.decode(try JPEGCodec.encode(ga, quality: 100, background: SIMD3(1, 0, 0)), file: "ga.jpg")
        let p = back.pixel(x: 4, y: 4)
        #expect(back.channels == 3 && abs(p.x - 0.75) < 0.03 && abs(p.y - 0.25) < 0.03 && abs(p.z - 0.25) < 0.03)
    }

    @Test func qualityOutOfRangeIsAnError() {
        let error = caught { () throws(FieldError) in try JPEGCodec.encode(smoothImage(width: 4, height: 4), quality: 0, file: "q.jpg") }
        #expect(error?.description.contains("q.jpg") == true)
    }
}
