import Fields
import Testing

/// The file-free images: the names `make` understands, their size, range and layout.
@Suite struct ProceduralImageTests {
    @Test func namesAreRingsAndBlobs() {
        #expect(ProceduralImage.names == ["rings", "blobs"])
    }

    /// Every name gives width · height RGB values in [0, 1], the same each time, at square and non-square sizes.
    @Test(arguments: ProceduralImage.names)
    func imagesAreRGBInTheUnitRange(name: String) throws {
        for (width, height) in [(64, 64), (17, 9), (1, 1)] {
            let pixels = try #require(ProceduralImage.make(name, width: width, height: height))
            #expect(pixels.count == width * height * 3)
            #expect(pixels.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
            #expect(ProceduralImage.make(name, width: width, height: height) == pixels)
        }
        // Not a constant image.
        let big = try #require(ProceduralImage.make(name, width: 64, height: 64))
        #expect(big.max()! - big.min()! > 0.3)
    }

    @Test func theTwoImagesDiffer() throws {
        let rings = try #require(ProceduralImage.make("rings", width: 32, height: 32))
        let blobs = try #require(ProceduralImage.make("blobs", width: 32, height: 32))
        #expect(rings != blobs)
    }

    @Test func unknownNamesGiveNil() {
        #expect(ProceduralImage.make("checkers", width: 8, height: 8) == nil)
        #expect(ProceduralImage.make("", width: 8, height: 8) == nil)
        #expect(ProceduralImage.make("Rings", width: 8, height: 8) == nil)
    }

    /// `blobs` is row-major with row 0 at the top: its red blob is at (u, v) = (0.3, 0.3) and its green one at
    /// (0.7, 0.35), so pixel (x 70, y 35) of a 100×100 image is green and the transposed pixel is not.
    @Test func blobsAreRowMajorWithTheirColoursWhereDocumented() throws {
        let pixels = try #require(ProceduralImage.make("blobs", width: 100, height: 100))
        func rgb(_ x: Int, _ y: Int) -> [Float] { Array(pixels[((y * 100 + x) * 3)..<((y * 100 + x) * 3 + 3)]) }
        let red = rgb(30, 30), green = rgb(70, 35), transposed = rgb(35, 70)
        #expect(red[0] > 0.9 && red[0] > red[1] + 0.4 && red[0] > red[2] + 0.4)
        #expect(green[1] > 0.8 && green[1] > green[0] + 0.4 && green[1] > green[2] + 0.4)
        #expect(transposed[1] < transposed[2])
        // Far from every blob: the 0.1 background.
        for c in rgb(99, 0) { #expect(abs(c - 0.1) < 0.02) }
    }
}
