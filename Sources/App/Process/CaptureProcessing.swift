import FieldIO
import Foundation
import TensorCore

/// `fieldfit process`: a folder of photos or a video made into a posed dataset, as nerfstudio's
/// `ns-process-data` and instant-ngp's `colmap2nerf.py` do. Stages: images (video frames picked by
/// sharpness, photos shrunk to `maxSize`, `images_2/4/8`), COLMAP features, matching, mapping, and the
/// outputs: `transforms.json` (written last, atomically), `sparse_pc.ply`, `colmap/sparse/0`.
public struct CaptureProcessing {
    /// A folder of photos or a video file.
    public var input: String
    /// The data folder written.
    public var output: String
    /// Longest image side given to COLMAP and written to `images`.
    public var maxSize = 1600
    /// Frames kept from a video.
    public var videoFrames = 100
    /// nil: exhaustive for photos, sequential for video frames.
    public var matcher: String?
    /// COLMAP's camera model for the shared camera.
    public var cameraModel = "OPENCV"
    /// nil: the smallest box holding the cameras and the sparse points.
    public var aabbScale: Int?
    public var threads: Int
    public var quiet = false

    /// The camera models `--camera-model` accepts (those with an OpenCV equivalent).
    public static let cameraModels = ["SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV"]

    /// A processing of `input` into `output` with `threads` workers (COLMAP's too).
    public init(input: String, output: String, threads: Int) {
        self.input = input; self.output = output; self.threads = threads
    }

    /// What a run produced.
    public struct Summary: Sendable {
        public var inputImages: Int
        public var registeredImages: Int
        public var meanReprojectionError: Double
        public var aabbScale: Int
        public var seconds: Double
    }

    /// Runs every stage; progress lines go to stdout unless `quiet`. Errors are one line with what to try.
    @discardableResult
    public func run() throws(FieldError) -> Summary {
        let start = Date()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
            throw FieldError(file: input, "no such file or folder: expected a folder of photos or a video file")
        }
        let out = FileAccess.absolute(output.hasSuffix("/") ? String(output.dropLast()) : output)
        let isVideo = !isDir.boolValue
        if isVideo, ImageFormat.fromExtension(input) != nil {
            throw FieldError(file: input, "is one image: expected a folder of photos or a video file")
        }
        if !isVideo {
            let source = (FileAccess.absolute(input) as NSString).standardizingPath
            let written = (["images"] + CaptureImages.copyFactors.map { "images_\($0)" }).map { ((out + "/" + $0) as NSString).standardizingPath }
            guard !written.contains(source) else {
                throw FieldError(file: input, "is where --out would write its images: choose another --out folder")
            }
        }
        // Bad input first (cheap), then the tools.
        let photos = isVideo ? nil : try PhotoFolder.read(input)
        let colmap = try ExternalTool.find("colmap", package: "colmap")
        if isVideo { _ = try ExternalTool.find("ffmpeg", package: "ffmpeg") }
        let pool = WorkerPool(threads: threads)
        try FileAccess.makeFolder(out)
        // An earlier run's transforms.json would not match the new images if this run fails.
        try? FileManager.default.removeItem(atPath: out + "/transforms.json")

        // 1. images
        let images: CaptureImages
        if let folder = photos {
            let fitted = Image.fittedSize(width: folder.width, height: folder.height, maxSize: maxSize)
            images = try timed("preparing \(folder.paths.count) photos of \(folder.width)×\(folder.height) (at \(fitted.width)×\(fitted.height), images_2/4/8)") { () throws(FieldError) in
                try CaptureImages.write(folder.paths, into: out, maxSize: maxSize, pool: pool)
            }
        } else {
            let scratch = out + "/.video-frames"
            images = try timed("extracting \(videoFrames) sharpest video frames (ffmpeg)") { () throws(FieldError) in
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                try? FileManager.default.removeItem(atPath: scratch)
                let frames = try VideoFrames.extract(input, target: videoFrames, into: scratch, threads: threads)
                return try CaptureImages.write(frames, names: frames.indices.map { String(format: "frame_%05d.jpg", $0 + 1) },
                                               into: out, maxSize: maxSize, pool: pool)
            }
        }
        let count = images.names.count
        guard count >= 2 else {
            throw FieldError(file: input, "has \(count) image: structure from motion needs at least 2 (better 20 or more) overlapping views")
        }

        // 2–4. COLMAP
        let workspace = out + "/colmap"
        try FileAccess.makeFolder(workspace)
        let sfm = COLMAPReconstruction(colmap: colmap, workspace: workspace, imageFolder: out + "/images", threads: threads)
        let matcher = COLMAPReconstruction.Matcher(rawValue: matcher ?? (isVideo ? "sequential" : "exhaustive")) ?? .exhaustive
        try timed("extracting features (COLMAP SIFT on the CPU, camera \(cameraModel))") { () throws(FieldError) in
            try sfm.extractFeatures(cameraModel: cameraModel, singleCamera: true)
        }
        try timed("matching (\(matcher.rawValue))") { () throws(FieldError) in try sfm.match(matcher) }
        let model = try timed("mapping (COLMAP incremental mapper)") { () throws(FieldError) in try sfm.map(imageCount: count) }
        if model.images.count < count {
            let posed = Set(model.images.map(\.name))
            let missing = images.names.filter { !posed.contains($0) }
            let warning = "fieldfit: warning: COLMAP posed \(model.images.count) of \(count) images; left out: "
                + missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
                + " (more overlap, or --matcher exhaustive, may bring them in)\n"
            FileHandle.standardError.write(Data(warning.utf8))
        }

        // 5. outputs
        let capture = try timed("writing transforms.json, sparse_pc.ply") { () throws(FieldError) in
            let capture = try COLMAPCapture.read(model: workspace + "/sparse/0", images: out + "/images", aabbScale: aabbScale)
            let sharpness = Dictionary(uniqueKeysWithValues: zip(images.names, images.sharpness))
            let ply = SparsePointCloud.ply(points: capture.model.points.map { capture.normalization.apply($0.position) },
                                           colors: capture.model.points.map(\.color))
            try FileAccess.writeAtomically(ply, to: out + "/sparse_pc.ply")
            let json = TransformsJSON.make(frames: capture.frames, filePaths: capture.model.images.map { "images/" + $0.name },
                                           sharpness: capture.model.images.map { sharpness[$0.name] }, scene: capture.scene,
                                           pointCloud: "sparse_pc.ply")
            try FileAccess.writeAtomically(JSONWriter.string(json), to: out + "/transforms.json")
            return capture
        }
        let summary = Summary(inputImages: count, registeredImages: capture.frames.count,
                              meanReprojectionError: capture.model.meanReprojectionError, aabbScale: capture.scene.aabbScale,
                              seconds: Date().timeIntervalSince(start))
        if !quiet {
            print(String(format: "process: %d of %d images posed, %d points, mean reprojection error %.3f px, aabb_scale %d, %.1f s",
                         summary.registeredImages, count, capture.model.points.count, summary.meanReprojectionError,
                         summary.aabbScale, summary.seconds))
            print("process: wrote \(out)/transforms.json; fit it with a scene whose data is {\"transforms\": \"\(out)\"}")
        }
        return summary
    }

    /// Runs one stage with its progress line (`process: NAME … 12.3 s`).
    private func timed<T>(_ name: String, _ body: () throws(FieldError) -> T) throws(FieldError) -> T {
        let t0 = Date()
        if !quiet { print("process: \(name) …", terminator: ""); fflush(nil) }
        let value: T
        do { value = try body() } catch {
            if !quiet { print(" failed"); fflush(nil) }
            throw error
        }
        if !quiet { print(String(format: " %.1f s", Date().timeIntervalSince(t0))); fflush(nil) }
        return value
    }
}
