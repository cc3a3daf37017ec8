import Foundation

/// A set of posed images for a NeRF fit, read from a transforms.json or a folder of them.
///
/// A folder is read as `transforms_train.json`, `transforms_val.json` and `transforms_test.json` (those
/// present) or else `transforms.json`. The split: the dataset's own test file when it has one, else
/// every `testEvery`-th view (0, k, 2k, …) held out. Images are checked by their headers on reading and
/// decoded only by `image(_:)`.
public struct PosedImageDataset: Sendable {
    /// The path given (a file or a folder).
    public var source: String
    /// The transforms.json files read, in order.
    public var files: [String]
    /// The dialect of the first file.
    public var format: TransformsFormat
    /// Scene placement from the first file.
    public var scene: SceneTransform
    /// Every frame of every file, in file order, each with its split.
    public var frames: [PosedFrame]
    /// The options the dataset was read with.
    public var options: DatasetOptions
    /// Whether the split came from the dataset's own test file (otherwise from the every-k-th rule).
    public var hasOwnTestSplit: Bool
    /// One line per file that left frames out (images missing, frames under `sharpness_discard_threshold`),
    /// for the user to see: how many, and the first few names.
    public var warnings: [String] = []

    /// Reads the dataset at `path` (a transforms.json or a folder holding them) with `options`.
    public static func read(_ path: String, options: DatasetOptions = DatasetOptions()) throws(FieldError) -> PosedImageDataset {
        guard options.downscale >= 1 else { throw FieldError(file: path, "downscale must be an integer of at least 1, got \(options.downscale)") }
        guard options.testEvery >= 0 else { throw FieldError(file: path, "testEvery must be 0 (no test views) or more, got \(options.testEvery)") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw FieldError(file: path, "no such file or folder")
        }
        var paths: [String]
        if isDir.boolValue {
            let dir = path.hasSuffix("/") ? String(path.dropLast()) : path
            paths = ["transforms_train.json", "transforms_val.json", "transforms_test.json"]
                .map { dir + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
            if paths.isEmpty {
                let single = dir + "/transforms.json"
                guard FileManager.default.fileExists(atPath: single) else {
                    throw FieldError(file: path, "holds no transforms.json, transforms_train.json or transforms_test.json")
                }
                paths = [single]
            }
        } else {
            paths = [path]
        }
        var parts: [TransformsFile] = []
        for p in paths { parts.append(try TransformsFile.read(p, downscale: options.downscale)) }

        let ownTest = isDir.boolValue && paths.contains { DatasetSplit.implied(byFileName: $0) == .test }
        var frames: [PosedFrame] = []
        for part in parts {
            let implied = isDir.boolValue ? DatasetSplit.implied(byFileName: part.path) : nil
            for (i, original) in part.frames.enumerated() {
                var frame = original
                switch implied {
                case .test?: frame.split = .test
                case .validation?: frame.split = .validation
                case .train? where ownTest: frame.split = .train
                default: frame.split = DatasetSplit.heldOut(index: i, every: options.testEvery)
                }
                frames.append(frame)
            }
        }
        return PosedImageDataset(source: path, files: paths, format: parts[0].format, scene: parts[0].scene,
                                 frames: frames, options: options, hasOwnTestSplit: ownTest,
                                 warnings: parts.flatMap(PosedImageDataset.warnings))
    }

    /// The warning lines for one file's left-out frames (none when it kept them all).
    static func warnings(_ part: TransformsFile) -> [String] {
        func names(_ list: [String]) -> String {
            let shown = list.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
            return list.count > 3 ? shown + ", …" : shown
        }
        var lines: [String] = []
        if !part.missingImages.isEmpty {
            lines.append("\(part.path): skipped \(part.missingImages.count) of \(part.listedFrames) frames whose image is missing (\(names(part.missingImages)))")
        }
        if !part.blurryFrames.isEmpty {
            lines.append("\(part.path): dropped \(part.blurryFrames.count) of \(part.listedFrames) frames below sharpness_discard_threshold (\(names(part.blurryFrames)))")
        }
        return lines
    }

    /// Indices into `frames` of the views in `split`.
    public func indices(_ split: DatasetSplit) -> [Int] {
        frames.indices.filter { frames[$0].split == split }
    }

    /// The training views.
    public var trainFrames: [PosedFrame] { frames.filter { $0.split == .train } }

    /// The held-out test views.
    public var testFrames: [PosedFrame] { frames.filter { $0.split == .test } }

    /// The decoded (and downscaled) image of `frames[index]`, channels kept.
    public func image(_ index: Int) throws(FieldError) -> Image {
        try frames[index].loadImage()
    }

    /// The decoded (and downscaled) image of `frames[index]` as 8-bit samples, channels kept.
    public func imageBytes(_ index: Int) throws(FieldError) -> ByteImage {
        try frames[index].loadBytes()
    }
}
