import FieldIO
import Foundation

/// Times the bunny fit of issue 3 by running the release `fieldfit` binary on a scene and reading back the
/// run's metrics.json: training seconds to IoU 0.98 and 0.995, Chamfer distance, the 800×800
/// sphere-traced view time, the marching-cubes time at 256³ and the peak memory.
func sdfFitBenchmark(fieldfit: String, scene: String, threads: Int, seconds: Double) -> [BenchFigure] {
    guard let final = runFit(fieldfit: fieldfit, scene: scene, threads: threads, seconds: seconds, what: "bunny") else { return [] }
    let reach = final["seconds_to_iou"]
    let t98 = number(reach?["0.98"]), t995 = number(reach?["0.995"])
    var figures: [BenchFigure] = []
    figures.append(BenchFigure(name: "bunny: training seconds to IoU 0.98", value: t98 ?? .nan, unit: "s",
                               target: "≤ 5 (peer 24)", met: t98.map { $0 <= 5 } ?? false))
    figures.append(BenchFigure(name: "bunny: training seconds to IoU 0.995", value: t995 ?? .nan, unit: "s",
                               target: "≤ 30 (peer 0.9948 at 91)", met: t995.map { $0 <= 30 } ?? false))
    figures.append(BenchFigure(name: "bunny: IoU after \(Int(seconds)) s", value: number(final["iou"]) ?? .nan,
                               unit: "", target: "", met: nil))
    figures.append(BenchFigure(name: "bunny: Chamfer, extracted mesh vs input (mesh units)", value: number(final["chamfer"]) ?? .nan,
                               unit: "", target: "report", met: nil))
    figures.append(BenchFigure(name: "bunny: normal consistency", value: number(final["normal_consistency"]) ?? .nan,
                               unit: "", target: "report", met: nil))
    let render = number(final["render_seconds_per_view"])
    figures.append(BenchFigure(name: "bunny: 800×800 sphere-traced view", value: render ?? .nan, unit: "s",
                               target: "≤ 1", met: render.map { $0 <= 1 }))
    let mc = number(final["mesh_seconds"])
    figures.append(BenchFigure(name: "bunny: marching cubes 256³", value: mc ?? .nan, unit: "s", target: "≤ 5", met: mc.map { $0 <= 5 }))
    figures.append(BenchFigure(name: "bunny: training samples/s", value: (number(final["samples_per_second"]) ?? .nan) / 1e6,
                               unit: "M/s", target: "", met: nil))
    let peak = number(final["peak_memory_mib"])
    figures.append(BenchFigure(name: "bunny fit: peak memory", value: peak ?? .nan, unit: "MiB", target: "", met: nil))
    return figures
}
