import FieldIO
import Foundation
import Testing
@testable import App

/// The mixture of hash experts through the scene file in every task, and the procedural city NeRF end to end.
@Suite(.serialized) struct HashExpertsSceneTests {
    static let experts2D = #"{"otype": "HashExperts", "n_experts": 4, "n_levels": 4, "log2_hashmap_size": 12, "base_resolution": [4, 8], "finest_resolution": [32, 64], "n_output_dims": 8}"#
    static let experts3D = #"{"otype": "HashExperts", "n_experts": 4, "n_levels": 4, "log2_hashmap_size": 12, "base_resolution": 8, "finest_resolution": [32, 96], "n_output_dims": 8}"#

    /// A tiny city NeRF: 8 views of 32×24, a few steps, the mixture's load in metrics.json.
    static func cityScene(encoding: String = experts3D, steps: Int = 4, data: String = "") -> String {
        """
        {
          "task": "nerf",
          "data": {"procedural": "city", "views": 8, "width": 32, "height": 24, "test_every": 4, "seed": 2\(data)},
          "encoding": \(encoding),
          "nerf": {"grid_resolution": 32, "steps_per_diagonal": 256},
          "training": {"steps": \(steps), "batch_size": 8192, "eval_every_steps": 100, "seed": 3},
          "render": {"orbit": 0}
        }
        """
    }

    @Test func tinyCityFitWritesTheLoadBalance() throws {
        let dir = temporaryFolder()
        let out = dir + "/run"
        let r = runFieldfit([writeFile(dir, "city.json", HashExpertsSceneTests.cityScene()), "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let final = try finalMetrics(out)
        #expect(number(final["step"]) == 4)
        #expect(number(final["test_psnr"]).isFinite)
        let load = try #require(final["expert_load"])
        #expect(number(load["experts"]) == 4 && number(load["steps"]) == 4)
        guard case .array(let shares)? = load["assigned"] else { Issue.record("no assigned shares: \(load)"); return }
        let total = shares.map { number($0) }.reduce(0, +)
        #expect(shares.count == 4 && abs(total - 1) < 1e-6, "\(shares)")
        #expect(number(load["dropped"]) >= 0 && number(load["balance_loss"]) >= 1 - 1e-6)
        #expect(FileManager.default.fileExists(atPath: out + "/test/view_000.png"))
        removeTemporaryFolder(dir)
    }

    @Test func imageAndSDFTasksTrainAMixture() throws {
        let dir = temporaryFolder()
        let image = writeFile(dir, "image.json", sceneText(encoding: HashExpertsSceneTests.experts2D,
                                                           training: "\"steps\": 150, \"batch_size\": 4096, \"eval_every_steps\": 50"))
        let r = runFieldfit([image, "--out", dir + "/image", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let imageFinal = try finalMetrics(dir + "/image")
        #expect(number(imageFinal["psnr"]) > 18, "\(imageFinal)")
        let sdf = sdfSceneText(training: "\"steps\": 150, \"batch_size\": 8192, \"eval_every_steps\": 50").replacingOccurrences(
            of: #"{"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 15, "base_resolution": 8,"# + "\n"
                + #"               "per_level_scale": 1.6}"#, with: HashExpertsSceneTests.experts3D)
        #expect(sdf.contains("HashExperts"))
        let s = runFieldfit([writeFile(dir, "sdf.json", sdf), "--out", dir + "/sdf", "--quiet", "--threads", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        let sdfFinal = try finalMetrics(dir + "/sdf")
        #expect(number(sdfFinal["iou"]) > 0.5, "\(sdfFinal)")
        removeTemporaryFolder(dir)
    }

    @Test func badCityAndMixtureKeysGiveOneClearLine() {
        let dir = temporaryFolder()
        let cases: [(text: String, says: [String])] = [
            (HashExpertsSceneTests.cityScene().replacingOccurrences(of: #""city""#, with: #""town""#),
             ["data.procedural", "expected shapes or city"]),
            (HashExpertsSceneTests.cityScene(data: #", "seed": -1"#).replacingOccurrences(of: #""seed": 2, "seed": -1"#, with: #""seed": -1"#),
             ["data.seed"]),
            (HashExpertsSceneTests.cityScene(data: #", "blockz": 3"#), ["data.blockz", "unknown key"]),
            (HashExpertsSceneTests.cityScene(encoding: #"{"otype": "HashExperts", "capacity_factor": 0}"#), ["encoding.capacity_factor"]),
            (HashExpertsSceneTests.cityScene(encoding: #"{"otype": "HashExperts", "n_experts": 2, "gate_encoding": {"n_levels": 0}}"#),
             ["encoding.gate_encoding.n_levels"]),
        ]
        for (k, c) in cases.enumerated() {
            let r = runFieldfit([writeFile(dir, "bad\(k).json", c.text), "--out", dir + "/run\(k)", "--quiet"])
            #expect(r.status != 0, "case \(k) should fail")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "case \(k): \(r.stderr)")
            for word in c.says + ["bad\(k).json"] { #expect(r.stderr.contains(word), "case \(k): \(r.stderr)") }
        }
        removeTemporaryFolder(dir)
    }
}
