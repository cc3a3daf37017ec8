import Foundation

/// COLMAP's binary model files (`cameras.bin`, `images.bin`, `points3D.bin`; little-endian, as
/// `colmap/scene/reconstruction_io.cc` writes them).
public enum COLMAPBinaryFormat {
    /// Reads the three binary files of `folder`.
    public static func read(folder: String) throws(FieldError) -> COLMAPModel {
        var cameras: [COLMAPCamera] = []
        var r = try Cursor(folder + "/cameras.bin")
        for _ in 0..<(try r.count(minBytesEach: 24)) {
            let id = Int(try r.int32()), modelID = Int(try r.int32())
            let w = Int(try r.uint64()), h = Int(try r.uint64())
            guard let model = COLMAPCameraModel(rawValue: modelID) else {
                throw FieldError(file: r.file, location: "camera \(id)", "unknown camera model id \(modelID), expected 0...\(COLMAPCameraModel.allCases.count - 1)")
            }
            var params: [Double] = []
            for _ in 0..<model.parameterCount { params.append(try r.double()) }
            cameras.append(COLMAPCamera(id: id, model: model, width: w, height: h, parameters: params))
        }
        try r.finish()

        var images: [COLMAPModel.RegisteredImage] = []
        r = try Cursor(folder + "/images.bin")
        for _ in 0..<(try r.count(minBytesEach: 73)) {
            let id = Int(try r.int32())
            let q = SIMD4(try r.double(), try r.double(), try r.double(), try r.double())
            let t = SIMD3(try r.double(), try r.double(), try r.double())
            let camera = Int(try r.int32())
            let name = try r.cString()
            let keypoints = try r.count(minBytesEach: 24)
            var seen = 0
            for _ in 0..<keypoints {
                r.skip(16)
                if try r.int64() != -1 { seen += 1 }
            }
            images.append(.init(id: id, rotation: q, translation: t, cameraID: camera, name: name,
                                keypointCount: keypoints, observationCount: seen))
        }
        try r.finish()

        var points: [COLMAPModel.Point] = []
        r = try Cursor(folder + "/points3D.bin")
        for _ in 0..<(try r.count(minBytesEach: 51)) {
            let id = Int(try r.uint64())
            let p = SIMD3(try r.double(), try r.double(), try r.double())
            let c = SIMD3(try r.uint8(), try r.uint8(), try r.uint8())
            let error = try r.double()
            let track = try r.count(minBytesEach: 8)
            r.skip(8 * track)
            points.append(.init(id: id, position: p, color: c, error: error, trackLength: track))
        }
        try r.finish()
        return COLMAPModel(cameras: cameras, images: images, points: points)
    }

    /// Writes `model` as the three binary files into `folder` (each atomically). Keypoints are not kept by
    /// `COLMAPModel`, so images are written with none and points with empty tracks of their length.
    public static func write(_ model: COLMAPModel, to folder: String) throws(FieldError) {
        var b = Writer()
        b.uint64(model.cameras.count)
        for c in model.cameras {
            b.int32(c.id); b.int32(c.model.rawValue); b.uint64(c.width); b.uint64(c.height)
            c.parameters.forEach { b.double($0) }
        }
        try FileAccess.writeAtomically(b.bytes, to: folder + "/cameras.bin")
        b = Writer()
        b.uint64(model.images.count)
        for im in model.images {
            b.int32(im.id)
            for k in 0..<4 { b.double(im.rotation[k]) }
            for k in 0..<3 { b.double(im.translation[k]) }
            b.int32(im.cameraID)
            b.bytes += Array(im.name.utf8) + [0]
            b.uint64(0)
        }
        try FileAccess.writeAtomically(b.bytes, to: folder + "/images.bin")
        b = Writer()
        b.uint64(model.points.count)
        for p in model.points {
            b.uint64(p.id)
            for k in 0..<3 { b.double(p.position[k]) }
            b.bytes += [p.color.x, p.color.y, p.color.z]
            b.double(p.error)
            b.uint64(p.trackLength)
            for i in 0..<p.trackLength { b.int32(i); b.int32(0) }
        }
        try FileAccess.writeAtomically(b.bytes, to: folder + "/points3D.bin")
    }

    /// Little-endian reads over one file's bytes; running past the end is a one-line error.
    struct Cursor {
        let file: String
        let bytes: [UInt8]
        var at = 0

        init(_ file: String) throws(FieldError) {
            guard FileAccess.exists(file) else { throw FieldError(file: file, "missing: a binary COLMAP model needs cameras.bin, images.bin and points3D.bin") }
            self.file = file
            bytes = try FileAccess.readBytes(file)
        }

        mutating func take(_ n: Int) throws(FieldError) -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else {
                throw FieldError(file: file, "truncated at byte \(at): expected \(n) more bytes of a COLMAP binary model")
            }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        mutating func bits(_ n: Int) throws(FieldError) -> UInt64 {
            try take(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        mutating func uint8() throws(FieldError) -> UInt8 { try take(1).first! }
        mutating func int32() throws(FieldError) -> Int32 { Int32(bitPattern: UInt32(try bits(4))) }
        mutating func int64() throws(FieldError) -> Int64 { Int64(bitPattern: try bits(8)) }
        mutating func uint64() throws(FieldError) -> UInt64 { try bits(8) }
        mutating func double() throws(FieldError) -> Double { Double(bitPattern: try bits(8)) }
        mutating func skip(_ n: Int) { at += n }
        /// An element count, checked against the bytes left so a corrupt count cannot ask for terabytes.
        mutating func count(minBytesEach: Int) throws(FieldError) -> Int {
            let n = try uint64()
            guard n <= UInt64(max(0, bytes.count - at) / minBytesEach) else {
                throw FieldError(file: file, "corrupt: a count of \(n) at byte \(at - 8) exceeds the file's size")
            }
            return Int(n)
        }
        mutating func cString() throws(FieldError) -> String {
            guard let end = bytes[at...].firstIndex(of: 0) else { throw FieldError(file: file, "truncated: an image name has no terminating zero") }
            defer { at = end + 1 }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        func finish() throws(FieldError) {
            guard at == bytes.count else {
                throw FieldError(file: file, "corrupt: \(bytes.count - at) bytes left after the last entry (at byte \(at))")
            }
        }
    }

    /// Little-endian writes.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func le(_ v: UInt64, _ n: Int) { for k in 0..<n { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        mutating func int32(_ v: Int) { le(UInt64(UInt32(bitPattern: Int32(v))), 4) }
        mutating func uint64(_ v: Int) { le(UInt64(v), 8) }
        mutating func double(_ v: Double) { le(v.bitPattern, 8) }
    }
}
