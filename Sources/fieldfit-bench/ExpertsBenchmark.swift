import FieldIO
import Foundation

/// Issue 22's large-scene comparison: the procedural city fitted by one hash grid (`scenes/city-hashgrid.json`) and
/// by a mixture of 8 hash experts (`scenes/city-experts.json`) with parameter counts within 0.5 % of each other,
/// for the same training time: test PSNR, training samples/s, peak memory, and the mixture's gate load.
func expertsBenchmark(fieldfit: String, scenes: String, threads: Int, seconds: Double) -> [BenchFigure] {
    var figures: [BenchFigure] = []
    for (label, file) in [("city, one hash grid", "city-hashgrid.json"), ("city, 8 hash experts", "city-experts.json")] {
        guard let final = runFit(fieldfit: fieldfit, scene: scenes + "/" + file, threads: threads, seconds: seconds,
                                 what: file.replacingOccurrences(of: ".json", with: "")) else { continue }
        figures.append(BenchFigure(name: "\(label): test PSNR after \(Int(seconds)) s", value: number(final["test_psnr"]) ?? .nan,
                                   unit: "dB", target: "report", met: nil))
        figures.append(BenchFigure(name: "\(label): training samples/s", value: (number(final["samples_per_second"]) ?? .nan) / 1e6,
                                   unit: "M/s", target: "report", met: nil))
        figures.append(BenchFigure(name: "\(label): training steps", value: number(final["step"]) ?? .nan, unit: "", target: "", met: nil))
        figures.append(BenchFigure(name: "\(label): peak memory", value: number(final["peak_memory_mib"]) ?? .nan, unit: "MiB",
                                   target: "report", met: nil))
        guard let load = final["expert_load"] else { continue }
        var shares: [Double] = []
        if case .array(let items)? = load["assigned"] { shares = items.compactMap { number($0) } }
        figures.append(BenchFigure(name: "\(label): smallest expert share", value: 100 * (shares.min() ?? .nan), unit: "%",
                                   target: "report (even: \(String(format: "%.1f", 100 / Double(max(shares.count, 1)))))", met: nil))
        figures.append(BenchFigure(name: "\(label): largest expert share", value: 100 * (shares.max() ?? .nan), unit: "%",
                                   target: "report", met: nil))
        figures.append(BenchFigure(name: "\(label): samples dropped (capacity)", value: 100 * (number(load["dropped"]) ?? .nan),
                                   unit: "%", target: "report", met: nil))
        figures.append(BenchFigure(name: "\(label): balance loss l_aux (1 = even)", value: number(load["balance_loss"]) ?? .nan,
                                   unit: "", target: "report", met: nil))
    }
    return figures
}
