import FieldIO
import Foundation
import Testing
@testable import App

/// The fieldfit executable built next to the test bundle (the batch's child processes run it).
private let fieldfitExecutable: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = (exe as NSString).deletingLastPathComponent
    // On Linux the test runner is `<build>/fieldfitPackageTests.xctest`; elsewhere it may sit inside a bundle.
    while !folder.isEmpty && folder != "/" && !FileManager.default.isExecutableFile(atPath: folder + "/fieldfit") {
        folder = (folder as NSString).deletingLastPathComponent
    }
    return folder + "/fieldfit"
}()

/// A tiny image scene: 32×32 procedural, a few steps.
private func tinyImageScene(_ procedural: String = "blobs") -> String {
    sceneText(procedural: procedural, size: 32, training: "\"steps\": 8, \"batch_size\": 1024, \"eval_every_steps\": 4")
}

/// A tiny SDF template: a small grid, a few steps, one small render and a coarse mesh.
private let tinySDFTemplate = """
{
  "task": "sdf",
  "data": {"shape": "sphere"},
  "encoding": {"otype": "HashGrid", "n_levels": 4, "n_features_per_level": 2, "log2_hashmap_size": 12, "base_resolution": 8},
  "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 16, "n_hidden_layers": 1},
  "training": {"steps": 6, "batch_size": 1024, "eval_every_steps": 3},
  "render": {"orbit": 1, "width": 16, "height": 16},
  "mesh_export": {"resolution": 16}
}
"""

/// An axis-aligned box as OBJ text (12 triangles), `size` across.
private func boxOBJ(size: Double) -> String {
    let h = size / 2
    var text = ""
    for i in 0..<8 { text += "v \(i & 1 == 0 ? -h : h) \(i & 2 == 0 ? -h : h) \(i & 4 == 0 ? -h : h)\n" }
    let faces = [[1, 3, 4, 2], [5, 6, 8, 7], [1, 2, 6, 5], [3, 7, 8, 4], [1, 5, 7, 3], [2, 4, 8, 6]]
    for f in faces { text += "f \(f[0]) \(f[1]) \(f[2])\nf \(f[0]) \(f[2]) \(f[3])\n" }
    return text
}

/// `fieldfit batch` with the child executable, in-process; the exit status and error lines.
private func runBatch(_ arguments: [String]) -> (status: Int32, stderr: String) {
    runFieldfit(["batch"] + arguments + ["--executable", fieldfitExecutable])
}

/// The summary.json of a batch output folder.
private func summaryFields(_ out: String) throws -> [JSONValue] {
    guard case .array(let fields)? = try JSONParser.parse(file: out + "/summary.json")["fields"] else { return [] }
    return fields
}

private func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { return s }; return nil }

/// `fieldfit batch`: many fields as child processes, the output layout contract, the summary, resuming a batch,
/// failures, Slurm scripts and bad input.
@Suite(.serialized) struct BatchTests {
    @Test func sceneFolderFollowsTheLayoutAndARerunSkipsFinishedFields() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/in", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input + "/a/b", withIntermediateDirectories: true)
        writeFile(input, "a/one.json", tinyImageScene("blobs"))
        writeFile(input, "a/b/two.json", tinyImageScene("rings"))
        writeFile(input, "three.json", tinyImageScene("blobs"))
        let r = runBatch([input, "--out", out, "--jobs", "2", "--threads", "1", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        for run in ["a/one", "a/b/two", "three"] {
            #expect(number(try finalMetrics(out + "/" + run)["step"]) == 8, "\(run)")
            #expect(FileManager.default.fileExists(atPath: out + "/\(run)/config.json"))
        }
        #expect(FileManager.default.fileExists(atPath: out + "/summary.md"))
        let fields = try summaryFields(out)
        #expect(fields.map { string($0["name"]) } == ["a/b/two", "a/one", "three"])
        #expect(fields.allSatisfy { string($0["status"]) == "done" && string($0["score"]?["name"]) == "psnr" })
        #expect(fields.allSatisfy { number($0["score"]?["value"]) > 10 && number($0["training_seconds"]) > 0 })
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        #expect(summary.contains("| a/one | done | psnr "))
        #expect(summary.contains("3 fields: 3 done"))

        let before = try FileManager.default.attributesOfItem(atPath: out + "/a/one/metrics.json")[.modificationDate] as? Date
        let again = runBatch([input, "--out", out, "--jobs", "2", "--threads", "1", "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        let after = try FileManager.default.attributesOfItem(atPath: out + "/a/one/metrics.json")[.modificationDate] as? Date
        #expect(before == after, "a finished field was fitted again")
        #expect(try summaryFields(out).allSatisfy { $0["earlier"] == .bool(true) })
    }

    @Test func meshesAreFittedWithTheTemplateIntoTheContractLayout() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/meshes", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input + "/box", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: input + "/cube", withIntermediateDirectories: true)
        writeFile(input, "box/box-003.obj", boxOBJ(size: 1))
        writeFile(input, "cube/cube-001.obj", boxOBJ(size: 2))
        writeFile(input, "notes.txt", "not a mesh")
        let template = writeFile(dir, "template.json", tinySDFTemplate)
        let r = runBatch([input, "--template", template, "--out", out, "--jobs", "2", "--threads", "1", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        for (run, mesh) in [("box/box-003", "box/box-003.obj"), ("cube/cube-001", "cube/cube-001.obj")] {
            let config = try JSONParser.parse(file: out + "/\(run)/config.json")
            #expect(string(config["data"]?["mesh"]) == input + "/" + mesh)
            #expect(string(config["name"]) == (run as NSString).lastPathComponent)
            #expect(number(try finalMetrics(out + "/" + run)["step"]) == 6)
        }
        #expect(try summaryFields(out).map { string($0["score"]?["name"]) } == ["iou", "iou"])
    }

    @Test func imagesAreFittedWithAnImageTemplate() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/photos", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input + "/set", withIntermediateDirectories: true)
        for (name, tilt) in [("set/left.png", 0.2), ("right.png", 0.8)] {
            let pixels = (0..<(16 * 16 * 3)).map { i in Float((Double(i % 48) / 48 + tilt).truncatingRemainder(dividingBy: 1)) }
            try Image(width: 16, height: 16, channels: 3, pixels: pixels).writePNG(to: input + "/" + name)
        }
        let template = writeFile(dir, "image.json", tinyImageScene())
        let r = runBatch([input, "--template", template, "--out", out, "--jobs", "1", "--threads", "2", "--steps", "5", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(string(try JSONParser.parse(file: out + "/set/left/config.json")["data"]?["image"]) == input + "/set/left.png")
        #expect(number(try finalMetrics(out + "/right")["step"]) == 5)
        #expect(FileManager.default.fileExists(atPath: out + "/set/left/reconstruction.png"))
    }

    @Test func anInterruptedFieldIsResumedFromItsCheckpointOrStartedAgain() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let scene = writeFile(input, "field.json", tinyImageScene())
        for resume in [true, false] {
            // An interrupted run: a checkpoint at step 4 with seed 7, no metrics.json.
            let out = dir + "/out-\(resume)"
            #expect(runFieldfit([scene, "--out", out + "/field", "--steps", "4", "--seed", "7", "--quiet"]).status == 0)
            try FileManager.default.removeItem(atPath: out + "/field/metrics.json")
            let r = runBatch([input, "--out", out, "--steps", "8", "--threads", "1", "--quiet"] + (resume ? ["--resume"] : []))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(number(try finalMetrics(out + "/field")["step"]) == 8)
            // Resumed: the run's own settings (seed 7) go on; started again: the scene's (seed 1337).
            let seed = number(try JSONParser.parse(file: out + "/field/config.json")["training"]?["seed"])
            #expect(seed == (resume ? 7 : 1337), "resume \(resume)")
        }
    }

    @Test func aFailingFieldIsReportedAndTheOthersFinish() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/in", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        writeFile(input, "good.json", tinyImageScene())
        writeFile(input, "bad.json", #"{"task": "image", "data": {"procedural": "nope"}}"#)
        let r = runBatch([input, "--out", out, "--jobs", "2", "--threads", "1", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("1 of 2 fields not done: bad (failed)"), "\(r.stderr)")
        let fields = try summaryFields(out)
        #expect(string(fields[1]["status"]) == "done")
        #expect(string(fields[0]["status"]) == "failed")
        #expect(string(fields[0]["error"])?.contains("bad.json: data.procedural") == true, "\(fields[0])")
    }

    @Test func slurmScriptRunsOneFieldPerArrayTaskAndCollectGathersThem() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let input = dir + "/in", out = dir + "/out"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for name in ["x", "y", "z"] { writeFile(input, "\(name).json", tinyImageScene()) }
        let r = runBatch([input, "--out", out, "--slurm", "--threads", "2", "--jobs", "2", "--partition", "debug",
                          "--time", "10", "--steps", "4"])
        #expect(r.status == 0, "\(r.stderr)")
        let script = try String(contentsOfFile: out + "/slurm/fieldfit-batch.sbatch", encoding: .utf8)
        #expect(script.hasPrefix("#!/bin/bash\n"))
        for line in ["#SBATCH --array=0-2%2", "#SBATCH --cpus-per-task=2", "#SBATCH --partition=debug", "#SBATCH --time=10",
                     "#SBATCH --output=\(out)/slurm/logs/task-%a.out"] {
            #expect(script.contains(line + "\n"), "missing \(line)")
        }
        #expect(script.contains("exec \(fieldfitExecutable) batch \(input) --out \(out) --steps 4 --threads 2 --quiet --index \"$SLURM_ARRAY_TASK_ID\"\n"), "\(script)")
        let manifest = try BatchManifest.read(from: out)
        #expect(manifest.map(\.name) == ["x", "y", "z"])
        #expect(!FileManager.default.fileExists(atPath: out + "/y"), "--slurm fitted a field here")

        // What array task 1 runs; then --collect sees one field done and two missing.
        let task = runFieldfit(["batch", input, "--out", out, "--steps", "4", "--threads", "2", "--quiet", "--index", "1"])
        #expect(task.status == 0, "\(task.stderr)")
        #expect(number(try finalMetrics(out + "/y")["step"]) == 4)
        let collected = runFieldfit(["batch", "--collect", out])
        #expect(collected.status == 1)
        #expect(collected.stderr == "fieldfit: \(out): 2 of 3 fields not done: x (missing), z (missing)\n")
        #expect(try summaryFields(out).map { string($0["status"]) } == ["missing", "done", "missing"])
    }

    @Test func badInputIsOneLine() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        writeFile(data, "mesh.obj", boxOBJ(size: 1))
        let nerf = writeFile(dir, "nerf.json", #"{"task": "nerf", "data": {"procedural": "shapes"}}"#)
        let cases: [([String], String)] = [
            ([dir + "/nowhere", "--out", dir + "/o"], "fieldfit: \(dir)/nowhere: no such folder"),
            ([data], "fieldfit: --out: missing: say where the run folders go (see fieldfit --help)"),
            ([data, "--out", dir + "/o"], "fieldfit: \(data): holds 1 data file but no scene files; give --template scene.json to fit them with"),
            ([data, "--out", dir + "/o", "--template", nerf], "fieldfit: \(nerf): task: a batch template must fit one data file (image: data.image, sdf: data.mesh), got nerf"),
            ([data, "--out", dir + "/o", "--submit"], "fieldfit: --submit: only with --slurm (see fieldfit --help)"),
            (["--collect", dir], "fieldfit: \(dir): is not a batch output folder (no batch/manifest.tsv); run fieldfit batch INPUTS --out \(dir) first"),
        ]
        for (arguments, expected) in cases {
            let r = runFieldfit(["batch"] + arguments)
            #expect(r.status != 0)
            #expect(r.stderr == expected + "\n", "\(arguments)")
        }
    }
}
