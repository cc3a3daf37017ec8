import Foundation

/// A COLMAP reconstruction read as a posed capture: its registered images as posed frames in the
/// normalised world (`CaptureNormalization`: OpenGL cameras, mean up +z, centred on the look-at point,
/// cameras at mean distance 4), with instant-ngp's scene placement and an `aabb_scale` that holds the
/// cameras and the sparse points. `fieldfit process` writes these frames as transforms.json, and a
/// scene's `"data": {"colmap": …, "images": …}` trains from them directly: one code path.
public struct COLMAPCapture: Sendable {
    /// The model read.
    public var model: COLMAPModel
    /// The model folder and image folder.
    public var modelFolder: String, imageFolder: String
    /// How COLMAP's world maps to the frames' world.
    public var normalization: CaptureNormalization
    /// instant-ngp's placement: `scale` 0.33, `offset` 0.5 and the chosen `aabb_scale`.
    public var scene: SceneTransform
    /// One frame per registered image, sorted by image name, at full size, every one `.train`.
    public var frames: [PosedFrame]

    /// Reads the model in `modelFolder` (binary or text) with its images in `imageFolder`. Each image must
    /// exist with the size its camera says; cameras must have an OpenCV equivalent. `aabbScale` overrides
    /// the automatic box (the smallest power of two holding every camera and 95 % of the sparse points).
    public static func read(model modelFolder: String, images imageFolder: String, aabbScale: Int? = nil) throws(FieldError) -> COLMAPCapture {
        let model = try COLMAPModel.read(modelFolder)
        guard !model.images.isEmpty else {
            throw FieldError(file: modelFolder, "has no registered images: COLMAP could not pose any photo")
        }
        var intrinsics: [Int: CameraIntrinsics] = [:]
        for c in model.cameras { intrinsics[c.id] = try c.intrinsics(file: modelFolder) }
        let dir = imageFolder.hasSuffix("/") ? String(imageFolder.dropLast()) : imageFolder
        var poses: [[Double]] = []
        var found: [(path: String, intrinsics: CameraIntrinsics)] = []
        for im in model.images {
            guard let k = intrinsics[im.cameraID] else {
                throw FieldError(file: modelFolder, location: "image \(im.id) (\(im.name))", "names camera \(im.cameraID), which the model does not have")
            }
            let path = dir + "/" + im.name
            guard FileAccess.exists(path) else {
                throw FieldError(file: modelFolder, location: "image \(im.id)", "image \"\(im.name)\" not found in \(imageFolder)")
            }
            let size = try ImageHeader.size(ofFile: path)
            guard size.width == k.width, size.height == k.height else {
                throw FieldError(file: modelFolder, location: "image \(im.id)",
                                 "image \(path) is \(size.width)×\(size.height) pixels, but camera \(im.cameraID) is \(k.width)×\(k.height)")
            }
            poses.append(CaptureNormalization.openGLCameraToWorld(worldToCamera: im.rotationMatrix, translation: im.translation))
            found.append((path, k))
        }
        let normalization = CaptureNormalization(cameraToWorld: poses, points: model.points.map(\.position))
        var scene = SceneTransform()
        let frames = zip(poses, found).enumerated().map { i, pair in
            PosedFrame(imagePath: pair.1.path, sourceFile: modelFolder, sourceIndex: i,
                       cameraToWorld: normalization.apply(pose: pair.0), fileIntrinsics: pair.1.intrinsics)
        }
        if let a = aabbScale {
            guard a >= 1, a <= 128, a & (a - 1) == 0 else { throw FieldError(file: modelFolder, "aabb_scale: expected a power of two from 1 to 128, got \(a)") }
            scene.aabbScale = a
        } else {
            scene.aabbScale = COLMAPCapture.enclosingAABBScale(cameras: frames.map(\.position),
                                                               points: model.points.map { normalization.apply($0.position) }, scene: scene)
        }
        return COLMAPCapture(model: model, modelFolder: modelFolder, imageFolder: imageFolder,
                             normalization: normalization, scene: scene, frames: frames)
    }

    /// The smallest power-of-two `aabb_scale` (1...128) whose box, centred at 0.5 in unit-cube
    /// coordinates, holds every camera and the nearest 95 % of `points` (outliers are common in a sparse cloud).
    public static func enclosingAABBScale(cameras: [SIMD3<Double>], points: [SIMD3<Double>], scene: SceneTransform) -> Int {
        func extent(_ p: SIMD3<Double>) -> Double {
            let q = scene.apply(p) - SIMD3<Double>(repeating: 0.5)
            return max(abs(q.x), abs(q.y), abs(q.z))
        }
        var need = cameras.map(extent).max() ?? 0.5
        if !points.isEmpty {
            let sorted = points.map(extent).sorted()
            need = max(need, sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))])
        }
        var a = 1
        while Double(a) / 2 < need && a < 128 { a *= 2 }
        return a
    }
}
