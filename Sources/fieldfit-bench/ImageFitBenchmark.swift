import FieldIO
import Foundation

/// Times the astronaut fit of issue 2 by running the release `fieldfit` binary on a scene, reading back
/// the run's metrics.json: training seconds to 35 and 40 dB, and the process's peak memory.
func imageFitBenchmark(fieldfit: String, scene: String, threads: Int, seconds: Double) -> [BenchFigure] {
    let out = NSTemporaryDirectory() + "fieldfit-bench-astronaut-\(getpid())"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: fieldfit)
    process.arguments = [scene, "--out", out, "--quiet", "--threads", "\(threads)", "--seconds", "\(seconds)"]
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        print("bench: cannot run \(fieldfit): \(error)")
        return []
    }
    guard process.terminationStatus == 0,
          let metrics = try? JSONParser.parse(file: out + "/metrics.json"), let final = metrics["final"] else {
        print("bench: the astronaut fit failed (is ../shared/data there?)")
        return []
    }
    func number(_ v: JSONValue?) -> Double? { if case .number(let d, _)? = v { return d }; return nil }
    let reach = final["seconds_to_psnr"]
    var figures: [BenchFigure] = []
    let t35 = number(reach?["35"]), t40 = number(reach?["40"])
    figures.append(BenchFigure(name: "astronaut 512²: training seconds to 35 dB", value: t35 ?? .nan, unit: "s",
                               target: "≤ 3 (peer 14.8)", met: t35.map { $0 <= 3 } ?? false))
    figures.append(BenchFigure(name: "astronaut 512²: training seconds to 40 dB", value: t40 ?? .nan, unit: "s",
                               target: "report (peer 25.5)", met: nil))
    figures.append(BenchFigure(name: "astronaut 512²: PSNR after \(Int(seconds)) s", value: number(final["psnr"]) ?? .nan,
                               unit: "dB", target: "", met: nil))
    figures.append(BenchFigure(name: "astronaut 512²: training samples/s", value: (number(final["samples_per_second"]) ?? .nan) / 1e6,
                               unit: "M/s", target: "", met: nil))
    let peak = number(final["peak_memory_mib"])
    figures.append(BenchFigure(name: "astronaut fit: peak memory", value: peak ?? .nan, unit: "MiB",
                               target: "≤ 300 MB", met: peak.map { $0 * 1.048576 <= 300 }))
    try? FileManager.default.removeItem(atPath: out)
    return figures
}
