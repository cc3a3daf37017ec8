import Foundation

/// COLMAP's text model files (`cameras.txt`, `images.txt`, `points3D.txt`): `#` comments, one
/// entry per line (two lines per image: the pose, then its keypoints as `X Y POINT3D_ID` triples).
public enum COLMAPTextFormat {
    /// Reads the three text files of `folder`.
    public static func read(folder: String) throws(FieldError) -> COLMAPModel {
        var cameras: [COLMAPCamera] = []
        var file = folder + "/cameras.txt"
        for (line, f) in try lines(file, keepBlank: false) {
            guard f.count >= 4, let id = Int(f[0]), let w = Int(f[2]), let h = Int(f[3]) else {
                throw FieldError(file: file, location: "line \(line)", "expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]")
            }
            guard let model = COLMAPCameraModel(named: f[1]) else {
                throw FieldError(file: file, location: "line \(line)", "camera \(id): unknown camera model \"\(f[1])\"")
            }
            let params = f.dropFirst(4).compactMap(Double.init)
            guard params.count == f.count - 4, params.count == model.parameterCount else {
                throw FieldError(file: file, location: "line \(line)", "camera \(id): \(model.name) expects \(model.parameterCount) numeric parameters, got \(f.count - 4)")
            }
            cameras.append(COLMAPCamera(id: id, model: model, width: w, height: h, parameters: params))
        }

        var images: [COLMAPModel.RegisteredImage] = []
        file = folder + "/images.txt"
        let imageLines = try lines(file, keepBlank: true)
        var i = 0
        while i < imageLines.count {
            let (line, f) = imageLines[i]
            if f.isEmpty { i += 1; continue }
            let v = f.prefix(9).compactMap(Double.init)
            guard f.count >= 10, v.count == 9, let id = Int(f[0]), let camera = Int(f[8]) else {
                throw FieldError(file: file, location: "line \(line)", "expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME")
            }
            let points = i + 1 < imageLines.count ? imageLines[i + 1].fields : []
            guard points.count % 3 == 0 else {
                throw FieldError(file: file, location: "line \(line + 1)", "image \(id): expected keypoints as X Y POINT3D_ID triples")
            }
            let seen = stride(from: 2, to: points.count, by: 3).filter { points[$0] != "-1" }.count
            images.append(.init(id: id, rotation: SIMD4(v[1], v[2], v[3], v[4]), translation: SIMD3(v[5], v[6], v[7]),
                                cameraID: camera, name: f[9...].joined(separator: " "),
                                keypointCount: points.count / 3, observationCount: seen))
            i += 2
        }

        var points: [COLMAPModel.Point] = []
        file = folder + "/points3D.txt"
        for (line, f) in try lines(file, keepBlank: false) {
            let v = f.prefix(8).compactMap(Double.init)
            guard f.count >= 8, v.count == 8, (f.count - 8) % 2 == 0, let id = Int(f[0]),
                  let r = UInt8(f[4]), let g = UInt8(f[5]), let b = UInt8(f[6]) else {
                throw FieldError(file: file, location: "line \(line)", "expected POINT3D_ID X Y Z R G B ERROR TRACK[]")
            }
            points.append(.init(id: id, position: SIMD3(v[1], v[2], v[3]), color: SIMD3(r, g, b), error: v[7], trackLength: (f.count - 8) / 2))
        }
        return COLMAPModel(cameras: cameras, images: images, points: points)
    }

    /// Writes `model` as the three text files into `folder` (each atomically); images get an empty
    /// keypoint line and points a track of their length naming image 0.
    public static func write(_ model: COLMAPModel, to folder: String) throws(FieldError) {
        var text = "# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
        for c in model.cameras {
            text += "\(c.id) \(c.model.name) \(c.width) \(c.height) " + c.parameters.map { "\($0)" }.joined(separator: " ") + "\n"
        }
        try FileAccess.writeAtomically(text, to: folder + "/cameras.txt")
        text = "# Image list with two lines of data per image:\n#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n#   POINTS2D[] as (X, Y, POINT3D_ID)\n"
        for im in model.images {
            let q = im.rotation, t = im.translation
            text += "\(im.id) \(q[0]) \(q[1]) \(q[2]) \(q[3]) \(t.x) \(t.y) \(t.z) \(im.cameraID) \(im.name)\n\n"
        }
        try FileAccess.writeAtomically(text, to: folder + "/images.txt")
        text = "# 3D point list with one line of data per point:\n#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n"
        for p in model.points {
            text += "\(p.id) \(p.position.x) \(p.position.y) \(p.position.z) \(p.color.x) \(p.color.y) \(p.color.z) \(p.error)"
                + String(repeating: " 0 0", count: p.trackLength) + "\n"
        }
        try FileAccess.writeAtomically(text, to: folder + "/points3D.txt")
    }

    /// The file's lines (1-based numbers) split into fields, comments dropped; blank lines kept when
    /// `keepBlank` (images.txt's empty keypoint lines count).
    static func lines(_ file: String, keepBlank: Bool) throws(FieldError) -> [(line: Int, fields: [String])] {
        guard FileAccess.exists(file) else { throw FieldError(file: file, "missing: a text COLMAP model needs cameras.txt, images.txt and points3D.txt") }
        guard let text = String(validating: try FileAccess.readBytes(file), as: UTF8.self) else { throw FieldError(file: file, "is not UTF-8 text") }
        var out: [(line: Int, fields: [String])] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if s.hasPrefix("#") { continue }
            if s.isEmpty && !keepBlank { continue }
            out.append((n + 1, s.split(separator: " ").map(String.init)))
        }
        // A file's final newline leaves one empty entry; images.txt's pairing must not see it.
        if keepBlank, let last = out.last, last.fields.isEmpty { out.removeLast() }
        return out
    }
}
