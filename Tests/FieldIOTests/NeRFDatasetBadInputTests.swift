import Foundation
import Testing
@testable import FieldIO

/// Malformed posed-image datasets: each must fail with one line naming the transforms.json, the frame
/// and the key.
@Suite struct NeRFDatasetBadInputTests {
    /// Reads `path`, expecting an error of one line that starts with `file` (default: `path`), whose
    /// location is `location` (unchecked when nil), and whose text holds every one of `words`.
    func expectError(_ path: String, file: String? = nil, at location: String?, _ words: [String],
                     options: DatasetOptions = DatasetOptions(), sourceLocation: SourceLocation = #_sourceLocation) {
        let error = caught { () throws(FieldError) in try PosedImageDataset.read(path, options: options) }
        guard let error else {
            Issue.record("reading \(path) did not fail", sourceLocation: sourceLocation)
            return
        }
        let text = error.description
        #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
        #expect(error.file == (file ?? path), "\(text)", sourceLocation: sourceLocation)
        if let location { #expect(error.location == location, "\(text)", sourceLocation: sourceLocation) }
        for w in words { #expect(text.contains(w), "\(text)", sourceLocation: sourceLocation) }
    }

    /// A folder with the fixture's images and `text` written as `t.json`; returns the json's path.
    func dataset(_ text: String) throws -> String {
        let dir = temporaryFolder()
        try NeRFFixture.writeImages(dir)
        return NeRFFixture.write(dir, "t.json", text)
    }

    let pose = NeRFFixture.matrix(NeRFFixture.poses[0])

    @Test func noImageAtAll() throws {
        let named = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/gone.jpg\", \"transform_matrix\": \(pose)}, "
            + "{\"file_path\": \"images/gone_too.jpg\", \"transform_matrix\": \(pose)}]}")
        expectError(named, at: "frames", ["no image found", "none of the 2 frames", "images/gone.jpg"])
        let blurry = try dataset("{\"camera_angle_x\": 0.9, \"sharpness_discard_threshold\": 5, \"frames\": \(NeRFFixture.frames { _ in "\"sharpness\": 1" })}")
        expectError(blurry, at: "sharpness_discard_threshold", ["leaves no frame", "3 dropped as blurry"])
        let negative = try dataset("{\"camera_angle_x\": 0.9, \"sharpness_discard_threshold\": -1, \"frames\": \(NeRFFixture.frames())}")
        expectError(negative, at: "sharpness_discard_threshold", ["at least 0"])
    }

    @Test func unreadableImage() throws {
        let path = try dataset(NeRFFixture.blender())
        let dir = (path as NSString).deletingLastPathComponent
        writeBytes(dir, "images/img_1.png", Array("not a picture".utf8))
        expectError(path, at: "frames[1].file_path", ["img_1.png", "is not a PNG or JPEG image"])
        writeBytes(dir, "images/img_1.png", [])
        expectError(path, at: "frames[1].file_path", ["img_1.png", "empty"])
    }

    @Test func imageBrokenAfterReadingFailsOnLoad() throws {
        let path = try dataset(NeRFFixture.blender())
        let d = try PosedImageDataset.read(path)
        let dir = (path as NSString).deletingLastPathComponent
        try NeRFFixture.image(width: 5, height: 6).writePNG(to: dir + "/images/img_2.png")
        let sized = caught { () throws(FieldError) in try d.image(2) }
        #expect(sized?.file == path && sized?.location == "frames[2].w")
        #expect(sized?.description.contains("is 5×6 pixels, but w × h is 8×6") == true, "\(String(describing: sized))")
        writeBytes(dir, "images/img_2.png", Array("junk".utf8))
        let junk = caught { () throws(FieldError) in try d.image(2) }
        #expect(junk?.location == "frames[2].file_path")
        #expect(junk?.description.contains("is not a PNG or JPEG image") == true)
    }

    @Test func imageSizeDisagreesWithIntrinsics() throws {
        let wide = try dataset("{\"fl_x\": 10, \"w\": 10, \"h\": 6, \"frames\": \(NeRFFixture.frames())}")
        expectError(wide, at: "frames[0].w", ["img_0.png is 8×6 pixels, but w × h is 10×6"])
        let tall = try dataset("{\"fl_x\": 10, \"frames\": \(NeRFFixture.frames { i in i == 2 ? "\"w\": 8, \"h\": 7" : "" })}")
        expectError(tall, at: "frames[2].h", ["is 8×6 pixels, but w × h is 8×7"])
    }

    @Test func nonInvertibleMatrix() throws {
        let singular = NeRFFixture.matrix([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]])
        let path = try dataset("{\"camera_angle_x\": 0.9, \"frames\": \(NeRFFixture.frames())}"
            .replacingOccurrences(of: "img_2\", \"transform_matrix\": \(NeRFFixture.matrix(NeRFFixture.poses[2]))",
                                  with: "img_2\", \"transform_matrix\": \(singular)"))
        expectError(path, at: "frames[2].transform_matrix", ["not invertible", "determinant"])
        let badRow = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/img_0\", \"transform_matrix\": "
            + "[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 0]]}]}")
        expectError(badRow, at: "frames[0].transform_matrix", ["not invertible", "last row"])
    }

    @Test func nanOrInfiniteMatrix() throws {
        let path = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/img_0\", \"transform_matrix\": \(pose)}, "
            + "{\"file_path\": \"images/img_1\", \"transform_matrix\": [[1, 0, 0, NaN], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}")
        expectError(path, at: "frames[1].transform_matrix", ["contains NaN"])
        let inf = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/img_0\", \"transform_matrix\": "
            + "[[1, 0, 0, -Infinity], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}")
        expectError(inf, at: "frames[0].transform_matrix", ["contains -Infinity"])
        let focal = try dataset("{\"fl_x\": NaN, \"frames\": [{\"file_path\": \"images/img_0 NaN\", \"transform_matrix\": \(pose)}]}")
        expectError(focal, at: "frames", ["img_0 NaN"])   // NaN inside a string stays text
        let focal2 = try dataset("{\"fl_x\": NaN, \"frames\": [{\"file_path\": \"images/img_0\", \"transform_matrix\": \(pose)}]}")
        expectError(focal2, at: "fl_x", ["contains NaN"])
    }

    @Test func badMatrixShape() throws {
        let path = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/img_0\", \"transform_matrix\": [[1, 0, 0], [0, 1, 0]]}]}")
        expectError(path, at: "frames[0].transform_matrix", ["expected 4 rows of 4 numbers"])
        let missing = try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"file_path\": \"images/img_0\"}]}")
        expectError(missing, at: "frames[0].transform_matrix", ["missing"])
    }

    @Test func noFocalLength() throws {
        let path = try dataset("{\"w\": 8, \"h\": 6, \"frames\": \(NeRFFixture.frames())}")
        expectError(path, at: "frames[0]", ["no focal length", "fl_x", "camera_angle_x"])
        let negative = try dataset("{\"fl_x\": -3, \"frames\": \(NeRFFixture.frames())}")
        expectError(negative, at: "frames[0] (top-level fl_x)", ["positive focal length"])
        let angle = try dataset("{\"frames\": \(NeRFFixture.frames { i in i == 1 ? "\"camera_angle_x\": 4" : "\"fl_x\": 5" })}")
        expectError(angle, at: "frames[1].camera_angle_x", ["radians"])
    }

    @Test func aabbScaleNotAPowerOfTwo() throws {
        for bad in ["3", "0", "256", "-4", "48"] {
            let path = try dataset("{\"fl_x\": 10, \"aabb_scale\": \(bad), \"frames\": \(NeRFFixture.frames())}")
            expectError(path, at: "aabb_scale", ["expected a power of two from 1 to 128, got \(bad)"])
        }
        let fraction = try dataset("{\"fl_x\": 10, \"aabb_scale\": 1.5, \"frames\": \(NeRFFixture.frames())}")
        expectError(fraction, at: "aabb_scale", ["expected an integer"])
        let scale = try dataset("{\"fl_x\": 10, \"scale\": 0, \"frames\": \(NeRFFixture.frames())}")
        expectError(scale, at: "scale", ["positive"])
        let offset = try dataset("{\"fl_x\": 10, \"offset\": [1, 2], \"frames\": \(NeRFFixture.frames())}")
        expectError(offset, at: "offset", ["3 numbers"])
    }

    @Test func emptyOrMissingFrameList() throws {
        expectError(try dataset("{\"camera_angle_x\": 0.9, \"frames\": []}"), at: "frames", ["is empty"])
        expectError(try dataset("{\"camera_angle_x\": 0.9}"), at: "frames", ["missing"])
        expectError(try dataset("{\"camera_angle_x\": 0.9, \"frames\": [3]}"), at: "frames[0]", ["expected an object"])
        expectError(try dataset("{\"camera_angle_x\": 0.9, \"frames\": [{\"transform_matrix\": \(pose)}]}"),
                    at: "frames[0].file_path", ["missing"])
    }

    @Test func unsupportedLenses() throws {
        let fisheye = try dataset("{\"camera_model\": \"OPENCV_FISHEYE\", \"fl_x\": 10, \"frames\": \(NeRFFixture.frames())}")
        expectError(fisheye, at: "camera_model", ["unsupported camera model \"OPENCV_FISHEYE\"", "OPENCV"])
        let ngpFisheye = try dataset("{\"is_fisheye\": true, \"fl_x\": 10, \"frames\": \(NeRFFixture.frames())}")
        expectError(ngpFisheye, at: "is_fisheye", ["fisheye"])
        let params = try dataset("{\"fl_x\": 10, \"distortion_params\": [0.1, 0.2], \"frames\": \(NeRFFixture.frames())}")
        expectError(params, at: "distortion_params", ["expected 6 numbers"])
    }

    @Test func badFolderAndOptions() throws {
        let dir = temporaryFolder()
        expectError(dir, at: "", ["holds no transforms.json"])
        expectError(dir + "/nope.json", at: "", ["no such file or folder"])
        let path = try dataset(NeRFFixture.blender())
        expectError(path, at: "", ["downscale must be an integer of at least 1, got 0"], options: DatasetOptions(downscale: 0))
        expectError(path, at: "frames[0]", ["downscale 16 leaves no pixels"], options: DatasetOptions(downscale: 16))
        let folder = (path as NSString).deletingLastPathComponent
        let broken = NeRFFixture.write(folder, "transforms_test.json", "{\"camera_angle_x\": 0.9, \"frames\": [}")
        expectError(folder, file: broken, at: nil, ["line 1"])
    }
}
