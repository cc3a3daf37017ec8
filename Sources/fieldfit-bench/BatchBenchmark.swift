import App
import FieldIO
import Foundation

/// The small set of fields the batch figures are measured on: `count` procedural image fields (256², the
/// image task's default model, a fixed number of steps each), written as scene files into `folder`.
func writeBatchBenchScenes(into folder: String, count: Int, steps: Int) {
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for i in 0..<count {
        let text = """
        {"task": "image", "data": {"procedural": "\(i % 2 == 0 ? "rings" : "blobs")", "width": 256, "height": 256},
         "training": {"steps": \(steps), "batch_size": 16384, "eval_every_steps": \(steps), "seed": \(i + 1)}}
        """
        _ = FileManager.default.createFile(atPath: folder + "/field-\(i).json", contents: Data(text.utf8))
    }
}

/// Fields per hour of `fieldfit batch` on this machine for the same small set of fields, fitted 1 at a time × 2
/// threads and 2 at a time × 1 thread (and, with `slurmPartition`, as a Slurm job array on the local cluster, e.g.
/// the one `tools/slurm-check --bench` brings up), each read from the batch's summary.json.
func batchBenchmark(fieldfit: String, slurmPartition: String?, fields: Int = 6, steps: Int = 150) -> [BenchFigure] {
    let root = NSTemporaryDirectory() + "fieldfit-bench-batch-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    writeBatchBenchScenes(into: root + "/in", count: fields, steps: steps)
    var figures: [BenchFigure] = []
    for (jobs, threads) in [(1, 2), (2, 1)] {
        let out = root + "/out-\(jobs)x\(threads)"
        let status = runTool(fieldfit, ["batch", root + "/in", "--out", out, "--jobs", "\(jobs)", "--threads", "\(threads)", "--quiet"])
        let rate = status == 0 ? batchFieldsPerHour(out) : nil
        if rate == nil { print("bench: the batch \(jobs) × \(threads) failed (exit \(status))") }
        figures.append(BenchFigure(name: "batch: \(fields) image fields (256², \(steps) steps), \(jobs) at a time × \(threads) thread\(threads == 1 ? "" : "s")",
                                   value: rate ?? .nan, unit: "fields/h", target: "report", met: nil))
    }
    if let partition = slurmPartition {
        let out = root + "/out-slurm"
        var rate: Double?
        let status = runTool(fieldfit, ["batch", root + "/in", "--out", out, "--slurm", "--submit", "--threads", "1", "--partition", partition])
        if status == 0 {
            let deadline = Date().addingTimeInterval(600)
            // Until every field has its metrics.json or its error file.
            while Date() < deadline, let manifest = try? BatchManifest.read(from: out), !manifest.allSatisfy({
                FileManager.default.fileExists(atPath: $0.runFolder(in: out) + "/metrics.json")
                    || FileManager.default.fileExists(atPath: out + "/batch/errors/\($0.name).txt")
            }) {
                Thread.sleep(forTimeInterval: 1)
            }
            Thread.sleep(forTimeInterval: 1)
            if runTool(fieldfit, ["batch", "--collect", out]) == 0 { rate = batchFieldsPerHour(out) }
        }
        if rate == nil { print("bench: the Slurm batch failed (is a cluster with partition \(partition) up? tools/slurm-check --bench)") }
        figures.append(BenchFigure(name: "batch: the same fields as a Slurm job array (local single-node Slurm, 1 thread a task)",
                                   value: rate ?? .nan, unit: "fields/h", target: "report", met: nil))
    }
    return figures
}

/// `totals.fields_per_hour` of a batch's summary.json.
private func batchFieldsPerHour(_ out: String) -> Double? {
    number((try? JSONParser.parse(file: out + "/summary.json"))?["totals"]?["fields_per_hour"])
}

/// Runs `tool` with `arguments` (output discarded); its exit status (-1 when it cannot start).
private func runTool(_ tool: String, _ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}
