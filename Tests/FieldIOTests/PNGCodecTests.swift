import Foundation
import Testing
@testable import FieldIO

@Suite struct PNGCodecTests {
    /// An image whose samples are exact multiples of 1/(2^bits − 1), so a round trip must be exact.
    func quantisedImage(width: Int, height: Int, channels: Int, bits: Int) -> Image {
        let levels = Float((1 << bits) - 1)
        let pixels = (0..<(width * height * channels)).map { (sample($0) * levels).rounded() / levels }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test(arguments: [1, 2, 3, 4], [8, 16])
    func roundTripIsExact(channels: Int, bitDepth: Int) throws {
        let dir = temporaryFolder()
        let image = quantisedImage(width: 37, height: 23, channels: channels, bits: bitDepth)
        let path = dir + "/round.png"
        try image.writePNG(to: path, bitDepth: bitDepth)
        let back = try Image.read(path)
        #expect(back.width == 37 && back.height == 23 && back.channels == channels)
        #expect(back.pixels == image.pixels)
    }

    @Test func sixteenBitKeepsPrecisionThatEightBitLoses() throws {
        let image = Image(width: 2, height: 1, channels: 1, pixels: [1000.0 / 65535, 40000.0 / 65535])
        let back16 = try PNGCodec.decode(try PNGCodec.encode(image, bitDepth: 16), file: "x.png")
        #expect(back16.pixels == image.pixels)
        let back8 = try PNGCodec.decode(try PNGCodec.encode(image, bitDepth: 8), file: "x.png")
        #expect(back8.pixels != image.pixels)
        #expect(abs(back8.pixels[1] - image.pixels[1]) <= 0.5 / 255 + 1e-6)
    }

    @Test func samplesAreClampedAndRounded() throws {
        let image = Image(width: 4, height: 1, channels: 1, pixels: [-0.5, 2, .nan, 0.5])
        let back = try PNGCodec.decode(try PNGCodec.encode(image), file: "x.png")
        #expect(back.pixels == [0, 1, 0, 128.0 / 255])
    }

    @Test func rowZeroIsTheTop() throws {
        var image = Image(width: 3, height: 2, channels: 3, fill: 0)
        image[x: 2, y: 0, channel: 0] = 1
        let back = try PNGCodec.decode(try PNGCodec.encode(image), file: "x.png")
        #expect(back.pixel(x: 2, y: 0) == SIMD4(1, 0, 0, 1))
        #expect(back.pixel(x: 2, y: 1) == SIMD4(0, 0, 0, 1))
    }

    @Test func lowBitDepthGrayExpandsToEightBit() throws {
        // 1-bit: 8 pixels in one byte; 4-bit: two pixels per byte.
        let one = PNGBuilder.make(width: 8, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0001]])
        let a = try PNGCodec.decode(one, file: "one.png")
        #expect(a.channels == 1 && a.pixels == [1, 0, 1, 0, 0, 0, 0, 1])
        let four = PNGBuilder.make(width: 3, height: 1, bitDepth: 4, colorType: 0, rows: [[0x0F, 0x50]])
        let b = try PNGCodec.decode(four, file: "four.png")
        #expect(b.pixels == [0, 1, Float(5 * 17) / 255])
        let two = PNGBuilder.make(width: 4, height: 1, bitDepth: 2, colorType: 0, rows: [[0b00_01_10_11]])
        let c = try PNGCodec.decode(two, file: "two.png")
        #expect(c.pixels == [0, 85.0 / 255, 170.0 / 255, 1])
    }

    @Test func paletteWithTransparencyBecomesRGBA() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        // 2-bit indices 0, 1, 2, 3 packed in one byte; entries 0 and 1 get alpha 0 and 128.
        let bytes = PNGBuilder.make(width: 4, height: 1, bitDepth: 2, colorType: 3, rows: [[0b00_01_10_11]],
                                    palette: palette, transparency: [0, 128])
        let image = try PNGCodec.decode(bytes, file: "pal.png")
        #expect(image.channels == 4)
        #expect(image.pixel(x: 0, y: 0) == SIMD4(1, 0, 0, 0))
        #expect(image.pixel(x: 1, y: 0) == SIMD4(0, 1, 0, 128.0 / 255))
        #expect(image.pixel(x: 2, y: 0) == SIMD4(0, 0, 1, 1))
        #expect(image.pixel(x: 3, y: 0) == SIMD4(10.0 / 255, 20.0 / 255, 30.0 / 255, 1))
    }

    @Test func paletteWithoutTransparencyBecomesRGB() throws {
        let bytes = PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 0]],
                                    palette: [0, 0, 0, 255, 255, 255])
        let image = try PNGCodec.decode(bytes, file: "pal.png")
        #expect(image.channels == 3 && image.pixels == [1, 1, 1, 0, 0, 0])
    }

    @Test func grayAndRGBTransparencyBecomeAlpha() throws {
        let gray = PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[7, 200]], transparency: [0, 7])
        let g = try PNGCodec.decode(gray, file: "g.png")
        #expect(g.channels == 2 && g.pixels == [7.0 / 255, 0, 200.0 / 255, 1])
        // 16-bit RGB with the key colour (1, 2, 3) transparent stays 16-bit.
        let rgb16 = PNGBuilder.make(width: 2, height: 1, bitDepth: 16, colorType: 2,
                                    rows: [[0, 1, 0, 2, 0, 3, 0xFF, 0xFF, 0x12, 0x34, 0, 0]], transparency: [0, 1, 0, 2, 0, 3])
        let c = try PNGCodec.decode(rgb16, file: "c.png")
        #expect(c.channels == 4)
        #expect(c.pixel(x: 0, y: 0).w == 0)
        #expect(c.pixel(x: 1, y: 0) == SIMD4(1, Float(0x1234) / 65535, 0, 1))
    }

    @Test func sixteenBitGrayAlphaIsBigEndianInTheFile() throws {
        let bytes = PNGBuilder.make(width: 1, height: 1, bitDepth: 16, colorType: 4, rows: [[0x01, 0x02, 0xFF, 0xFE]])
        let image = try PNGCodec.decode(bytes, file: "ga.png")
        #expect(image.pixels == [Float(0x0102) / 65535, Float(0xFFFE) / 65535])
        // and our encoder writes big-endian too: with zlib level 0 the samples appear verbatim in IDAT
        // (a single pixel is the same under every row filter).
        let encoded = try PNGCodec.encode(image, bitDepth: 16, compression: 0)
        let sequence: [UInt8] = [0x01, 0x02, 0xFF, 0xFE]
        #expect((0..<(encoded.count - 3)).contains { Array(encoded[$0..<$0 + 4]) == sequence })
        let back = try PNGCodec.decode(encoded, file: "ga.png")
        #expect(back.pixels == image.pixels)
    }

    @Test func interlacedImagesAreDeinterlaced() throws {
        let w = 11, h = 9
        func px(_ x: Int, _ y: Int) -> [UInt8] { [UInt8(x * 20), UInt8(y * 25), UInt8((x * 7 + y * 3) % 256)] }
        let rows = PNGBuilder.adam7Rows(width: w, height: h, bytesPerPixel: 3, pixel: px)
        let image = try PNGCodec.decode(PNGBuilder.make(width: w, height: h, bitDepth: 8, colorType: 2, rows: rows, interlaced: true),
                                        file: "adam7.png")
        var expected: [Float] = []
        for y in 0..<h { for x in 0..<w { expected += px(x, y).map { Float($0) / 255 } } }
        #expect(image.pixels == expected)
    }

    @Test func formatIsDetectedFromContentNotName() throws {
        let dir = temporaryFolder()
        let image = quantisedImage(width: 5, height: 4, channels: 3, bits: 8)
        let path = dir + "/actually-a-png.jpg"
        try FileAccess.writeAtomically(try PNGCodec.encode(image), to: path)
        #expect(try Image.read(path).pixels == image.pixels)
        #expect(ImageFormat.fromExtension("a/b.JPEG") == .jpeg && ImageFormat.fromExtension("x.png") == .png)
        #expect(ImageFormat.fromExtension("dir.png/file") == nil)
    }

    @Test func writeChoosesTheFormatFromTheExtension() throws {
        let dir = temporaryFolder()
        let image = quantisedImage(width: 8, height: 8, channels: 3, bits: 8)
        try image.write(to: dir + "/a.png")
        try image.write(to: dir + "/b.jpg")
        #expect(ImageFormat.detect(try FileAccess.readBytes(dir + "/a.png")) == .png)
        #expect(ImageFormat.detect(try FileAccess.readBytes(dir + "/b.jpg")) == .jpeg)
        let error = caught { () throws(FieldError) in try image.write(to: dir + "/c.tiff") }
        #expect(error?.description.contains("c.tiff") == true)
        // no temporary files are left behind
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["a.png", "b.jpg"])
    }
}
