import FieldIO
import Foundation

/// Times the lego fits of issue 4 with the release `fieldfit` binary: test PSNR after the scene's training
/// time (every 8th view held out), training and rendering rays/s and peak memory, read back from the
/// run's metrics.json; with `renderSize`, also one view rendered at that size by `fieldfit render`.
func nerfFitBenchmark(fieldfit: String, scene: String, label: String, threads: Int, seconds: Double, target: Double,
                      renderSize: Int?, memoryTargetMiB: Double?) -> [BenchFigure] {
    let safe = String(label.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
    let out = NSTemporaryDirectory() + "fieldfit-bench-\(safe)-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    guard runProcess(fieldfit, [scene, "--out", out, "--quiet", "--threads", "\(threads)", "--seconds", "\(seconds)"]) else {
        print("bench: the \(label) fit failed (is ../shared/data there?)")
        return []
    }
    let final: JSONValue
    do {
        guard let f = try JSONParser.parse(file: out + "/metrics.json")["final"] else { throw FieldError(file: out, "no final figures") }
        final = f
    } catch {
        print("bench: cannot read the \(label) run's metrics: \(error)")
        return []
    }
    var figures: [BenchFigure] = []
    let psnr = number(final["test_psnr"]) ?? .nan
    figures.append(BenchFigure(name: "\(label): test PSNR after \(Int(seconds)) s", value: psnr, unit: "dB",
                               target: "≥ \(Int(target))", met: psnr >= target))
    let reach = number(final["seconds_to_psnr"]?[FitRunKey.key(target)])
    figures.append(BenchFigure(name: "\(label): training seconds to \(Int(target)) dB", value: reach ?? .nan, unit: "s",
                               target: "", met: nil))
    figures.append(BenchFigure(name: "\(label): test SSIM", value: number(final["test_ssim"]) ?? .nan, unit: "", target: "", met: nil))
    figures.append(BenchFigure(name: "\(label): training rays/s", value: number(final["rays_per_second"]) ?? .nan, unit: "",
                               target: "report", met: nil))
    figures.append(BenchFigure(name: "\(label): training samples/s", value: (number(final["samples_per_second"]) ?? .nan) / 1e6,
                               unit: "M/s", target: "", met: nil))
    figures.append(BenchFigure(name: "\(label): test-view rendering rays/s", value: number(final["test_rays_per_second"]) ?? .nan,
                               unit: "", target: "report", met: nil))
    let peak = number(final["peak_memory_mib"]) ?? .nan
    figures.append(BenchFigure(name: "\(label): peak memory", value: peak, unit: "MiB",
                               target: memoryTargetMiB.map { "≤ \(Int($0))" } ?? "", met: memoryTargetMiB.map { peak <= $0 }))
    if let size = renderSize {
        let renders = out + "/render-\(size)"
        let start = Date()
        if runProcess(fieldfit, ["render", out, "--orbit", "1", "--width", "\(size)", "--height", "\(size)", "--out", renders,
                                 "--quiet", "--threads", "\(threads)"]),
           let m = try? JSONParser.parse(file: renders + "/render-metrics.json"), let s = number(m["seconds_per_view"]) {
            figures.append(BenchFigure(name: "\(label) field: \(size)×\(size) view", value: s, unit: "s", target: "≤ 5", met: s <= 5))
            figures.append(BenchFigure(name: "\(label) field: \(size)×\(size) rendering rays/s", value: Double(size * size) / s,
                                       unit: "", target: "report", met: nil))
        } else {
            print("bench: rendering the \(label) run failed after \(Date().timeIntervalSince(start)) s")
        }
    }
    return figures
}

/// Runs `executable` with `arguments`; true when it exits with status 0.
func runProcess(_ executable: String, _ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        print("bench: cannot run \(executable): \(error)")
        return false
    }
    return process.terminationStatus == 0
}

/// metrics.json's spelling of a threshold key (35 → "35", 0.995 → "0.995").
enum FitRunKey {
    static func key(_ v: Double) -> String { v.rounded() == v ? "\(Int(v))" : "\(v)" }
}
