import FieldIO
import Foundation

/// The students `scenes/distill/lego-<size>-<stem>.json` of the distillation table.
let distillStudents: [(name: String, stem: String)] = [
    ("tri-plane", "triplane"), ("dense grid", "densegrid"), ("frequency MLP", "frequency"), ("RBF (NeuRBF)", "rbf"),
]

/// Runs the release `fieldfit` with `arguments` (plus --out, --quiet, --threads) into a temporary folder; returns
/// its metrics.json, or nil with a message when it fails.
func runFieldfitMetrics(fieldfit: String, arguments: [String], threads: Int, what: String) -> JSONValue? {
    let out = NSTemporaryDirectory() + "fieldfit-bench-\(what)-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: fieldfit)
    process.arguments = arguments + ["--out", out, "--quiet", "--threads", "\(threads)"]
    do { try process.run(); process.waitUntilExit() } catch { print("bench: cannot run \(fieldfit): \(error)"); return nil }
    guard process.terminationStatus == 0, let metrics = try? JSONParser.parse(file: out + "/metrics.json") else {
        print("bench: the \(what) run failed"); return nil
    }
    return metrics
}

/// The first training second at which an evaluation of `metrics` reached `psnr`, or nil.
func firstSeconds(reaching psnr: Double, in metrics: JSONValue) -> Double? {
    guard case .array(let evaluations)? = metrics["evaluations"] else { return nil }
    for e in evaluations { if let p = number(e["psnr"]), p >= psnr, let s = number(e["seconds"]) { return s } }
    return nil
}

/// Issue 21's table: for each lego teacher (`teachers/lego-100`, `teachers/lego-200`; trained with
/// `scenes/lego-<size>.json` when missing), each student of `scenes/distill/` distilled for `seconds` (nil: a
/// third of the teacher's training time) and the same student trained from scratch for the same time: held-out
/// PSNR of teacher, student and from-scratch. The targets: the tri-plane student within 0.5 dB of its teacher in
/// ≤ 1/3 of the teacher's time; the frequency-MLP student at the from-scratch MLP's `mlpReferenceSeconds` PSNR
/// at least 5× sooner.
func distillBenchmarks(fieldfit: String, packageRoot: String, teachers: String, sizes: [Int], threads: Int,
                       seconds: Double?, mlpReferenceSeconds: Double) -> [BenchFigure] {
    var figures: [BenchFigure] = []
    for size in sizes {
        let teacher = "\(teachers)/lego-\(size)"
        if !FileManager.default.fileExists(atPath: teacher + "/checkpoint/state.json") {
            print("distill: training the teacher \(teacher) (scenes/lego-\(size).json)")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: fieldfit)
            p.arguments = [packageRoot + "/scenes/lego-\(size).json", "--out", teacher, "--quiet", "--threads", "\(threads)"]
            do { try p.run(); p.waitUntilExit() } catch { print("bench: cannot run \(fieldfit): \(error)"); continue }
            guard p.terminationStatus == 0 else { print("bench: the teacher fit failed (is ../shared/data there?)"); continue }
        }
        guard let teacherMetrics = try? JSONParser.parse(file: teacher + "/metrics.json"),
              let teacherPSNR = number(teacherMetrics["final"]?["psnr"]), let teacherSeconds = number(teacherMetrics["final"]?["seconds"]),
              case .object(let teacherData)? = (try? JSONParser.parse(file: teacher + "/config.json"))?["data"] else {
            print("bench: \(teacher) has no metrics.json or config.json"); continue
        }
        let budget = seconds ?? teacherSeconds / 3
        print(String(format: "distill lego %d²: teacher %.2f dB after %.0f s; students get %.0f s", size, teacherPSNR, teacherSeconds, budget))
        figures.append(BenchFigure(name: "distill lego \(size)²: hash-grid teacher, test PSNR after \(Int(teacherSeconds)) s",
                                   value: teacherPSNR, unit: "dB", target: "", met: nil))
        var rows: [String] = []
        for (name, stem) in distillStudents {
            let scene = "\(packageRoot)/scenes/distill/lego-\(size)-\(stem).json"
            guard let text = try? JSONParser.parse(file: scene), case .object(let members) = text else { continue }
            // The same model from scratch: the student scene without `distill`, on the teacher's data.
            let scratchScene = NSTemporaryDirectory() + "fieldfit-bench-scratch-\(stem)-\(getpid()).json"
            let scratch: JSONValue = .object(members.filter { $0.key != "distill" } + [("task", .string("nerf")), ("data", .object(teacherData))])
            try? FileAccess.writeAtomically(JSONWriter.string(scratch), to: scratchScene)
            defer { try? FileManager.default.removeItem(atPath: scratchScene) }
            let s = "\(Int(budget))"
            guard let student = runFieldfitMetrics(fieldfit: fieldfit, arguments: ["distill", teacher, scene, "--seconds", s], threads: threads,
                                                   what: "distill-\(size)-\(stem)"),
                  let fromScratch = runFieldfitMetrics(fieldfit: fieldfit, arguments: [scratchScene, "--seconds", s], threads: threads,
                                                       what: "scratch-\(size)-\(stem)") else { continue }
            let sp = number(student["final"]?["psnr"]) ?? .nan, fp = number(fromScratch["final"]?["psnr"]) ?? .nan
            rows.append(String(format: "| %@ | %.2f | %.2f | %.2f | %.0f |", name, teacherPSNR, sp, fp, budget))
            print(String(format: "distill lego %d² %@: student %.2f dB, from scratch %.2f dB (%.0f s each)", size, name, sp, fp, budget))
            let isTriPlane = stem == "triplane"
            figures.append(BenchFigure(name: "distill lego \(size)²: \(name) student, test PSNR after \(Int(budget)) s",
                                       value: sp, unit: "dB", target: isTriPlane && budget <= teacherSeconds / 3 + 1e-6
                                        ? String(format: "≥ %.2f (teacher − 0.5)", teacherPSNR - 0.5) : "",
                                       met: isTriPlane ? sp >= teacherPSNR - 0.5 : nil))
            figures.append(BenchFigure(name: "distill lego \(size)²: \(name) from scratch, test PSNR after \(Int(budget)) s",
                                       value: fp, unit: "dB", target: "", met: nil))
            if stem == "frequency" {
                // The from-scratch MLP's PSNR after the reference time, and when the distilled one first reached it.
                guard let reference = runFieldfitMetrics(fieldfit: fieldfit, arguments: [scratchScene, "--seconds", "\(Int(mlpReferenceSeconds))"],
                                                         threads: threads, what: "scratch-\(size)-mlp-reference"),
                      let referencePSNR = number(reference["final"]?["psnr"]) else { continue }
                let longer = runFieldfitMetrics(fieldfit: fieldfit, arguments: ["distill", teacher, scene, "--seconds", "\(Int(mlpReferenceSeconds / 5))"],
                                                threads: threads, what: "distill-\(size)-mlp-reference")
                let reached = longer.flatMap { firstSeconds(reaching: referencePSNR, in: $0) }
                let speedup = reached.map { mlpReferenceSeconds / max($0, 1e-9) } ?? .nan
                print(String(format: "distill lego %d² frequency MLP: from scratch %.2f dB after %.0f s; the student reached it after %@", size,
                             referencePSNR, mlpReferenceSeconds, reached.map { String(format: "%.0f s", $0) } ?? "no evaluation within \(Int(mlpReferenceSeconds / 5)) s"))
                figures.append(BenchFigure(name: "distill lego \(size)²: frequency-MLP student, speed-up to the from-scratch \(Int(mlpReferenceSeconds)) s PSNR (\(String(format: "%.2f", referencePSNR)) dB)",
                                           value: speedup, unit: "×", target: "≥ 5", met: speedup >= 5))
            }
        }
        print("")
        print("lego \(size)², hash-grid teacher (\(Int(teacherSeconds)) s), students and from-scratch runs \(Int(budget)) s each, \(threads) threads:")
        print("")
        print("| student | teacher PSNR (dB) | distilled PSNR (dB) | from-scratch PSNR (dB) | seconds |")
        print("|---|---|---|---|---|")
        for row in rows { print(row) }
        print("")
    }
    return figures
}
