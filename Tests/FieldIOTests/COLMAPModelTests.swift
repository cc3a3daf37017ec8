import Foundation
import Testing
@testable import FieldIO

/// COLMAP models: binary and text readers (round trips through the writers, and a text model as COLMAP
/// writes it), the camera-model mapping, the capture normalisation, and each bad input's one error line.
@Suite struct COLMAPModelTests {
    /// A small model: two cameras, three images, four points.
    static let model = COLMAPModel(
        cameras: [COLMAPCamera(id: 1, model: .pinhole, width: 64, height: 48, parameters: [50, 51, 32, 24.5]),
                  COLMAPCamera(id: 2, model: .opencv, width: 64, height: 48, parameters: [55, 56, 31.5, 23, 0.01, -0.002, 0.0003, 0.0004])],
        images: [.init(id: 3, rotation: SIMD4(0.9, 0.1, 0.3, -0.2), translation: SIMD3(0.5, -1, 4), cameraID: 1, name: "c.png"),
                 .init(id: 1, rotation: SIMD4(1, 0, 0, 0), translation: SIMD3(0, 0, 4), cameraID: 1, name: "a.png"),
                 .init(id: 2, rotation: SIMD4(0.7, 0, 0.7, 0), translation: SIMD3(1, 0.25, 3.75), cameraID: 2, name: "sub/b.png")],
        points: [.init(id: 1, position: SIMD3(0.1, 0.2, 0.3), color: SIMD3(255, 0, 7), error: 0.5, trackLength: 2),
                 .init(id: 5, position: SIMD3(-1, 2, -3.5), color: SIMD3(1, 2, 3), error: 1.25, trackLength: 3),
                 .init(id: 9, position: SIMD3(0, 0, 0), color: SIMD3(9, 9, 9), error: 0, trackLength: 2),
                 .init(id: 10, position: SIMD3(1e-3, 1e3, 7), color: SIMD3(0, 0, 0), error: 2, trackLength: 5)])

    @Test func binaryAndTextRoundTrip() throws {
        for binary in [true, false] {
            let dir = temporaryFolder()
            if binary { try COLMAPBinaryFormat.write(Self.model, to: dir) } else { try COLMAPTextFormat.write(Self.model, to: dir) }
            let back = try COLMAPModel.read(dir)
            #expect(back == Self.model)
            #expect(back.images.map(\.name) == ["a.png", "c.png", "sub/b.png"])
        }
        // The mean of the points' errors, as model_analyzer reports it.
        #expect(abs(Self.model.meanReprojectionError - 3.75 / 4) < 1e-12)
    }

    @Test func textModelAsCOLMAPWritesIt() throws {
        let dir = temporaryFolder()
        writeBytes(dir, "cameras.txt", Array("""
        # Camera list with one line of data per camera:
        #   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]
        # Number of cameras: 1
        1 SIMPLE_RADIAL 3072 2304 2559.81 1536 1152 -0.0204997

        """.utf8))
        writeBytes(dir, "images.txt", Array("""
        # Image list with two lines of data per image:
        #   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME
        #   POINTS2D[] as (X, Y, POINT3D_ID)
        # Number of images: 2, mean observations per image: 1.5
        1 0.851773 0.0165051 0.503764 -0.142941 -0.737434 1.02973 3.74354 1 P1180141.JPG
        2362.39 248.498 -1 1781.2 1108.98 1 1316.14 1262.11 2
        2 0.851 0.016 0.5037 -0.1429 -0.73 1.03 3.74 1 P1180142.JPG
        2.1 3.5 2

        """.utf8))
        writeBytes(dir, "points3D.txt", Array("""
        # 3D point list with one line of data per point:
        #   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)
        1 1.5 -0.25 3 120 130 140 0.75 1 1 2 0
        2 2 2 2 1 2 3 1.5 1 2
        """.utf8))
        let m = try COLMAPModel.read(dir)
        #expect(m.cameras == [COLMAPCamera(id: 1, model: .simpleRadial, width: 3072, height: 2304, parameters: [2559.81, 1536, 1152, -0.0204997])])
        #expect(m.images.map(\.name) == ["P1180141.JPG", "P1180142.JPG"])
        #expect(m.images[0].keypointCount == 3 && m.images[0].observationCount == 2)
        #expect(m.images[1].keypointCount == 1 && m.images[1].observationCount == 1)
        #expect(m.points.map(\.trackLength) == [2, 1])
        #expect(m.points[0].color == SIMD3(120, 130, 140))
        #expect(abs(m.meanReprojectionError - (0.75 + 1.5) / 2) < 1e-12)
    }

    @Test func cameraModelsMapToOpenCVIntrinsics() throws {
        func k(_ m: COLMAPCameraModel, _ p: [Double]) throws(FieldError) -> CameraIntrinsics {
            try COLMAPCamera(id: 7, model: m, width: 100, height: 80, parameters: p).intrinsics(file: "m")
        }
        let sp = try k(.simplePinhole, [90, 50, 40])
        #expect(sp.focalX == 90 && sp.focalY == 90 && sp.centerX == 50 && sp.centerY == 40 && sp.distortion.isZero)
        let p = try k(.pinhole, [90, 91, 49, 41])
        #expect(p.focalY == 91 && p.centerX == 49 && p.model == .pinhole)
        #expect(try k(.simpleRadial, [90, 50, 40, 0.1]).distortion == DistortionCoefficients(k1: 0.1))
        #expect(try k(.radial, [90, 50, 40, 0.1, -0.2]).distortion == DistortionCoefficients(k1: 0.1, k2: -0.2))
        let cv = try k(.opencv, [90, 91, 50, 40, 0.1, -0.2, 0.01, 0.02])
        #expect(cv.distortion == DistortionCoefficients(k1: 0.1, k2: -0.2, p1: 0.01, p2: 0.02) && cv.model == .opencv)
        let full = try k(.fullOpenCV, [90, 91, 50, 40, 0.1, -0.2, 0.01, 0.02, 0.03, 0, 0, 0])
        #expect(full.distortion == DistortionCoefficients(k1: 0.1, k2: -0.2, k3: 0.03, p1: 0.01, p2: 0.02))
        for (m, words) in [(COLMAPCameraModel.opencvFisheye, ["OPENCV_FISHEYE", "not supported"]), (.fov, ["FOV"]),
                           (.thinPrismFisheye, ["THIN_PRISM_FISHEYE"])] {
            let e = caught { () throws(FieldError) in try k(m, [Double](repeating: 0.1, count: m.parameterCount)) }
            #expect(e?.location == "camera 7")
            for w in words { #expect(e?.description.contains(w) == true, "\(String(describing: e))") }
        }
        let rational = caught { () throws(FieldError) in try k(.fullOpenCV, [90, 91, 50, 40, 0.1, -0.2, 0.01, 0.02, 0.03, 0.5, 0, 0]) }
        #expect(rational?.description.contains("k4, k5, k6") == true)
    }

    /// Cameras on a tilted circle around a point, all looking at it: after normalising, their mean up is
    /// +z, they look at the origin, and their mean distance from it is 4.
    @Test func normalisationCentresOrientsAndScales() {
        let target = SIMD3<Double>(3, -2, 5), tilt = normalizeD(SIMD3<Double>(0.3, 1, 0.2))
        var poses: [[Double]] = []
        for i in 0..<10 {
            let a = Double(i) * 0.6
            // Circle in the plane perpendicular to `tilt`, radius 7 (distances differ by a height offset).
            let u = normalizeD(crossD(tilt, SIMD3(1, 0, 0))), v = crossD(tilt, u)
            let position = target + 7 * (cos(a) * u + sin(a) * v) + Double(i % 3) * tilt
            let backward = normalizeD(position - target)
            let right = normalizeD(crossD(tilt, backward)), up = crossD(backward, right)
            poses.append([right.x, up.x, backward.x, position.x, right.y, up.y, backward.y, position.y,
                          right.z, up.z, backward.z, position.z, 0, 0, 0, 1])
        }
        let n = CaptureNormalization(cameraToWorld: poses)
        #expect(lengthD(n.apply(target)) < 2e-3)
        var up = SIMD3<Double>(), distance = 0.0
        for pose in poses {
            let m = n.apply(pose: pose)
            up += SIMD3(m[1], m[5], m[9])
            let position = SIMD3(m[3], m[7], m[11]), backward = SIMD3(m[2], m[6], m[10])
            distance += lengthD(position)
            // Looks at the origin: the backward axis points from the origin to the camera.
            #expect(lengthD(normalizeD(position) - backward) < 1e-3)
        }
        #expect(lengthD(normalizeD(up) - SIMD3(0, 0, 1)) < 1e-9)
        #expect(abs(distance / 10 - 4) < 1e-9)
        // Points move with the cameras: the scale between two points is the normalisation's.
        #expect(abs(lengthD(n.apply(SIMD3(1, 1, 1)) - n.apply(SIMD3(1, 1, 2))) - n.scale) < 1e-9)
    }

    @Test func worldToCameraBecomesOpenGLCameraToWorld() {
        // COLMAP's identity pose: the camera at the origin looking down +z with y down; in OpenGL axes it
        // looks down −z of its own frame, so its backward axis is −z and up is −y of the world.
        let m = CaptureNormalization.openGLCameraToWorld(worldToCamera: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: SIMD3(1, 2, 3))
        #expect(m == [1, 0, 0, -1, 0, -1, 0, -2, 0, 0, -1, -3, 0, 0, 0, 1])
        let image = COLMAPModel.RegisteredImage(id: 1, rotation: SIMD4(0.7, 0.1, 0.7, 0.1), translation: SIMD3(1, 2, 3), cameraID: 1, name: "x")
        let r = image.rotationMatrix
        // Orthonormal rotation, and the centre −Rᵀt maps back to the camera origin: R·c + t = 0.
        let c = image.center
        for i in 0..<3 {
            #expect(abs(r[3 * i] * c.x + r[3 * i + 1] * c.y + r[3 * i + 2] * c.z + image.translation[i]) < 1e-12)
        }
    }

    @Test func capturePlacesFramesAndChecksImages() throws {
        let dir = temporaryFolder()
        let images = dir + "/images"
        try FileAccess.makeFolder(images + "/sub")
        for name in ["a.png", "c.png", "sub/b.png"] {
            try Image(width: 64, height: 48, channels: 3, fill: 0.5).writePNG(to: images + "/" + name)
        }
        try COLMAPBinaryFormat.write(Self.model, to: dir)
        let dataset = try PosedImageDataset.read(colmap: dir, images: images, options: DatasetOptions(downscale: 2, testEvery: 2))
        #expect(dataset.frames.map { ($0.imagePath as NSString).lastPathComponent } == ["a.png", "c.png", "b.png"])
        #expect(dataset.frames.map(\.split) == [.test, .train, .test])
        #expect(dataset.frames[0].intrinsics.width == 32 && dataset.frames[2].fileIntrinsics.distortion.k1 == 0.01)
        let mean = dataset.frames.reduce(0.0) { $0 + lengthD($1.position) } / 3
        #expect(abs(mean - 4) < 1e-9)
        #expect(dataset.scene.aabbScale >= 4 && dataset.scene.scale == 0.33)

        // A missing image, a wrongly sized one, an unsupported camera: one line each.
        try FileManager.default.removeItem(atPath: images + "/c.png")
        let missing = caught { () throws(FieldError) in try PosedImageDataset.read(colmap: dir, images: images) }
        #expect(missing?.description.contains("image \"c.png\" not found") == true)
        try Image(width: 60, height: 48, channels: 3, fill: 0.5).writePNG(to: images + "/c.png")
        let sized = caught { () throws(FieldError) in try PosedImageDataset.read(colmap: dir, images: images) }
        #expect(sized?.description.contains("is 60×48 pixels, but camera 1 is 64×48") == true)
        var fisheye = Self.model
        fisheye.cameras[1] = COLMAPCamera(id: 2, model: .opencvFisheye, width: 64, height: 48, parameters: [50, 50, 32, 24, 0, 0, 0, 0])
        let fisheyeDir = temporaryFolder("fisheye")
        try COLMAPTextFormat.write(fisheye, to: fisheyeDir)
        let unsupported = caught { () throws(FieldError) in try PosedImageDataset.read(colmap: fisheyeDir, images: images) }
        #expect(unsupported?.description == "\(fisheyeDir): camera 2: camera model OPENCV_FISHEYE is not supported (no perspective OpenCV equivalent); expected one of SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, FULL_OPENCV (re-run COLMAP with --ImageReader.camera_model OPENCV)")
    }

    @Test func badModelFilesGiveOneLine() throws {
        let none = temporaryFolder()
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(none) }?.description.contains("holds no COLMAP model") == true)
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(none + "/nope") }?.description.contains("no such folder") == true)

        let dir = temporaryFolder()
        try COLMAPBinaryFormat.write(Self.model, to: dir)
        let bytes = try FileAccess.readBytes(dir + "/images.bin")
        writeBytes(dir, "images.bin", Array(bytes.dropLast(5)))
        let truncated = caught { () throws(FieldError) in try COLMAPModel.read(dir) }
        #expect(truncated?.file == dir + "/images.bin")
        #expect(truncated?.description.contains("truncated") == true)
        writeBytes(dir, "images.bin", [255, 255, 255, 255, 0, 0, 0, 0])
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(dir) }?.description.contains("exceeds the file's size") == true)
        try COLMAPBinaryFormat.write(Self.model, to: dir)
        try FileManager.default.removeItem(atPath: dir + "/points3D.bin")
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(dir) }?.description.contains("missing") == true)

        let text = temporaryFolder()
        try COLMAPTextFormat.write(Self.model, to: text)
        writeBytes(text, "cameras.txt", Array("1 PINHOLE 64 48 50 51 32\n".utf8))
        let short = caught { () throws(FieldError) in try COLMAPModel.read(text) }
        #expect(short?.description == "\(text)/cameras.txt: line 1: camera 1: PINHOLE expects 4 numeric parameters, got 3")
        writeBytes(text, "cameras.txt", Array("1 WEIRD 64 48 50\n".utf8))
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(text) }?.description.contains("unknown camera model \"WEIRD\"") == true)
        writeBytes(text, "cameras.txt", Array("1 PINHOLE 64 48 50 51 32 24\n".utf8))
        writeBytes(text, "images.txt", Array("1 1 0 0 x 0 0 4 1 a.png\n\n".utf8))
        #expect(caught { () throws(FieldError) in try COLMAPModel.read(text) }?.location == "line 1")
    }
}

private func lengthD(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
private func normalizeD(_ v: SIMD3<Double>) -> SIMD3<Double> { v / lengthD(v) }
private func crossD(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
