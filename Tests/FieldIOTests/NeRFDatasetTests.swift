import Foundation
import Testing
@testable import FieldIO

/// Tiny posed-image datasets written by the tests: small RGBA images and transforms.json text in each
/// of the three dialects, all describing the same cameras.
enum NeRFFixture {
    static let width = 8, height = 6
    /// Blender's horizontal field of view in radians, and the focal length in pixels it means.
    static let angleX = 0.9
    static var focal: Double { 0.5 * Double(width) / tan(angleX / 2) }

    /// Three camera-to-world poses: looking down −z from (0, 0, 4); turned 90° about y at (4, 0, 0)
    /// (looking down −x); and a general rotation at (1, 2, 3).
    static let poses: [[[Double]]] = [
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]],
        [[0, 0, 1, 4], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1]],
        [[0.36, 0.48, -0.8, 1], [-0.8, 0.6, 0, 2], [0.48, 0.64, 0.6, 3], [0, 0, 0, 1]],
    ]

    static func matrix(_ m: [[Double]]) -> String {
        "[" + m.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }

    /// A width × height RGBA image whose samples depend on `seed`.
    static func image(width: Int = width, height: Int = height, seed: Int = 0) -> Image {
        Image(width: width, height: height, channels: 4,
              pixels: (0..<(width * height * 4)).map { i in i % 4 == 3 ? 1 : Float((i + seed * 7) % 11) / 10 })
    }

    /// Writes images `img_0.png`, `img_1.png`, … (or another extension) into `dir/sub`.
    static func writeImages(_ dir: String, count: Int = 3, sub: String = "images", ext: String = "png",
                            width: Int = width, height: Int = height) throws {
        try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        for i in 0..<count { try image(width: width, height: height, seed: i).write(to: "\(dir)/\(sub)/img_\(i).\(ext)") }
    }

    static func write(_ dir: String, _ name: String, _ text: String) -> String {
        let path = dir + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Frames `{"file_path": "<prefix>img_i<suffix>", "transform_matrix": …, <extra(i)>}`.
    static func frames(count: Int = 3, prefix: String = "./images/", suffix: String = "",
                       extra: (Int) -> String = { _ in "" }) -> String {
        "[" + (0..<count).map { i in
            let e = extra(i)
            return "{\"file_path\": \"\(prefix)img_\(i)\(suffix)\", \"transform_matrix\": \(matrix(poses[i % poses.count]))"
                + (e.isEmpty ? "" : ", " + e) + "}"
        }.joined(separator: ",\n") + "]"
    }

    static func blender(count: Int = 3) -> String {
        "{\"camera_angle_x\": \(angleX), \"frames\": \(frames(count: count))}"
    }

    static func instantNGP(count: Int = 3, more: String = "") -> String {
        "{\"fl_x\": \(focal), \"fl_y\": \(focal), \"cx\": \(Double(width) / 2), \"cy\": \(Double(height) / 2), "
            + "\"w\": \(width), \"h\": \(height), \"k1\": 0, \"k2\": 0, \"p1\": 0, \"p2\": 0, \"aabb_scale\": 4\(more), "
            + "\"frames\": \(frames(count: count, suffix: ".png") { i in "\"sharpness\": \(100 + i)" })}"
    }

    static func nerfstudio(count: Int = 3) -> String {
        "{\"camera_model\": \"OPENCV\", \"applied_transform\": [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0]], "
            + "\"frames\": \(frames(count: count, prefix: "images/", suffix: ".png") { _ in "\"fl_x\": \(focal), \"fl_y\": \(focal), \"cx\": \(Double(width) / 2), \"cy\": \(Double(height) / 2), \"w\": \(width), \"h\": \(height), \"k1\": 0, \"k2\": 0, \"p1\": 0, \"p2\": 0" })}"
    }
}

/// Reading posed-image datasets: the three transforms.json dialects, the folder form, the split, downscaling.
@Suite struct NeRFDatasetTests {
    @Test func threeFormsGiveTheSameCameras() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        let blender = try PosedImageDataset.read(NeRFFixture.write(dir, "blender.json", NeRFFixture.blender()))
        let ngp = try PosedImageDataset.read(NeRFFixture.write(dir, "ngp.json", NeRFFixture.instantNGP()))
        let ns = try PosedImageDataset.read(NeRFFixture.write(dir, "ns.json", NeRFFixture.nerfstudio()))
        #expect(blender.format == .blender)
        #expect(ngp.format == .instantNGP)
        #expect(ns.format == .nerfstudio)
        for d in [blender, ngp, ns] {
            #expect(d.frames.count == 3)
            for (i, f) in d.frames.enumerated() {
                let k = f.intrinsics
                #expect(k.width == NeRFFixture.width && k.height == NeRFFixture.height)
                #expect(abs(k.focalX - NeRFFixture.focal) < 1e-9 && abs(k.focalY - NeRFFixture.focal) < 1e-9)
                #expect(k.centerX == 4 && k.centerY == 3)
                #expect(k.distortion.isZero)
                #expect(f.cameraToWorld == NeRFFixture.poses[i].flatMap { $0 })
                #expect(f.imagePath.hasSuffix("images/img_\(i).png"))
            }
        }
        #expect(ngp.scene.aabbScale == 4 && ngp.scene.scale == 0.33 && ngp.scene.offset == SIMD3(repeating: 0.5))
        #expect(ngp.frames[2].sharpness == 102)
        #expect(ns.frames[0].intrinsics.model == .opencv)
        #expect(ns.scene.appliedTransform == [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0])
        #expect(blender.scene == SceneTransform())
    }

    @Test func sceneTransformAndDistortionKeys() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        let text = "{\"fl_x\": 10, \"k1\": 0.1, \"k2\": -0.02, \"p1\": 0.001, \"p2\": -0.002, \"aabb_scale\": 128, "
            + "\"scale\": 0.5, \"offset\": [0.1, 0.2, 0.3], \"frames\": \(NeRFFixture.frames())}"
        let d = try PosedImageDataset.read(NeRFFixture.write(dir, "t.json", text))
        #expect(d.scene == SceneTransform(aabbScale: 128, scale: 0.5, offset: SIMD3(0.1, 0.2, 0.3)))
        let k = d.frames[0].intrinsics
        #expect(k.focalX == 10 && k.focalY == 10)
        #expect(k.distortion == DistortionCoefficients(k1: 0.1, k2: -0.02, p1: 0.001, p2: -0.002))
        #expect(k.model == .opencv)
        let scalar = try PosedImageDataset.read(NeRFFixture.write(dir, "s.json",
            "{\"fl_x\": 10, \"fl_y\": 12, \"offset\": 0.25, \"frames\": \(NeRFFixture.frames())}"))
        #expect(scalar.scene.offset == SIMD3(repeating: 0.25))
        #expect(scalar.frames[0].intrinsics.focalY == 12)
        let params = try PosedImageDataset.read(NeRFFixture.write(dir, "p.json",
            "{\"camera_model\": \"OPENCV\", \"fl_x\": 10, \"distortion_params\": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], \"frames\": \(NeRFFixture.frames())}"))
        #expect(params.frames[1].intrinsics.distortion == DistortionCoefficients(k1: 0.1, k2: 0.2, k3: 0.3, k4: 0.4, p1: 0.5, p2: 0.6))
        let degrees = try PosedImageDataset.read(NeRFFixture.write(dir, "fov.json",
            "{\"x_fov\": 90, \"fl_x\": 1000, \"frames\": \(NeRFFixture.frames())}"))
        #expect(abs(degrees.frames[0].intrinsics.focalX - 4) < 1e-9)   // x_fov wins over fl_x
    }

    @Test func perFrameKeysOverrideTopLevel() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        let text = "{\"fl_x\": 10, \"cx\": 4, \"frames\": \(NeRFFixture.frames { i in i == 1 ? "\"fl_x\": 20, \"cx\": 3.5" : "" })}"
        let d = try PosedImageDataset.read(NeRFFixture.write(dir, "t.json", text))
        #expect(d.frames.map(\.intrinsics.focalX) == [10, 20, 10])
        #expect(d.frames.map(\.intrinsics.centerX) == [4, 3.5, 4])
    }

    @Test func filePathWithAndWithoutExtension() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir, ext: "jpg")
        let noExt = try PosedImageDataset.read(NeRFFixture.write(dir, "a.json", NeRFFixture.blender()))
        #expect(noExt.frames[0].imagePath.hasSuffix("img_0.jpg"))
        let withExt = try PosedImageDataset.read(NeRFFixture.write(dir, "b.json",
            "{\"camera_angle_x\": 0.9, \"frames\": \(NeRFFixture.frames(prefix: ".\\\\images\\\\", suffix: ".jpg"))}"))
        #expect(withExt.frames[2].imagePath.hasSuffix("img_2.jpg"))
        let image = try withExt.image(1)
        #expect(image.width == NeRFFixture.width && image.height == NeRFFixture.height && image.channels == 3)
    }

    @Test func folderFormUsesTheDatasetsOwnTestFile() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        _ = NeRFFixture.write(dir, "transforms_train.json", NeRFFixture.blender(count: 3))
        _ = NeRFFixture.write(dir, "transforms_val.json", NeRFFixture.blender(count: 1))
        _ = NeRFFixture.write(dir, "transforms_test.json", NeRFFixture.blender(count: 2))
        let d = try PosedImageDataset.read(dir, options: DatasetOptions(testEvery: 2))
        #expect(d.hasOwnTestSplit)
        #expect(d.files.map { ($0 as NSString).lastPathComponent } == ["transforms_train.json", "transforms_val.json", "transforms_test.json"])
        #expect(d.frames.map(\.split) == [.train, .train, .train, .validation, .test, .test])
        #expect(d.indices(.test) == [4, 5])
        #expect(d.trainFrames.count == 3 && d.testFrames.count == 2)
        #expect(d.testFrames[1].sourceFile.hasSuffix("transforms_test.json") && d.testFrames[1].sourceIndex == 1)
    }

    @Test func folderWithOneTransformsFileHoldsOutEveryKth() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir, count: 10)
        _ = NeRFFixture.write(dir, "transforms.json", NeRFFixture.blender(count: 10))
        let d = try PosedImageDataset.read(dir + "/", options: DatasetOptions(testEvery: 4))
        #expect(!d.hasOwnTestSplit)
        #expect(d.indices(.test) == [0, 4, 8])
        #expect(d.indices(.train) == [1, 2, 3, 5, 6, 7, 9])
        let byDefault = try PosedImageDataset.read(dir + "/transforms.json")
        #expect(byDefault.indices(.test) == [0, 8])
        let none = try PosedImageDataset.read(dir, options: DatasetOptions(testEvery: 0))
        #expect(none.indices(.test).isEmpty)
    }

    @Test func downscaleShrinksImagesAndIntrinsics() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        let d = try PosedImageDataset.read(NeRFFixture.write(dir, "t.json", NeRFFixture.instantNGP()),
                                           options: DatasetOptions(downscale: 2))
        let k = d.frames[0].intrinsics
        #expect(k.width == 4 && k.height == 3)
        #expect(abs(k.focalX - NeRFFixture.focal / 2) < 1e-9 && k.centerX == 2 && k.centerY == 1.5)
        #expect(d.frames[0].fileIntrinsics.width == 8)
        let image = try d.image(0)
        #expect(image.width == 4 && image.height == 3 && image.channels == 4)
        let full = NeRFFixture.image(seed: 0)
        let expected = (full[x: 2, y: 2, channel: 1] + full[x: 3, y: 2, channel: 1]
            + full[x: 2, y: 3, channel: 1] + full[x: 3, y: 3, channel: 1]) / 4
        #expect(abs(image[x: 1, y: 1, channel: 1] - expected) < 1.0 / 255)
    }

    @Test func downscaleWeightsColourByAlpha() {
        let image = Image(width: 2, height: 2, channels: 4, pixels: [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0])
        let small = image.downscaled(by: 2)
        #expect(small.pixels == [1, 0, 0, 0.5])
    }

    @Test func imageHeaderSizes() throws {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir, count: 1, width: 37, height: 21)
        try NeRFFixture.writeImages(dir, count: 1, ext: "jpg", width: 19, height: 45)
        let png = try ImageHeader.size(ofFile: dir + "/images/img_0.png")
        let jpeg = try ImageHeader.size(ofFile: dir + "/images/img_0.jpg")
        #expect(png.width == 37 && png.height == 21)
        #expect(jpeg.width == 19 && jpeg.height == 45)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/work/shared/data/lego/transforms_train.json")))
    func readsTheSharedLegoScene() throws {
        let d = try PosedImageDataset.read("/work/shared/data/lego")
        #expect(d.format == .blender)
        #expect(d.frames.count >= 8)
        #expect(d.indices(.test).count == (d.frames.count + 7) / 8)
        #expect(d.frames[0].imagePath.hasSuffix("train/r_0.png"))
        let k = d.frames[0].intrinsics
        #expect(k.width == 800 && k.height == 800)
        #expect(abs(k.focalX - 1111.111) < 0.01)
    }
}
