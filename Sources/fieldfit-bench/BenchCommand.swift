import ArgumentParser
import FieldIO
import Foundation
import TensorCore

/// fieldfit-bench: measures the figures the issues ask for on this machine and prints them as a table (and,
/// with `--json`, as JSON), after the machine's description and its measured limits.
@main
struct BenchCommand: ParsableCommand {
    /// The benchmark groups `--only` takes (`representations-TASK` for one task of the representation table).
    static let groups = ["limits", "kernels", "fit", "sdf", "sdf-normals", "geometry", "mc", "nerf", "nerf200", "capture", "decoders", "representations",
                         "representations-image", "representations-sdf", "representations-nerf", "representation-targets", "experts", "batch",
                         "classify", "distill", "distill100"]

    static let configuration = CommandConfiguration(
        commandName: "fieldfit-bench",
        abstract: "Measure fieldfit's benchmark figures on this machine (release build; see BENCHMARKS.md).",
        discussion: "Prints the CPU, its vector extensions and OpenBLAS's kernel first; `kernels` measures the machine's limits (OpenBLAS sgemm, a STREAM triad, a C hash-grid reference) in the same run and holds the kernels against them.")

    @Option(help: ArgumentHelp("Worker threads, 1...256.", valueName: "n"))
    var threads = 2

    @Option(help: ArgumentHelp("Run one group: \(BenchCommand.groups.joined(separator: ", ")) (default: all).", valueName: "group"))
    var only: String?

    @Option(help: ArgumentHelp("Seconds of each fit in the representations and experts groups.", valueName: "s"))
    var fitSeconds = 60.0

    @Option(help: ArgumentHelp("The batch group also measures a Slurm job array on this partition of a running cluster (tools/slurm-check --bench).", valueName: "partition"))
    var batchSlurm: String?

    @Option(name: .customLong("shapes-per-family"), help: ArgumentHelp("Shapes per family in the classify group.", valueName: "n"))
    var shapesPerFamily = 20

    @Option(help: ArgumentHelp("distill: the folder of the teacher runs lego-100 and lego-200 (trained there when missing).", valueName: "dir"))
    var teachers = "runs"

    @Option(help: ArgumentHelp("distill: seconds of each student and from-scratch fit (default: a third of the teacher's time).", valueName: "s"))
    var distillSeconds: Double?

    @Option(help: ArgumentHelp("distill: seconds of the from-scratch MLP whose PSNR the MLP student must reach 5× sooner.", valueName: "s"))
    var mlpReferenceSeconds = 600.0

    @Option(help: ArgumentHelp("Also write the figures and the machine's description as JSON to this file.", valueName: "file"))
    var json: String?

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads: expected an integer in 1...256, got \(threads)") }
        if let only, !BenchCommand.groups.contains(only) {
            throw ValidationError("--only: expected one of \(BenchCommand.groups.joined(separator: ", ")), got \"\(only)\"")
        }
        guard (1...10_000).contains(shapesPerFamily) else { throw ValidationError("--shapes-per-family: expected an integer in 1...10000, got \(shapesPerFamily)") }
        guard fitSeconds > 0 && fitSeconds.isFinite else { throw ValidationError("--fit-seconds: expected a positive number, got \(fitSeconds)") }
    }

    /// Whether the group `name` runs.
    func runs(_ name: String) -> Bool { only == nil || only == name }

    func run() throws {
        let executableFolder = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        let fieldfit = executableFolder + "/fieldfit"
        let packageRoot = FileManager.default.currentDirectoryPath
        let machine = MachineDescription.current()
        for line in machine.lines { print(line) }
        var figures: [BenchFigure] = []
        if runs("kernels") || runs("limits") {
            let limits = MachineLimits.measure(threads: threads)
            figures += limits.figures
            if only != "limits" {
                figures += encodingBenchmarks(threads: threads, limits: limits)
                figures += networkBenchmarks(threads: threads, limits: limits)
            }
        }
        if runs("geometry") { figures += geometryBenchmarks(threads: threads) }
        if runs("decoders") { figures += decoderBenchmarks(threads: threads) }
        if runs("mc") { figures += marchingCubesBenchmarks(threads: threads) }
        if runs("fit") {
            figures += imageFitBenchmark(fieldfit: fieldfit, scene: packageRoot + "/scenes/astronaut-bench.json", threads: threads, seconds: 6)
        }
        if runs("sdf") {
            figures += sdfFitBenchmark(fieldfit: fieldfit, scene: packageRoot + "/scenes/bunny-bench.json", threads: threads, seconds: 30)
        }
        if runs("sdf-normals") {
            figures += sdfNormalsBenchmark(scene: packageRoot + "/scenes/bunny.json", threads: threads, steps: 1000)
        }
        if runs("nerf") {
            figures += nerfFitBenchmark(fieldfit: fieldfit, scene: packageRoot + "/scenes/lego-100.json", label: "lego 100²",
                                        threads: threads, seconds: 120, target: 28, renderSize: 800, memoryTargetMiB: nil)
        }
        if runs("nerf200") {
            figures += nerfFitBenchmark(fieldfit: fieldfit, scene: packageRoot + "/scenes/lego-200.json", label: "lego 200²",
                                        threads: threads, seconds: 600, target: 31, renderSize: nil, memoryTargetMiB: 1536)
        }
        if runs("batch") { figures += batchBenchmark(fieldfit: fieldfit, slurmPartition: batchSlurm) }
        if runs("capture") { figures += captureBenchmark(fieldfit: fieldfit, threads: threads, seconds: 120) }
        if runs("representation-targets") {
            figures += representationTargetFigures(fieldfit: fieldfit, scenes: packageRoot + "/scenes/representations", threads: threads)
        }
        if runs("experts") {
            figures += expertsBenchmark(fieldfit: fieldfit, scenes: packageRoot + "/scenes", threads: threads, seconds: fitSeconds)
        }
        if runs("classify") {
            figures += classifyBenchmark(fieldfit: fieldfit, template: packageRoot + "/scenes/triplane-shape.json", threads: threads,
                                         perFamily: shapesPerFamily)
        }
        if only == nil || only!.hasPrefix("representations") {
            let tasks = only.map { $0.hasPrefix("representations-") ? [String($0.dropFirst("representations-".count))] : [] } ?? []
            figures += representationBenchmarks(fieldfit: fieldfit, scenes: packageRoot + "/scenes/representations",
                                                threads: threads, seconds: fitSeconds, tasks: tasks)
        }
        if runs("distill") || runs("distill100") {
            figures += distillBenchmarks(fieldfit: fieldfit, packageRoot: packageRoot, teachers: teachers,
                                         sizes: only == "distill100" ? [100] : [100, 200], threads: threads,
                                         seconds: distillSeconds, mlpReferenceSeconds: mlpReferenceSeconds)
        }
        report(figures, machine: machine)
    }

    /// Prints the table and writes the JSON file.
    func report(_ figures: [BenchFigure], machine: MachineDescription) {
        func format(_ v: Double) -> String { v.isNaN ? "n/a" : String(format: v >= 100 ? "%.1f" : "%.3g", v) }
        print("")
        print("| figure (\(threads) threads) | measured | target | met |")
        print("|---|---|---|---|")
        for f in figures {
            print("| \(f.name) | \(format(f.value)) \(f.unit) | \(f.target) | \(f.met.map { $0 ? "yes" : "**no**" } ?? "") |")
        }
        guard let json else { return }
        let value: JSONValue = .object([
            ("machine", .object([("cpu", .string(machine.cpu)), ("vector_extensions", .array(machine.vectorExtensions.map { .string($0) })),
                                 ("openblas_kernel", .string(machine.blasCore)), ("threads", .int(threads))])),
            ("figures", .array(figures.map { f in
                .object([("name", .string(f.name)), ("value", f.value.isNaN ? .null : .double(f.value)), ("unit", .string(f.unit)),
                         ("target", .string(f.target)), ("met", f.met.map { .bool($0) } ?? .null)])
            })),
        ])
        try? FileAccess.writeAtomically(JSONWriter.string(value), to: json)
    }
}
