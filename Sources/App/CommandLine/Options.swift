import FieldIO

/// What a `fieldfit` command asks for, whichever subcommand parsed it: its overrides of the scene's settings
/// and of a trained run's render and mesh settings. `FitRun`, `TrainedRun` and the viewer's session work from this value.
public struct Options: Equatable {
    /// `mesh`: marching-cubes cells per axis (nil: the scene's setting).
    public var meshResolution: Int?
    /// `render`: views on the orbit (nil: the scene's setting).
    public var orbitViews: Int?
    /// `render`: image size (nil: the scene's setting).
    public var width: Int?
    public var height: Int?
    /// render (NeRF runs): a nerfstudio camera_path.json to render along.
    public var cameraPath: String?
    /// render (NeRF runs): `--path` — orbit, interpolate, spiral or a camera_path.json (nil: the capture's default).
    public var renderPath: String?
    /// render (NeRF runs): encode the path's frames into this video file instead of writing PNGs.
    public var videoPath: String?
    /// render --video: frames per second.
    public var fps = 30.0
    /// export: what to export and how (`fieldfit export RUN mesh|pointcloud|cameras`).
    public var export = ExportOptions()
    /// The scene file to fit (nil: the embedded NeRF demo scene, unless resuming).
    public var scenePath: String?
    /// Overrides the output folder.
    public var outputFolder: String?
    /// Overrides the training-time limit (seconds of training, in total).
    public var seconds: Double?
    /// Overrides the step limit (steps in total).
    public var steps: Int?
    /// Overrides the seed.
    public var seed: UInt64?
    /// Overrides the number of worker threads.
    public var threads: Int?
    /// No progress line; only errors and the final summary.
    public var quiet = false
    /// Continue the run in this folder from its checkpoint.
    public var resume: String?
    /// The largest seed: JSON (config.json, which `--resume` reads) keeps integers exactly up to 2^53.
    public static let largestSeed = UInt64(JSONValue.largestExactInteger)

    /// An empty set of options: every setting from the scene.
    public init() {}

    /// Parses a `fieldfit fit` command line (without the program name), for callers that hold arguments
    /// rather than a parsed command (tests, scripts).
    public static func parse(_ arguments: [String]) throws(FieldError) -> Options {
        do {
            return try FitCommand.parse(arguments).options
        } catch let error as FieldError {
            throw error
        } catch {
            throw FieldError(location: "", FieldfitCommand.oneLine(for: error, as: FitCommand.self))
        }
    }

    /// Applies the overrides to a scene's settings.
    public func apply(to scene: inout Scene) {
        if seconds != nil || steps != nil {
            scene.training.seconds = seconds ?? 0
            scene.training.steps = steps ?? 0
        }
        if let seed { scene.training.seed = seed }
        if let threads { scene.training.threads = threads }
        if let outputFolder { scene.outputFolder = outputFolder }
    }
}
