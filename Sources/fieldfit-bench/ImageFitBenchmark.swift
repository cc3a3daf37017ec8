import FieldIO
import Foundation

/// Times the astronaut fit of issue 2 by running the release `fieldfit` binary on a scene, reading back
/// the run's metrics.json: training seconds to 35 and 40 dB, and the process's peak memory.
func imageFitBenchmark(fieldfit: String, scene: String, threads: Int, seconds: Double) -> [BenchFigure] {
    guard let final = runFit(fieldfit: fieldfit, scene: scene, threads: threads, seconds: seconds, what: "astronaut") else { return [] }
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
    return figures
}
