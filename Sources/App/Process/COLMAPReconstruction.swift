import FieldIO
import Foundation

/// Structure from motion with Debian's `colmap` (3.8), headless on the CPU: SIFT feature extraction,
/// exhaustive or sequential matching, incremental mapping; the model with the most registered images
/// ends up in `sparse/0`. Logs of each stage are kept in the workspace.
struct COLMAPReconstruction {
    /// How images are paired for matching.
    enum Matcher: String, CaseIterable {
        /// Every pair: best for small unordered photo sets.
        case exhaustive
        /// Each frame with its neighbours in name order: for video frames.
        case sequential
    }

    let colmap: ExternalTool
    /// `DATA_DIR/colmap`: database.db, sparse/N, the stage logs.
    let workspace: String
    let imageFolder: String
    let threads: Int

    var database: String { workspace + "/database.db" }
    var sparse: String { workspace + "/sparse" }

    /// Feature extraction with one shared camera of `cameraModel` (COLMAP's name, e.g. OPENCV).
    func extractFeatures(cameraModel: String, singleCamera: Bool) throws(FieldError) {
        try? FileManager.default.removeItem(atPath: database)
        try stage("feature_extractor", ["--database_path", database, "--image_path", imageFolder,
                                        "--ImageReader.camera_model", cameraModel,
                                        "--ImageReader.single_camera", singleCamera ? "1" : "0",
                                        "--SiftExtraction.use_gpu", "0", "--SiftExtraction.num_threads", "\(threads)"])
    }

    /// Matching with `matcher`.
    func match(_ matcher: Matcher) throws(FieldError) {
        try stage("\(matcher.rawValue)_matcher", ["--database_path", database,
                                                  "--SiftMatching.use_gpu", "0", "--SiftMatching.num_threads", "\(threads)"])
    }

    /// Incremental mapping into `sparse/`; returns the largest model, moved to `sparse/0`. `imageCount` is
    /// how many images went in, for the error when none or few could be posed.
    func map(imageCount: Int) throws(FieldError) -> COLMAPModel {
        try? FileManager.default.removeItem(atPath: sparse)
        try FileAccess.makeFolder(sparse)
        // nerfstudio's setting: a looser global bundle-adjustment tolerance, several times faster, same poses.
        // A mapper that finds no initial pair exits with an error and no model: explained below, not as a crash.
        let mapped = try stage("mapper", ["--database_path", database, "--image_path", imageFolder, "--output_path", sparse,
                                          "--Mapper.num_threads", "\(threads)", "--Mapper.ba_global_function_tolerance", "1e-6"],
                               failOnError: false)
        let (best, modelCount) = try COLMAPReconstruction.keepLargestModel(in: sparse)
        guard let best else {
            if mapped.status != 0 && !mapped.output.contains("failed to create sparse model") {
                throw FieldError(file: imageFolder, "COLMAP mapper failed (exit \(mapped.status)): \(ExternalTool.lastMessage(mapped.output)); log: \(workspace)/mapper.log")
            }
            throw FieldError(file: imageFolder, "COLMAP found no model: the \(imageCount) images share too few feature matches (try photos with more overlap (60 % or more between neighbours) and texture, less blur, or --matcher exhaustive); log: \(workspace)/mapper.log")
        }
        guard best.images.count >= 3 else {
            throw FieldError(file: imageFolder, "COLMAP posed only \(best.images.count) of \(imageCount) images (\(modelCount) model(s)): too few to train on; try photos with more overlap and texture, or --matcher exhaustive; log: \(workspace)/mapper.log")
        }
        return best
    }

    /// The model with the most registered images among `sparse/N`, moved to `sparse/0` (the others keep their
    /// folders), and how many models there were; nil when there is none with an image.
    static func keepLargestModel(in sparse: String) throws(FieldError) -> (model: COLMAPModel?, count: Int) {
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: sparse)) ?? []).filter { Int($0) != nil }.sorted()
        var models: [(name: String, model: COLMAPModel)] = []
        for f in folders { models.append((f, try COLMAPModel.read(sparse + "/" + f))) }
        guard let best = models.max(by: { $0.model.images.count < $1.model.images.count }), !best.model.images.isEmpty else {
            return (nil, models.count)
        }
        if best.name != "0" {
            let spare = sparse + "/.swap"
            do {
                try FileManager.default.moveItem(atPath: sparse + "/0", toPath: spare)
                try FileManager.default.moveItem(atPath: sparse + "/" + best.name, toPath: sparse + "/0")
                try FileManager.default.moveItem(atPath: spare, toPath: sparse + "/" + best.name)
            } catch {
                throw FieldError(file: sparse, "cannot move the largest model to sparse/0: \(error.localizedDescription)")
            }
        }
        return (best.model, models.count)
    }

    /// Runs one colmap command, its output in `workspace/NAME.log`; a failure is one line with the log's last message.
    @discardableResult
    private func stage(_ command: String, _ arguments: [String], failOnError: Bool = true) throws(FieldError) -> (status: Int32, output: String) {
        let log = workspace + "/" + command + ".log"
        let result = try colmap.run([command] + arguments, log: log)
        guard result.status == 0 || !failOnError else {
            throw FieldError(file: imageFolder, "COLMAP \(command) failed (exit \(result.status)): \(ExternalTool.lastMessage(result.output)); log: \(log)")
        }
        return result
    }
}
