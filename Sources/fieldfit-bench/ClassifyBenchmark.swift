import FieldIO
import Foundation

/// The `classify` group (issue 22): writes the procedural shape set (`fieldfit shapes`, `perFamily` per family),
/// fits every shape with the tri-plane template one at a time into `OUT/<family>/<stem>/`, classifies the fits
/// (`fieldfit classify`, per-channel MLP and transformer) and runs the point-cloud baseline on the same meshes and split. Reports fit throughput,
/// both held-out accuracies and the classification times.
func classifyBenchmark(fieldfit: String, template: String, threads: Int, perFamily: Int) -> [BenchFigure] {
    let root = NSTemporaryDirectory() + "fieldfit-bench-classify-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: fieldfit)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        do { try process.run(); process.waitUntilExit() } catch { return false }
        return process.terminationStatus == 0
    }
    guard run(["shapes", "--out", root + "/shapes", "--per-family", "\(perFamily)", "--seed", "1"]),
          case .object(let members)? = try? JSONParser.parse(file: template),
          case .object(let families)? = try? JSONParser.parse(file: root + "/shapes/shapes.json")["families"] else {
        print("bench: classify: cannot write the shapes or read \(template)")
        return []
    }
    // One scene per mesh: the template with its data replaced.
    var fits = 0
    let t0 = Date()
    for (family, entry) in families {
        guard case .array(let files)? = entry["files"] else { continue }
        for case .string(let file) in files {
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let scene = JSONValue.object(members.map { $0.key == "data" ? ("data", .object([("mesh", .string(root + "/shapes/" + file))])) : $0 })
            let scenePath = root + "/scene.json"
            try? FileAccess.writeAtomically(JSONWriter.string(scene), to: scenePath)
            if run([scenePath, "--out", "\(root)/runs/\(family)/\(stem)", "--quiet", "--threads", "\(threads)"]) { fits += 1 }
        }
    }
    let fitSeconds = Date().timeIntervalSince(t0)
    var figures = [BenchFigure(name: "classify: tri-plane fits (\(fits) shapes, 1 at a time)", value: Double(fits) / fitSeconds * 3600,
                               unit: "fields/h", target: "", met: nil)]
    for (label, arguments) in [("tri-planes, per-channel MLP", ["classify", root + "/runs", "--out", root + "/c-mlp"]),
                               ("tri-planes, transformer", ["classify", root + "/runs", "--model", "transformer", "--out", root + "/c-tr"]),
                               ("point-cloud baseline (PointNet, 512 pts)", ["classify", "--baseline", "pointcloud", root + "/shapes", "--out", root + "/c-pn"])] {
        let out = arguments[arguments.count - 1]
        let t = Date()
        guard run(arguments + ["--threads", "\(threads)", "--quiet"]), let report = try? JSONParser.parse(file: out + "/classify.json"),
              let accuracy = number(report["test_accuracy"]) else {
            print("bench: classify: \(label) failed")
            continue
        }
        figures.append(BenchFigure(name: "classify: \(label), held-out accuracy (\(Int(number(report["test_count"]) ?? 0)) shapes)",
                                   value: 100 * accuracy, unit: "%", target: "", met: nil))
        figures.append(BenchFigure(name: "classify: \(label), time (read + train + test)", value: Date().timeIntervalSince(t),
                                   unit: "s", target: "", met: nil))
    }
    return figures
}
