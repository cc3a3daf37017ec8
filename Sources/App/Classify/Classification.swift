import FieldIO
import Foundation
import TensorCore

/// `fieldfit classify`: reads a labelled set (fitted tri-plane runs, or meshes for the point-cloud baseline),
/// splits it by family, trains a `SetClassifier` on the training part and measures it on the held-out part.
enum Classification {
    /// What to classify from.
    enum Source {
        /// Tri-plane run folders `ROOT/<family>/<stem>/`: tokens are the 3·F plane channels.
        case triPlaneRuns
        /// Meshes `ROOT/<family>/<stem>.obj`: tokens are `points` surface points (PointNet).
        case pointClouds(points: Int)
    }

    /// Runs the whole classification of `root` and returns its report (not yet written).
    static func run(root: String, source: Source, testFraction: Double, settings: SetClassifier.Settings,
                    threads: Int, log: (String) -> Void) throws(FieldError) -> ClassificationReport {
        let start = Date()
        let set: LabelledSet
        switch source {
        case .triPlaneRuns: set = try LabelledSet.runs(in: root)
        case .pointClouds: set = try LabelledSet.meshes(in: root)
        }
        let (trainItems, testItems) = set.split(testFraction: testFraction, seed: settings.seed)
        guard !testItems.isEmpty, !trainItems.isEmpty else {
            throw FieldError(file: root, "too few items to split: each family needs at least 2")
        }
        var tokens = 0, tokenWidth = 0
        func load(_ items: [LabelledSet.Item]) throws(FieldError) -> [Float] {
            var rows: [Float] = []
            for item in items {
                switch source {
                case .triPlaneRuns:
                    let planes = try TriPlaneInput.read(run: item.path)
                    let texels = planes.resolution * planes.resolution
                    if tokens == 0 { tokens = planes.channels; tokenWidth = texels }
                    guard planes.channels == tokens, texels == tokenWidth else {
                        throw FieldError(file: item.path, "has \(planes.channels) channels of \(planes.resolution)², the first run has \(tokens) of \(tokenWidth) texels: fit every run from the same template")
                    }
                    rows += planes.values
                case .pointClouds(let points):
                    tokens = points
                    tokenWidth = 3
                    rows += try PointCloudInput.read(mesh: item.path, count: points, seed: settings.seed)
                }
            }
            return rows
        }
        let trainInputs = try load(trainItems), testInputs = try load(testItems)
        log("classify: \(set.families.count) families, \(trainItems.count) train / \(testItems.count) test items, \(tokens) tokens of \(tokenWidth)")
        let pool = WorkerPool(threads: threads)
        let classifier = SetClassifier(tokens: tokens, tokenWidth: tokenWidth, classes: set.families.count, settings: settings)
        let trainLabels = trainItems.map(set.label(of:)), testLabels = testItems.map(set.label(of:))
        let curve = classifier.train(inputs: trainInputs, labels: trainLabels, pool: pool) { epoch, loss in
            if epoch % 10 == 0 || epoch == settings.epochs { log("epoch \(epoch): loss \(String(format: "%.4f", loss))") }
        }
        let trainPredicted = classifier.predict(inputs: trainInputs, pool: pool)
        let testPredicted = classifier.predict(inputs: testInputs, pool: pool)
        let trainCorrect = zip(trainPredicted, trainLabels).filter { $0 == $1 }.count
        let model: String
        switch source {
        case .triPlaneRuns: model = "triplane-\(settings.architecture.rawValue)"
        case .pointClouds(let points): model = "pointnet-\(points)" + (settings.architecture == .mlp ? "" : "-\(settings.architecture.rawValue)")
        }
        return ClassificationReport(
            input: root, model: model, families: set.families, trainCount: trainItems.count, testCount: testItems.count,
            epochs: settings.epochs, seed: settings.seed, testFraction: testFraction,
            trainAccuracy: Double(trainCorrect) / Double(trainItems.count),
            confusion: ClassificationReport.confusion(truth: testLabels, predicted: testPredicted, classes: set.families.count),
            lossCurve: curve, seconds: Date().timeIntervalSince(start), parameters: classifier.trainer.store.count)
    }
}
