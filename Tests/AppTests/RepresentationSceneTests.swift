import FieldIO
import Foundation
import ModelLibrary
import Testing
@testable import App

/// Every scene in scenes/representations/ (TriPlane, Composite, CAM × image, SDF, NeRF) reads and builds its model.
struct RepresentationSceneTests {
    /// The folder of the representation scenes, found from this file's path.
    static var folder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenes/representations").path
    }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func everyTaskHasTriPlaneAndCAMScenes() {
        let names = Set(RepresentationSceneTests.files)
        for file in ["astronaut-triplane.json", "astronaut-cam-frequency.json", "astronaut-cam-hashgrid.json", "bunny-triplane.json",
                     "bunny-cam-frequency.json", "bunny-cam-hashgrid.json", "lego-triplane.json", "lego-cam-hashgrid.json"] {
            #expect(names.contains(file), "\(file) missing")
        }
    }

    @Test(arguments: RepresentationSceneTests.files)
    func sceneBuildsItsModel(_ file: String) throws {
        let scene = try Scene.load(RepresentationSceneTests.folder + "/" + file)
        let widths: (Int, Int) = scene.task == .image ? (2, 3) : (3, 1)
        let trainer = try TaskFactory.makeTrainer(scene, inputWidth: widths.0, outputWidth: widths.1)
        #expect(trainer.model.parameterCount > 0)
        let json = "\(scene.encoding)".lowercased()
        #expect(json.contains("triplane") || json.contains("cam"), "\(file) uses neither TriPlane nor CAM")
        if file.hasPrefix("lego-cam") { #expect((trainer.model as? NeRFNetwork)?.colorTrunk != nil, "\(file): no view modulation") }
    }
}
