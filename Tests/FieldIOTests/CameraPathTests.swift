import Foundation
import Testing
@testable import FieldIO

/// nerfstudio's camera_path.json: the good form read to its values, and each malformed form failing with
/// one line naming the file and the key.
@Suite struct CameraPathTests {
    /// A pose looking down −z from (1, 2, 3), as nerfstudio writes it (16 numbers, row-major).
    static let pose = "[1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 1]"

    /// `text` written as `camera_path.json` in a fresh folder; returns its path.
    func file(_ text: String) -> String {
        writeBytes(temporaryFolder(), "camera_path.json", Array(text.utf8))
    }

    /// A camera path holding `frames` (JSON list text) and the given top-level extras.
    func path(frames: String, extra: String = "\"render_width\": 64, \"render_height\": 48,") -> String {
        file("{\(extra) \"camera_type\": \"perspective\", \"camera_path\": \(frames), \"fps\": 24, \"keyframes\": []}")
    }

    /// Reads `path`, expecting one line that names the file, `location`, and holds every one of `words`.
    func expectError(_ path: String, at location: String, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = caught({ () throws(FieldError) in try CameraPath.read(path) }) else {
            Issue.record("reading \(path) did not fail", sourceLocation: sourceLocation)
            return
        }
        let text = error.description
        #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
        #expect(error.file == path, "\(text)", sourceLocation: sourceLocation)
        #expect(error.location == location, "\(text)", sourceLocation: sourceLocation)
        for w in words { #expect(text.contains(w), "\(text)", sourceLocation: sourceLocation) }
    }

    @Test func readsNerfstudioForm() throws {
        let p = try CameraPath.read(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": 50, \"aspect\": 1.3333},"
                                         + " {\"camera_to_world\": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 5], \"fov\": 30.5}]"))
        #expect(p.width == 64 && p.height == 48)
        #expect(p.frames.count == 2)
        #expect(p.frames[0].cameraToWorld == [1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 1])
        #expect(p.frames[0].verticalFOVDegrees == 50 && p.frames[0].aspect == 1.3333)
        #expect(p.frames[0].position == SIMD3(1, 2, 3))
        #expect(p.frames[1].cameraToWorld.count == 16 && p.frames[1].cameraToWorld[15] == 1 && p.frames[1].position.z == 5)
        #expect(p.frames[1].aspect == nil && p.frames[1].verticalFOVDegrees == 30.5)
    }

    @Test func sizeDefaults() throws {
        let frame = "[{\"camera_to_world\": \(Self.pose), \"fov\": 50, \"aspect\": 2}]"
        let widthOnly = try CameraPath.read(path(frames: frame, extra: "\"render_width\": 100,"))
        #expect(widthOnly.width == 100 && widthOnly.height == 50)
        let neither = try CameraPath.read(path(frames: frame, extra: ""))
        #expect(neither.height == CameraPath.defaultHeight && neither.width == 2 * CameraPath.defaultHeight)
        let noType = try CameraPath.read(file("{\"camera_path\": \(frame)}"))
        #expect(noType.frames.count == 1)
    }

    @Test func missingFile() {
        let missing = temporaryFolder() + "/nope.json"
        let error = caught { () throws(FieldError) in try CameraPath.read(missing) }
        #expect(error?.file == missing && error?.description.contains("no such file") == true)
    }

    @Test func notJSON() {
        let p = file("camera path, not json")
        let error = caught { () throws(FieldError) in try CameraPath.read(p) }
        #expect(error?.file == p)
        #expect(error.map { !$0.description.contains("\n") } == true)
    }

    @Test func noCameraPathKey() {
        expectError(file("{\"render_width\": 10, \"keyframes\": []}"), at: "camera_path", ["missing", "list of cameras"])
        expectError(file("{\"camera_path\": {}}"), at: "camera_path", ["expected an array"])
    }

    @Test func emptyCameraPath() {
        expectError(path(frames: "[]"), at: "camera_path", ["has no frames"])
    }

    @Test func unsupportedCameraType() {
        expectError(file("{\"camera_type\": \"fisheye\", \"camera_path\": [{\"camera_to_world\": \(Self.pose), \"fov\": 50}]}"),
                    at: "camera_type", ["fisheye", "perspective"])
    }

    @Test func frameNotAnObject() {
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": 50}, 3]"), at: "camera_path[1]", ["expected an object"])
    }

    @Test func matrixWrongCount() {
        expectError(path(frames: "[{\"camera_to_world\": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], \"fov\": 50}]"),
                    at: "camera_path[0].camera_to_world", ["expected 16 numbers", "got 11"])
        expectError(path(frames: "[{\"fov\": 50}]"), at: "camera_path[0].camera_to_world", ["missing"])
        expectError(path(frames: "[{\"camera_to_world\": \"eye\", \"fov\": 50}]"), at: "camera_path[0].camera_to_world", ["expected 16 numbers"])
    }

    @Test func matrixNotFinite() {
        let nan = "[1, 0, 0, NaN, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]"
        let inf = "[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -Infinity, 0, 0, 0, 1]"
        let frames = "[{\"camera_to_world\": \(Self.pose), \"fov\": 50}, {\"camera_to_world\": \(nan), \"fov\": 50}]"
        expectError(path(frames: frames), at: "camera_path[1].camera_to_world", ["NaN", "finite"])
        expectError(path(frames: "[{\"camera_to_world\": \(inf), \"fov\": 50}]"), at: "camera_path[0].camera_to_world", ["-Infinity", "finite"])
    }

    @Test func matrixNotInvertible() {
        let singular = "[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 1]"
        expectError(path(frames: "[{\"camera_to_world\": \(singular), \"fov\": 50}]"),
                    at: "camera_path[0].camera_to_world", ["not invertible", "determinant"])
        let badRow = "[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0]"
        expectError(path(frames: "[{\"camera_to_world\": \(badRow), \"fov\": 50}]"),
                    at: "camera_path[0].camera_to_world", ["not invertible", "last row"])
    }

    @Test func fovMissingOrOutOfRange() {
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose)}]"), at: "camera_path[0].fov", ["missing", "degrees"])
        for bad in ["0", "180", "-5", "200"] {
            expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": \(bad)}]"), at: "camera_path[0].fov", ["(0, 180)"])
        }
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": \"wide\"}]"), at: "camera_path[0].fov", ["expected a number"])
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": NaN}]"), at: "camera_path[0].fov", ["NaN", "finite"])
    }

    @Test func badRenderSize() {
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": 50}]", extra: "\"render_width\": 0,"),
                    at: "render_width", ["from 1 to 65536"])
        expectError(path(frames: "[{\"camera_to_world\": \(Self.pose), \"fov\": 50}]", extra: "\"render_height\": 2.5,"),
                    at: "render_height", ["expected an integer"])
    }
}
