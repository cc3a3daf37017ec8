import FieldIO
import Foundation
import Testing
@testable import App

/// Every bad input gives one clear line naming the file (and key), a non-zero exit, and no partial outputs.
@Suite(.serialized) struct BadInputTests {
    /// Runs a scene text and expects failure with all of `fragments` in the single error line.
    func expectFailure(_ text: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "bad.json", text)
        let r = runFieldfit([scene, "--out", dir + "/run", "--quiet"])
        #expect(r.status != 0, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(r.stderr)", sourceLocation: sourceLocation)
        for f in fragments { #expect(r.stderr.contains(f), "missing \"\(f)\" in: \(r.stderr)", sourceLocation: sourceLocation) }
    }

    @Test func missingSceneFile() {
        let r = runFieldfit(["/nonexistent/scene.json", "--quiet"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/nonexistent/scene.json") && r.stderr.contains("no such file"))
    }

    @Test func jsonSyntaxErrorNamesLine() {
        expectFailure("{\n  \"task\": \"image\",\n  \"data\": {\"procedural\": \"blobs\"\n  \"x\": 1\n}", ["bad.json", "line 4", "JSON syntax error"])
    }

    @Test func unknownOtype() {
        expectFailure(sceneText(encoding: #"{"otype": "HashGird"}"#), ["bad.json", "encoding.otype", "HashGird"])
    }

    @Test func wrongTypeForKey() {
        expectFailure(sceneText(encoding: #"{"otype": "HashGrid", "n_levels": "sixteen"}"#), ["bad.json", "encoding.n_levels", "integer"])
    }

    @Test func unknownKeyInModelAndTraining() {
        expectFailure(sceneText(network: #"{"otype": "MLP", "n_neurons": 16, "n_layers": 2}"#), ["bad.json", "network.n_layers", "unknown key"])
        expectFailure(sceneText(training: "\"steps\": 5, \"batchsize\": 5"), ["bad.json", "training.batchsize", "unknown key"])
        expectFailure(sceneText(extra: ", \"colour\": 1"), ["bad.json", "colour", "unknown key"])
    }

    @Test func negativeAndAbsurdSizes() {
        expectFailure(sceneText(encoding: #"{"otype": "HashGrid", "n_levels": -3}"#), ["bad.json", "encoding.n_levels"])
        expectFailure(sceneText(network: #"{"otype": "MLP", "n_neurons": 0}"#), ["bad.json", "network.n_neurons"])
        expectFailure(sceneText(training: "\"steps\": 5, \"batch_size\": -1"), ["bad.json", "training.batch_size"])
        expectFailure(sceneText(encoding: #"{"otype": "HashGrid", "n_levels": 16, "n_features_per_level": 8, "log2_hashmap_size": 30, "per_level_scale": 2}"#),
                      ["bad.json", "encoding", "GiB"])
    }

    @Test func badAutomaticKernelCounts() {
        let rbf = #"{"otype": "RBF", "n_channels": 16, "grid": {"otype": "HashGrid", "n_levels": 2, "log2_hashmap_size": 12, "base_resolution": 8}, "#
        expectFailure(sceneText(encoding: rbf + #""n_kernels": "many"}"#), ["bad.json", "encoding.n_kernels", "\"auto\"", "many"])
        // A reference smaller than the grid and network leaves no room for kernels.
        expectFailure(sceneText(encoding: rbf + #""n_kernels": "auto", "auto_reference": {"otype": "Frequency", "n_frequencies": 4}}"#),
                      ["bad.json", "encoding.n_kernels", "\"auto\" leaves room for 0 kernels", "make them smaller or give a number"])
        expectFailure(sceneText(encoding: rbf + #""n_kernels": "auto", "auto_reference": {"otype": "HashGrid", "n_levels": 0}}"#),
                      ["bad.json", "encoding.auto_reference.n_levels"])
        expectFailure(sceneText(encoding: rbf + #""n_kernels": "auto", "auto_reference": 19}"#), ["bad.json", "encoding.auto_reference", "encoding object"])
        expectFailure(sceneText(encoding: rbf + #""n_kernels": 40, "auto_reference": {"otype": "HashGrid"}}"#),
                      ["bad.json", "encoding.auto_reference", "only with"])
        expectFailure(sceneText(encoding: #"{"otype": "Composite", "nested": [{"otype": "RBF", "n_kernels": "auto"}]}"#),
                      ["bad.json", "n_kernels", "top-level encoding"])
    }

    @Test func missingImageAndNotAnImage() {
        let dir = temporaryFolder()
        writeFile(dir, "notes.png", "this is text, not a picture")
        let missing = sceneText().replacingOccurrences(of: #""procedural": "blobs", "width": 64, "height": 64"#, with: #""image": "nope.png""#)
        let scene1 = writeFile(dir, "a.json", missing)
        let r1 = runFieldfit([scene1, "--out", dir + "/r1", "--quiet"])
        #expect(r1.status != 0 && r1.stderr.contains("nope.png"))
        let notImage = sceneText().replacingOccurrences(of: #""procedural": "blobs", "width": 64, "height": 64"#, with: #""image": "notes.png""#)
        let scene2 = writeFile(dir, "b.json", notImage)
        let r2 = runFieldfit([scene2, "--out", dir + "/r2", "--quiet"])
        #expect(r2.status != 0 && r2.stderr.contains("notes.png"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/r2/metrics.json"))
    }

    @Test func unwritableOutputFolder() {
        let dir = temporaryFolder()
        writeFile(dir, "blocker", "a file where a folder should be")
        let scene = writeFile(dir, "s.json", sceneText())
        let r = runFieldfit([scene, "--out", dir + "/blocker/run", "--quiet"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("blocker/run"), "\(r.stderr)")
    }

    @Test func divergenceStopsAndNamesTheStep() {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", sceneText(
            network: #"{"otype": "MLP", "activation": "ReLU", "output_activation": "Exponential", "n_neurons": 16, "n_hidden_layers": 1}"#,
            optimizer: #"{"otype": "Adam", "learning_rate": 1e30}"#,
            training: "\"steps\": 50, \"batch_size\": 1024"))
        let r = runFieldfit([scene, "--out", dir + "/run", "--quiet"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("diverged") && r.stderr.contains("step"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/metrics.json"))
    }

    @Test func badCommandLine() {
        #expect(runFieldfit(["--steps", "many"]).stderr.contains("--steps"))
        #expect(runFieldfit(["--frobnicate"]).stderr.contains("Unknown option"))
        #expect(runFieldfit(["--resume", "/nonexistent-run"]).status != 0)
    }
}
