import Foundation
import Testing
@testable import FieldIO

/// Loading real captures as instant-ngp does: frames without an image skipped with one warning line,
/// `sharpness_discard_threshold`, and images decoded straight to 8 bits, JPEGs shrunk by DCT scaling.
@Suite struct CaptureLoadingTests {
    @Test func framesWithoutAnImageAreSkippedWithOneWarningLine() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir, count: 3)
        // 9 frames, images only for img_0 … img_2 (the frame list repeats the three poses).
        let frames = NeRFFixture.frames(count: 9)
        let path = NeRFFixture.write(dir, "transforms.json", "{\"camera_angle_x\": 0.9, \"frames\": \(frames)}")
        let d = try PosedImageDataset.read(path, options: DatasetOptions(testEvery: 2))
        #expect(d.frames.count == 3)
        #expect(d.frames.map(\.sourceIndex) == [0, 1, 2])
        #expect(d.indices(.test) == [0, 2])            // the every-k-th rule runs over the frames kept
        #expect(d.warnings.count == 1)
        let line = d.warnings[0]
        #expect(!line.contains("\n"))
        #expect(line.contains("skipped 6 of 9 frames whose image is missing"), "\(line)")
        #expect(line.contains("\"./images/img_3\", \"./images/img_4\", \"./images/img_5\", …"), "\(line)")
        let complete = try PosedImageDataset.read(NeRFFixture.write(dir, "all.json", NeRFFixture.blender()))
        #expect(complete.warnings.isEmpty)
    }

    @Test func sharpnessThresholdDropsBlurryFramesAsInstantNGP() throws {
        // instant-ngp: kept when sharpness > threshold × the mean over the window [i−3, min(i+3, n−1)).
        let values: [Double] = [100, 100, 20, 100, 100, 100, 100, 10]
        let names = values.indices.map { "img_\($0)" }
        let kept = SharpnessFilter.keeps(sharpness: values, names: names, threshold: 0.5)
        #expect(kept == [true, true, false, true, true, true, true, false])
        #expect(SharpnessFilter.keeps(sharpness: [5], names: ["a"], threshold: 0.5) == [true])
        // The neighbourhood follows file_path order, not list order.
        let shuffled = SharpnessFilter.keeps(sharpness: values.reversed(), names: names.reversed(), threshold: 0.5)
        #expect(shuffled == kept.reversed())

        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir, count: 8)
        let text = "{\"camera_angle_x\": 0.9, \"sharpness_discard_threshold\": 0.5, \"frames\": "
            + NeRFFixture.frames(count: 8) { "\"sharpness\": \(values[$0])" } + "}"
        let d = try PosedImageDataset.read(NeRFFixture.write(dir, "t.json", text), options: DatasetOptions(testEvery: 0))
        #expect(d.frames.map(\.sourceIndex) == [0, 1, 3, 4, 5, 6])
        #expect(d.warnings.count == 1 && d.warnings[0].contains("dropped 2 of 8 frames below sharpness_discard_threshold"), "\(d.warnings)")
        // Without the key every frame stays, sharpness or not.
        let all = try PosedImageDataset.read(NeRFFixture.write(dir, "u.json", "{\"camera_angle_x\": 0.9, \"frames\": "
            + NeRFFixture.frames(count: 8) { "\"sharpness\": \(values[$0])" } + "}"))
        #expect(all.frames.count == 8)
    }

    @Test func jpegDCTScalingMatchesDecodeThenDownscale() throws {
        let dir = temporaryFolder()
        let image = JPEGCodecTests().smoothImage(width: 203, height: 150)    // sizes that leave partial blocks at the edges
        try image.writeJPEG(to: dir + "/a.jpg", quality: 95)
        let full = try ByteImage.read(dir + "/a.jpg").floatImage
        for factor in [2, 3, 4, 6, 8, 16] {
            let fast = try ByteImage.read(dir + "/a.jpg", shrinkBy: factor).floatImage
            let slow = full.downscaled(by: factor)
            #expect(fast.width == 203 / factor && fast.height == 150 / factor && fast.channels == 3)
            #expect(fast.width == slow.width && fast.height == slow.height)
            let errors = zip(fast.pixels, slow.pixels).map { abs($0 - $1) }
            let mean = errors.reduce(0, +) / Float(errors.count)
            #expect(mean < 1.5 / 255, "factor \(factor): mean error \(mean * 255)/255")
            #expect(errors.max()! < 12.0 / 255, "factor \(factor): max error \(errors.max()! * 255)/255")
        }
        #expect(ByteImage.dctScale(for: 12) == 4 && ByteImage.dctScale(for: 16) == 8 && ByteImage.dctScale(for: 3) == 1)
    }

    @Test func byteDownscaleMatchesTheFloatOneWithinRounding() throws {
        let dir = temporaryFolder()
        var rgba = NeRFFixture.image(width: 30, height: 21, seed: 4)
        for i in stride(from: 3, to: rgba.pixels.count, by: 8) { rgba.pixels[i] = 0.3 }   // some translucent pixels
        try rgba.writePNG(to: dir + "/a.png")
        let exact = try Image.read(dir + "/a.png")
        for factor in [1, 2, 3, 4] {
            let bytes = try ByteImage.read(dir + "/a.png", shrinkBy: factor).floatImage
            let floats = exact.downscaled(by: factor)
            #expect(bytes.width == floats.width && bytes.height == floats.height && bytes.channels == 4)
            let worst = zip(bytes.pixels, floats.pixels).map { abs($0 - $1) }.max()!
            #expect(worst <= 0.5 / 255 + 1e-6, "factor \(factor): \(worst * 255)/255")
        }
        // A 16-bit PNG comes in rounded to 8 bits.
        try exact.writePNG(to: dir + "/b.png", bitDepth: 16)
        #expect(try ByteImage.read(dir + "/b.png") == ByteImage.read(dir + "/a.png"))
    }

    @Test func datasetBytesAreTheDecodedImage() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        let d = try PosedImageDataset.read(NeRFFixture.write(dir, "t.json", NeRFFixture.instantNGP()))
        let bytes = try d.imageBytes(1)
        #expect(bytes.width == NeRFFixture.width && bytes.channels == 4)
        #expect(bytes.floatImage == (try Image.read(d.frames[1].imagePath)))
    }
}
