import ArgumentParser
import FieldIO
import Foundation

/// `fieldfit classify RUNS_DIR`: trains a classifier on fitted tri-planes (labels: the family folders) and
/// reports its held-out accuracy; `--baseline pointcloud MESH_DIR` does the same from surface points (PointNet).
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify fitted tri-plane runs (or, with --baseline pointcloud, meshes) by their family folder.",
        discussion: """
        RUNS_DIR/<family>/<stem>/ are run folders fitted with a one-level TriPlane encoding (e.g. from \
        scenes/triplane-shape.json): their 3 planes become 3·F channels of R×R, L2-normalised across channels at \
        each texel, one token per channel; a shared per-channel MLP (--model mlp) or a transformer encoder without \
        positional encoding (--model transformer, the paper's main model), max-pooled over the tokens, learns the \
        family. With --baseline pointcloud the argument is a mesh folder (<family>/<stem>.obj) and PointNet \
        classifies --points surface samples (--model applies to its per-point part too). Both split each family the \
        same way (by --seed and --test-fraction). Writes OUT/classify.json and OUT/confusion.png.
        """)

    /// The classifier models on tri-planes.
    enum Model: String, ExpressibleByArgument, CaseIterable { case mlp, transformer }
    /// The baselines on meshes.
    enum Baseline: String, ExpressibleByArgument, CaseIterable { case pointcloud }

    @Argument(help: ArgumentHelp("Run folders <family>/<stem>/ (meshes <family>/<stem>.obj with --baseline pointcloud).", valueName: "runs-dir"))
    var input: String

    @Option(help: ArgumentHelp("Per-token part: mlp (a shared per-channel MLP) or transformer (2 encoder layers, 4 heads, no positional encoding); then max-pool over the tokens and an MLP head.", valueName: "model"))
    var model: Model = .mlp

    @Option(help: ArgumentHelp("pointcloud: PointNet on points sampled from the meshes in the argument folder.", valueName: "kind"))
    var baseline: Baseline?

    @Option(help: ArgumentHelp("Surface points per mesh for --baseline pointcloud, 16...16384.", valueName: "n"))
    var points = 512

    @Option(name: .customLong("test-fraction"), help: ArgumentHelp("Share of each family held out for testing, in (0, 1).", valueName: "f"))
    var testFraction = 0.2

    @Option(help: ArgumentHelp("Passes over the training set, 1...100000.", valueName: "n"))
    var epochs = 60

    @Option(help: ArgumentHelp("Seed of the split, the initialisation and the batch order.", valueName: "n"))
    var seed: UInt64 = 1

    @Option(name: .customLong("out"), help: ArgumentHelp("Output folder (default: <runs-dir>/classify-<model>).", valueName: "dir"))
    var output: String?

    @OptionGroup var worker: WorkerOptions

    func validate() throws {
        guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction: expected a number between 0 and 1, got \(testFraction)") }
        guard (1...100_000).contains(epochs) else { throw ValidationError("--epochs: expected an integer in 1...100000, got \(epochs)") }
        guard (16...16384).contains(points) else { throw ValidationError("--points: expected an integer in 16...16384, got \(points)") }
    }

    func run() throws {
        var settings = SetClassifier.Settings()
        settings.epochs = epochs
        settings.seed = seed
        settings.architecture = model == .transformer ? .transformer : .mlp
        let source: Classification.Source = baseline == nil ? .triPlaneRuns : .pointClouds(points: points)
        let quiet = worker.quiet
        let report = try Classification.run(root: input, source: source, testFraction: testFraction, settings: settings,
                                            threads: worker.threads ?? ProcessInfo.processInfo.activeProcessorCount) { line in
            if !quiet { print(line) }
        }
        let folder = output ?? (input as NSString).appendingPathComponent("classify-\(baseline == nil ? model.rawValue : "pointnet")")
        try report.write(to: folder)
        if !quiet {
            for (i, family) in report.families.enumerated() {
                let row = report.confusion[i], n = row.reduce(0, +)
                let wrong = row.indices.filter { $0 != i && row[$0] > 0 }.map { "\(report.families[$0]) \(row[$0])" }
                print("  \(family): \(row[i]) of \(n)" + (wrong.isEmpty ? "" : " (taken for " + wrong.joined(separator: ", ") + ")"))
            }
        }
        print(String(format: "fieldfit classify: %@ test accuracy %.1f%% (%d of %d; chance %.1f%%), train %.1f%%, %.1f s → %@",
                     report.model, 100 * report.testAccuracy, Int((report.testAccuracy * Double(report.testCount)).rounded()),
                     report.testCount, 100 / Double(report.families.count), 100 * report.trainAccuracy, report.seconds, folder))
    }
}
