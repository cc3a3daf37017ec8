import FieldIO
import Foundation
import Geometry
import Testing
@testable import App

/// `fieldfit shapes` and `fieldfit classify` end to end: procedural shapes, tiny tri-plane fits in the
/// `OUT/<family>/<stem>/` layout, the classifier and the point-cloud baseline, and their bad input.
@Suite(.serialized) struct ClassifyTests {
    /// A tri-plane SDF scene on `mesh` like scenes/triplane-shape.json, shortened to `steps` steps.
    static func triPlaneScene(mesh: String, steps: Int) -> String {
        """
        {
          "task": "sdf",
          "data": {"mesh": "\(mesh)"},
          "encoding": {"otype": "TriPlane", "n_features": 16, "resolution": 32, "n_levels": 1, "reduction": "Sum"},
          "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 32, "n_hidden_layers": 2},
          "loss": {"otype": "L2"},
          "optimizer": {"otype": "Adam", "learning_rate": 5e-3, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15},
          "training": {"steps": \(steps), "batch_size": 2048, "seed": 3, "eval_every_steps": 0},
          "render": {"orbit": 0},
          "mesh_export": {"enabled": false}
        }
        """
    }

    /// Writes shapes of `families` and fits each one into `runs/<family>/<stem>/` (a plain loop, the layout
    /// `fieldfit batch` writes).
    static func fitShapes(_ dir: String, families: [ShapeFamily], perFamily: Int, steps: Int) throws -> (meshes: String, runs: String) {
        let meshes = dir + "/shapes", runs = dir + "/runs"
        try ShapeSetWriter.write(to: meshes, perFamily: perFamily, seed: 5, families: families)
        for family in families {
            for i in 0..<perFamily {
                let stem = String(format: "%@-%03d", family.rawValue, i)
                let scene = writeFile(dir, "\(stem).json", triPlaneScene(mesh: "\(meshes)/\(family.rawValue)/\(stem).obj", steps: steps))
                let r = runFieldfit([scene, "--out", "\(runs)/\(family.rawValue)/\(stem)", "--quiet", "--threads", "2"])
                #expect(r.status == 0, "\(r.stderr)")
            }
        }
        return (meshes, runs)
    }

    @Test func shapesCommandWritesFamiliesAndSaysTheyAreSynthetic() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let r = runFieldfit(["shapes", "--out", dir + "/s", "--per-family", "2", "--seed", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        for family in ShapeFamily.allCases {
            for i in 0..<2 {
                let mesh = try TriangleMesh.read(String(format: "%@/s/%@/%@-%03d.obj", dir, family.rawValue, family.rawValue, i))
                #expect(mesh.triangles.count == family.make(seed: 4, index: i).triangles.count)
            }
        }
        let readme = try String(contentsOfFile: dir + "/s/README.txt", encoding: .utf8)
        #expect(readme.contains("Synthetic"))
        let manifest = try JSONParser.parse(file: dir + "/s/shapes.json")
        #expect(manifest["synthetic"] == .bool(true))
        guard case .object(let families)? = manifest["families"] else { Issue.record("no families"); return }
        #expect(families.count == ShapeFamily.allCases.count)
    }

    /// Fitted tri-planes of three families, classified: well above chance (1/3) on the held-out shapes, and the
    /// point-cloud baseline on the same meshes and split. Fixed seeds and step counts.
    @Test func classifiesFittedTriPlanesAboveChance() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let (meshes, runs) = try ClassifyTests.fitShapes(dir, families: [.ellipsoid, .torus, .chair], perFamily: 5, steps: 40)
        let out = dir + "/classify"
        let r = runFieldfit(["classify", runs, "--epochs", "40", "--test-fraction", "0.4", "--seed", "2", "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONParser.parse(file: out + "/classify.json")
        #expect(number(report["test_count"]) == 6 && number(report["train_count"]) == 9)
        #expect(number(report["test_accuracy"]) >= 5.0 / 6, "\(number(report["test_accuracy"]))")
        #expect(report["families"] == .array([.string("chair"), .string("ellipsoid"), .string("torus")]))
        let png = try PNGCodec.decode(try FileAccess.readBytes(out + "/confusion.png"), file: "confusion.png")
        #expect(png.width > 3 * 24 && png.height > 3 * 24)

        let baseline = dir + "/pointnet"
        let b = runFieldfit(["classify", "--baseline", "pointcloud", meshes, "--points", "256", "--epochs", "100",
                             "--test-fraction", "0.4", "--seed", "2", "--out", baseline, "--quiet", "--threads", "2"])
        #expect(b.status == 0, "\(b.stderr)")
        let pointReport = try JSONParser.parse(file: baseline + "/classify.json")
        #expect(number(pointReport["test_count"]) == 6)
        #expect(number(pointReport["test_accuracy"]) >= 4.0 / 6, "\(number(pointReport["test_accuracy"]))")
        // The same held-out items: the split depends only on the family names, the stems and the seed.
        let runSplit = try LabelledSet.runs(in: runs).split(testFraction: 0.4, seed: 2).test.map(\.stem)
        let meshSplit = try LabelledSet.meshes(in: meshes).split(testFraction: 0.4, seed: 2).test.map(\.stem)
        #expect(runSplit == meshSplit)
    }

    @Test func badInputIsOneLine() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        // A hash-grid run is refused by name.
        for family in ["a", "b"] {
            for stem in ["x", "y"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/hash/\(family)/\(stem)", withIntermediateDirectories: true)
                writeFile("\(dir)/hash/\(family)/\(stem)", "config.json", #"{"task": "sdf", "encoding": {"otype": "HashGrid"}}"#)
            }
        }
        let cases: [([String], String)] = [
            (["classify", dir + "/hash"], "classify reads tri-plane runs only"),
            (["classify", dir + "/missing"], "expected a folder of run folders"),
            (["classify", dir + "/hash/a"], "no run folders"),
            (["classify", dir + "/hash", "--test-fraction", "1.5"], "--test-fraction"),
            (["classify", "--baseline", "pointcloud", dir + "/hash"], "no meshes"),
            (["shapes", "--out", dir + "/s", "--per-family", "0"], "--per-family"),
        ]
        for (arguments, expected) in cases {
            let r = runFieldfit(arguments)
            #expect(r.status != 0, "\(arguments)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(expected), "\(arguments): \(r.stderr)")
        }
    }
}
