import FieldIO
import Foundation
@testable import App
import Testing
import TestSupport

/// A fresh temporary folder for one test (removed at the end of the test process at the latest).
func temporaryFolder(_ name: String = #function) -> String { TemporaryFolders.make(name) }

/// Removes a folder `temporaryFolder` gave, when the test is done with it.
func removeTemporaryFolder(_ path: String) { TemporaryFolders.remove(path) }

/// Writes `text` to `name` inside `folder` and returns the path.
@discardableResult
func writeFile(_ folder: String, _ name: String, _ text: String) -> String {
    let path = (folder as NSString).appendingPathComponent(name)
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

/// A small procedural image scene (JSON text) with the given extra top-level members and training settings.
func sceneText(procedural: String = "blobs", size: Int = 64, encoding: String? = nil, network: String? = nil,
               optimizer: String? = nil, training: String = "\"steps\": 40, \"batch_size\": 4096, \"eval_every_steps\": 10",
               extra: String = "") -> String {
    let enc = encoding ?? #"{"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8}"#
    let net = network ?? #"{"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "Sigmoid", "n_neurons": 32, "n_hidden_layers": 2}"#
    let opt = optimizer ?? #"{"otype": "Adam", "learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-15}"#
    return """
    {
      "task": "image",
      "data": {"procedural": "\(procedural)", "width": \(size), "height": \(size)},
      "encoding": \(enc),
      "network": \(net),
      "loss": {"otype": "L2"},
      "optimizer": \(opt),
      "training": {\(training)}\(extra)
    }
    """
}

/// Runs `fieldfit` in-process on `arguments`; returns the exit status and the error lines it reported.
func runFieldfit(_ arguments: [String]) -> (status: Int32, stderr: String) {
    var lines: [String] = []
    let status = Fieldfit.run(arguments) { lines.append($0) }
    return (status, lines.map { $0 + "\n" }.joined())
}

/// The `final` object of a run folder's metrics.json.
func finalMetrics(_ folder: String) throws -> JSONValue {
    let json = try JSONParser.parse(file: (folder as NSString).appendingPathComponent("metrics.json"))
    return json["final"] ?? .null
}

/// A number from a JSON value, or NaN.
func number(_ v: JSONValue?) -> Double {
    if case .number(let d, _)? = v { return d }
    return .nan
}


/// Fits `scene` straight into `dir/straight`, and in two parts (`splitSteps`, then `--resume` to `totalSteps`)
/// into `dir/split`; expects every run to succeed and each of `files` in the two checkpoints to be identical.
func expectResumeIsBitIdentical(scene: String, dir: String, splitSteps: Int, totalSteps: Int,
                                files: [String] = ["parameters.safetensors", "optimizer.safetensors"]) throws {
    #expect(runFieldfit([scene, "--out", dir + "/straight", "--quiet", "--threads", "2"]).status == 0)
    #expect(runFieldfit([scene, "--out", dir + "/split", "--quiet", "--threads", "2", "--steps", "\(splitSteps)"]).status == 0)
    let r = runFieldfit(["--resume", dir + "/split", "--steps", "\(totalSteps)", "--quiet", "--threads", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    for file in files {
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/straight/checkpoint/" + file))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/split/checkpoint/" + file))
        #expect(a == b, "\(file) differs after resume")
    }
}
