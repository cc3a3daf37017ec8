import Foundation

/// One transforms.json read into frames, in any of the three dialects (Blender, instant-ngp, nerfstudio).
///
/// One rule set covers all three: intrinsics keys may sit at the top level or in a frame (the frame's
/// value wins); focal length from `x_fov`/`y_fov` (degrees), else `fl_x`/`fl_y` (pixels), else
/// `camera_angle_x`/`camera_angle_y` (radians), the missing axis copying the other; `w`/`h` from the
/// image header when absent; `cx`/`cy` default to the image centre; distortion from `k1 k2 k3 k4 p1 p2`
/// or nerfstudio's `distortion_params`. Unknown keys are ignored (datasets carry many). Every error is
/// one line naming this file, the frame (`frames[i]`) and the key.
///
/// As instant-ngp loads a capture folder unchanged: frames whose image is missing are skipped (listed in
/// `missingImages`; none found at all is an error), and with a top-level `sharpness_discard_threshold`
/// frames blurrier than that fraction of their neighbours' mean `sharpness` are dropped (`blurryFrames`).
public struct TransformsFile: Sendable {
    /// The file read.
    public var path: String
    /// The dialect detected from the keys present.
    public var format: TransformsFormat
    /// instant-ngp's scene placement (`aabb_scale`, `scale`, `offset`) and nerfstudio's `applied_transform`.
    public var scene: SceneTransform
    /// The frames kept, in file order, every one marked `.train` (the dataset assigns splits).
    public var frames: [PosedFrame]
    /// The `file_path` of every frame skipped because its image is not there, in file order.
    public var missingImages: [String] = []
    /// The `file_path` of every frame dropped by `sharpness_discard_threshold`, in file order.
    public var blurryFrames: [String] = []
    /// How many frames the file lists.
    public var listedFrames = 0

    /// Reads and checks the transforms.json at `path`; images are checked by their headers (found,
    /// readable, sized as the intrinsics say) but not decoded. Intrinsics are recorded at file size;
    /// `downscale` is stored in each frame.
    public static func read(_ path: String, downscale: Int = 1) throws(FieldError) -> TransformsFile {
        let bytes = try FileAccess.readBytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FieldError(file: path, "is not UTF-8 text") }
        let top = try ConfigObject(JSONParser.parse(NonFiniteLiterals.quoted(text), file: path), file: path)
        guard let frameValues = try top.array("frames") else {
            throw top.error("frames", "missing: expected the list of posed images")
        }
        guard !frameValues.isEmpty else { throw top.error("frames", "is empty: expected at least one frame") }
        var objects: [ConfigObject] = []
        for (i, v) in frameValues.enumerated() { objects.append(try ConfigObject(v, file: path, path: "frames[\(i)]")) }

        let format = TransformsFormat.detect(topLevel: top, firstFrame: objects.first)
        let scene = try readScene(top)
        let model = try readModel(top)
        let sharp = try SharpnessFilter.keeps(objects, top: top)
        var result = TransformsFile(path: path, format: format, scene: scene, frames: [])
        result.listedFrames = objects.count
        result.frames.reserveCapacity(objects.count)
        for (i, f) in objects.enumerated() {
            let raw = try f.string("file_path") ?? ""
            guard let imagePath = try resolveImage(f, jsonPath: path) else { result.missingImages.append(raw); continue }
            guard sharp[i] else { result.blurryFrames.append(raw); continue }
            let intrinsics = try readIntrinsics(frame: f, top: top, model: model, imagePath: imagePath)
            let scaled = intrinsics.downscaled(by: max(1, downscale))
            guard scaled.width >= 1, scaled.height >= 1 else {
                throw FieldError(file: path, location: f.path,
                                 "downscale \(downscale) leaves no pixels of the \(intrinsics.width)×\(intrinsics.height) image")
            }
            result.frames.append(PosedFrame(imagePath: imagePath, sourceFile: path, sourceIndex: i,
                                            cameraToWorld: try readPose(f), fileIntrinsics: intrinsics,
                                            downscale: max(1, downscale), sharpness: try f.double("sharpness")))
        }
        if result.frames.isEmpty {
            if result.blurryFrames.isEmpty {
                throw FieldError(file: path, location: "frames",
                                 "no image found: none of the \(objects.count) frames' images exist (the first, \"\(result.missingImages[0])\", is not next to \(path))")
            }
            throw top.error("sharpness_discard_threshold",
                            "leaves no frame: \(result.blurryFrames.count) dropped as blurry, \(result.missingImages.count) without an image")
        }
        return result
    }

    // MARK: scene

    static func readScene(_ top: ConfigObject) throws(FieldError) -> SceneTransform {
        var scene = SceneTransform()
        if let a = try top.int("aabb_scale") {
            guard a >= 1, a <= 128, a & (a - 1) == 0 else {
                throw top.error("aabb_scale", "expected a power of two from 1 to 128, got \(a)")
            }
            scene.aabbScale = a
        }
        if let s = try number(top, "scale") {
            guard s > 0 else { throw top.error("scale", "expected a positive number, got \(s)") }
            scene.scale = s
        }
        if let v = top.value("offset") {
            switch v {
            case .number(let d, _): scene.offset = SIMD3(repeating: d)
            case .array(let items) where items.count == 3:
                var o = SIMD3<Double>()
                for k in 0..<3 { o[k] = try element(items[k], top, "offset") }
                scene.offset = o
            default: throw top.error("offset", "expected a number or an array of 3 numbers")
            }
        }
        if let rows = try top.array("applied_transform") {
            let m = try matrixRows(rows, top, "applied_transform")
            scene.appliedTransform = Array(m[0..<12])
        }
        return scene
    }

    static func readModel(_ top: ConfigObject) throws(FieldError) -> CameraModel? {
        if try top.bool("is_fisheye", default: false) {
            throw top.error("is_fisheye", "fisheye lenses are not supported; only perspective cameras with OpenCV radial-tangential distortion")
        }
        guard let name = try top.string("camera_model") else { return nil }
        guard let m = CameraModel(named: name) else {
            throw top.error("camera_model", "unsupported camera model \"\(name)\", expected one of "
                            + CameraModel.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return m
    }

    // MARK: frames

    /// The frame's image: `file_path` relative to the json's folder (`\` read as `/`); without an image
    /// extension, `.png`, `.jpg`, `.jpeg` are tried. Nil when no such file exists.
    static func resolveImage(_ f: ConfigObject, jsonPath: String) throws(FieldError) -> String? {
        guard let raw = try f.string("file_path") else { throw f.error("file_path", "missing: expected the image's path") }
        let rel = raw.replacingOccurrences(of: "\\", with: "/")
        let base = FileAccess.resolve(rel, relativeTo: jsonPath)
        let candidates = ImageFormat.fromExtension(base) != nil
            ? [base]
            : [base + ".png", base + ".jpg", base + ".jpeg", base + ".PNG", base + ".JPG", base]
        for c in candidates {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: c, isDirectory: &isDir), !isDir.boolValue { return c }
        }
        return nil
    }

    static func readIntrinsics(frame f: ConfigObject, top: ConfigObject, model: CameraModel?,
                               imagePath: String) throws(FieldError) -> CameraIntrinsics {
        let header: (width: Int, height: Int)
        do { header = try ImageHeader.size(ofFile: imagePath) } catch {
            throw FieldError(file: f.file, location: f.keyPath("file_path"), error.description)
        }
        let givenW = try integer(f, "w", top), givenH = try integer(f, "h", top)
        let w = givenW ?? header.width, h = givenH ?? header.height
        guard w == header.width, h == header.height else {
            throw FieldError(file: f.file, location: f.keyPath(givenW != nil && w != header.width ? "w" : "h"),
                             "image \(imagePath) is \(header.width)×\(header.height) pixels, but w × h is \(w)×\(h)")
        }
        func focal(_ fovKey: String, _ flKey: String, _ angleKey: String, _ size: Int) throws(FieldError) -> Double? {
            if let deg = try number(f, fovKey, top) {
                guard deg > 0, deg < 180 else { throw located(f, top, fovKey, "expected a field of view in (0, 180) degrees, got \(deg)") }
                return 0.5 * Double(size) / tan(deg * .pi / 360)
            }
            if let fl = try number(f, flKey, top) {
                guard fl > 0 else { throw located(f, top, flKey, "expected a positive focal length in pixels, got \(fl)") }
                return fl
            }
            if let rad = try number(f, angleKey, top) {
                guard rad > 0, rad < .pi else { throw located(f, top, angleKey, "expected a field of view in (0, π) radians, got \(rad)") }
                return 0.5 * Double(size) / tan(rad / 2)
            }
            return nil
        }
        let fx = try focal("x_fov", "fl_x", "camera_angle_x", w)
        let fy = try focal("y_fov", "fl_y", "camera_angle_y", h)
        guard let focalX = fx ?? fy else {
            throw FieldError(file: f.file, location: f.path,
                             "no focal length: expected fl_x, camera_angle_x or x_fov (or their y forms), in the frame or at the top level")
        }
        let focalY = fy ?? focalX
        let cx = try number(f, "cx", top) ?? Double(w) / 2
        let cy = try number(f, "cy", top) ?? Double(h) / 2

        var d = DistortionCoefficients()
        let owner = f.has("distortion_params") ? f : top
        if let params = try owner.array("distortion_params") {
            guard params.count == 6 else {
                throw owner.error("distortion_params", "expected 6 numbers [k1, k2, k3, k4, p1, p2], got \(params.count)")
            }
            var v = [Double]()
            for p in params { v.append(try element(p, owner, "distortion_params")) }
            d = DistortionCoefficients(k1: v[0], k2: v[1], k3: v[2], k4: v[3], p1: v[4], p2: v[5])
        } else {
            d.k1 = try number(f, "k1", top) ?? 0
            d.k2 = try number(f, "k2", top) ?? 0
            d.k3 = try number(f, "k3", top) ?? 0
            d.k4 = try number(f, "k4", top) ?? 0
            d.p1 = try number(f, "p1", top) ?? 0
            d.p2 = try number(f, "p2", top) ?? 0
        }
        if try f.bool("is_fisheye", default: false) {
            throw f.error("is_fisheye", "fisheye lenses are not supported; only perspective cameras with OpenCV radial-tangential distortion")
        }
        return CameraIntrinsics(width: w, height: h, focalX: focalX, focalY: focalY, centerX: cx, centerY: cy,
                                model: model ?? (d.isZero ? .pinhole : .opencv), distortion: d)
    }

    /// The frame's `transform_matrix`: 4 rows of 4 numbers (or the top 3 rows), finite, last row
    /// `[0, 0, 0, 1]`, rotation part invertible.
    static func readPose(_ f: ConfigObject) throws(FieldError) -> [Double] {
        guard let rows = try f.array("transform_matrix") else {
            throw f.error("transform_matrix", "missing: expected a 4×4 camera-to-world matrix")
        }
        let m = try matrixRows(rows, f, "transform_matrix")
        guard abs(m[12]) < 1e-6, abs(m[13]) < 1e-6, abs(m[14]) < 1e-6, abs(m[15] - 1) < 1e-6 else {
            throw f.error("transform_matrix", "is not invertible as a camera pose: its last row must be [0, 0, 0, 1], got \(Array(m[12..<16]))")
        }
        let det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8])
        guard abs(det) > 1e-9 else {
            throw f.error("transform_matrix", "is not invertible: its 3×3 rotation part has determinant \(det)")
        }
        return m
    }

    // MARK: helpers

    /// 3 or 4 rows of 4 finite numbers → 16 numbers row-major (a missing last row is `[0, 0, 0, 1]`).
    static func matrixRows(_ rows: [JSONValue], _ owner: ConfigObject, _ key: String) throws(FieldError) -> [Double] {
        guard rows.count == 4 || rows.count == 3 else {
            throw owner.error(key, "expected 4 rows of 4 numbers, got \(rows.count) rows")
        }
        var m: [Double] = []
        for (r, row) in rows.enumerated() {
            guard case .array(let items) = row, items.count == 4 else {
                throw owner.error(key, "row \(r): expected 4 numbers")
            }
            for item in items { m.append(try element(item, owner, key)) }
        }
        if m.count == 12 { m += [0, 0, 0, 1] }
        return m
    }

    /// A finite number inside an array value of `key`; quoted NaN / Infinity are named as such.
    static func element(_ v: JSONValue, _ owner: ConfigObject, _ key: String) throws(FieldError) -> Double {
        switch v {
        case .number(let d, _): return d
        case .string(let s) where ["NaN", "Infinity", "-Infinity"].contains(s):
            throw owner.error(key, "contains \(s), expected finite numbers")
        default: throw owner.error(key, "expected numbers, got \(v.kindDescription)")
        }
    }

    /// A number of `owner`, rejecting quoted NaN / Infinity with the key named.
    static func number(_ owner: ConfigObject, _ key: String) throws(FieldError) -> Double? {
        guard let v = owner.value(key) else { return nil }
        return try element(v, owner, key)
    }

    /// A number from the frame, else from the top level.
    static func number(_ f: ConfigObject, _ key: String, _ top: ConfigObject) throws(FieldError) -> Double? {
        if let v = try number(f, key) { return v }
        return try number(top, key)
    }

    /// An integer from the frame, else from the top level.
    static func integer(_ f: ConfigObject, _ key: String, _ top: ConfigObject) throws(FieldError) -> Int? {
        if let v = try f.int(key) { return v }
        return try top.int(key)
    }

    /// An error at `key` of the frame when the frame has it, else at the top level, naming the frame.
    static func located(_ f: ConfigObject, _ top: ConfigObject, _ key: String, _ message: String) -> FieldError {
        f.has(key) ? f.error(key, message) : FieldError(file: f.file, location: "\(f.path) (top-level \(key))", message)
    }
}
