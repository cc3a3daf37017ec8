import FieldIO
import Foundation
import ModelLibrary
import Testing
@testable import App

/// Every representation of docs/representations.md has a scene per task in scenes/representations/, and every
/// scene there reads and builds its model with the representation its name promises.
struct RepresentationSceneTests {
    /// The folder of the representation scenes, found from this file's path.
    static var folder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenes/representations").path
    }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// The scene name stems and the otype (lower-cased) each must use somewhere in its model.
    static let stems: [(stem: String, otype: String)] = [
        ("frequency", "frequency"), ("hashgrid", "hashgrid"), ("densegrid", "densegrid"), ("triplane", "triplane"),
        ("rbf", "\"rbf\""), ("gaussian-rbf", "gaussianrbf"), ("cam-frequency", "cam"), ("cam-hashgrid", "cam"),
    ]

    @Test func everyRepresentationHasASceneForEveryTask() {
        let names = Set(RepresentationSceneTests.files)
        for data in ["astronaut", "bunny", "lego"] {
            for (stem, _) in RepresentationSceneTests.stems {
                #expect(names.contains("\(data)-\(stem).json"), "\(data)-\(stem).json missing")
            }
        }
    }

    @Test(arguments: RepresentationSceneTests.files)
    func sceneBuildsItsModel(_ file: String) throws {
        var scene = try Scene.load(RepresentationSceneTests.folder + "/" + file)
        let widths: (Int, Int) = scene.task == "image" ? (2, 3) : (3, 1)
        // Without the data, an `"n_kernels": "auto"` is resolved against a nominal finest resolution.
        try KernelBudget.resolve(&scene, inputWidth: widths.0, outputWidth: widths.1, finestResolution: 512)
        let trainer = try TaskFactory.makeTrainer(scene, inputWidth: widths.0, outputWidth: widths.1)
        #expect(trainer.model.parameterCount > 0)
        let text = try String(contentsOfFile: RepresentationSceneTests.folder + "/" + file, encoding: .utf8).lowercased()
        let stem = file.split(separator: "-", maxSplits: 1).last.map { String($0.dropLast(".json".count)) } ?? ""
        if let otype = RepresentationSceneTests.stems.first(where: { $0.stem == stem })?.otype {
            #expect(text.contains(otype), "\(file) does not use \(otype)")
        }
        if file.hasPrefix("lego-cam") { #expect((trainer.model as? NeRFNetwork)?.colorTrunk != nil, "\(file): no view modulation") }
    }
}
