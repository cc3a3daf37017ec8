import FieldIO
import Foundation
import TensorCore

/// fieldfit-bench: measures the figures the issues ask for and prints them as a table and as JSON.
/// usage: fieldfit-bench [--threads N] [--only GROUP] [--fit-seconds S] [--json FILE]
/// GROUP: limits|kernels|fit|sdf|geometry|mc|nerf|nerf200|decoders|representations|representations-TASK|representation-targets
let usage = "usage: fieldfit-bench [--threads N] [--only limits|kernels|fit|sdf|geometry|mc|nerf|nerf200|decoders|"
    + "representations|representations-image|representations-sdf|representations-nerf|representation-targets] "
    + "[--fit-seconds S (representations, default 60)] [--json FILE]"
var threads = 2
var fitSeconds = 60.0
var only = ""
var jsonPath = ""
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let a = arguments.removeFirst()
    switch a {
    case "--threads": threads = Int(arguments.isEmpty ? "" : arguments.removeFirst()) ?? 2
    case "--only": only = arguments.isEmpty ? "" : arguments.removeFirst()
    case "--json": jsonPath = arguments.isEmpty ? "" : arguments.removeFirst()
    case "--fit-seconds": fitSeconds = Double(arguments.isEmpty ? "" : arguments.removeFirst()) ?? 60
    default:
        print(usage)
        exit(a == "--help" || a == "-h" ? 0 : 2)
    }
}

let executableFolder = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
let packageRoot = FileManager.default.currentDirectoryPath
let machine = MachineDescription.current()
for line in machine.lines { print(line) }
var figures: [BenchFigure] = []
if only.isEmpty || only == "kernels" || only == "limits" {
    let limits = MachineLimits.measure(threads: threads)
    figures += limits.figures
    if only != "limits" {
        figures += encodingBenchmarks(threads: threads, limits: limits)
        figures += networkBenchmarks(threads: threads, limits: limits)
    }
}
if only.isEmpty || only == "geometry" {
    figures += geometryBenchmarks(threads: threads)
}
if only.isEmpty || only == "decoders" {
    figures += decoderBenchmarks(threads: threads)
}
if only.isEmpty || only == "mc" {
    figures += marchingCubesBenchmarks(threads: threads)
}
if only.isEmpty || only == "fit" {
    figures += imageFitBenchmark(fieldfit: executableFolder + "/fieldfit", scene: packageRoot + "/scenes/astronaut-bench.json",
                                 threads: threads, seconds: 6)
}
if only.isEmpty || only == "sdf" {
    figures += sdfFitBenchmark(fieldfit: executableFolder + "/fieldfit", scene: packageRoot + "/scenes/bunny-bench.json",
                               threads: threads, seconds: 30)
}
if only.isEmpty || only == "nerf" {
    figures += nerfFitBenchmark(fieldfit: executableFolder + "/fieldfit", scene: packageRoot + "/scenes/lego-100.json",
                                label: "lego 100²", threads: threads, seconds: 120, target: 28, renderSize: 800, memoryTargetMiB: nil)
}
if only.isEmpty || only == "nerf200" {
    figures += nerfFitBenchmark(fieldfit: executableFolder + "/fieldfit", scene: packageRoot + "/scenes/lego-200.json",
                                label: "lego 200²", threads: threads, seconds: 600, target: 31, renderSize: nil, memoryTargetMiB: 1536)
}
if only.isEmpty || only == "representation-targets" {
    figures += representationTargetFigures(fieldfit: executableFolder + "/fieldfit", scenes: packageRoot + "/scenes/representations",
                                           threads: threads)
}
if only.isEmpty || only.hasPrefix("representations") {
    let tasks = only.hasPrefix("representations-") ? [String(only.dropFirst("representations-".count))] : []
    figures += representationBenchmarks(fieldfit: executableFolder + "/fieldfit", scenes: packageRoot + "/scenes/representations",
                                        threads: threads, seconds: fitSeconds, tasks: tasks)
}

func format(_ v: Double) -> String { v.isNaN ? "n/a" : String(format: v >= 100 ? "%.1f" : "%.3g", v) }
print("")
print("| figure (\(threads) threads) | measured | target | met |")
print("|---|---|---|---|")
for f in figures {
    print("| \(f.name) | \(format(f.value)) \(f.unit) | \(f.target) | \(f.met.map { $0 ? "yes" : "**no**" } ?? "") |")
}
if !jsonPath.isEmpty {
    let json: JSONValue = .object([
        ("machine", .object([("cpu", .string(machine.cpu)), ("vector_extensions", .array(machine.vectorExtensions.map { .string($0) })),
                             ("openblas_kernel", .string(machine.blasCore)), ("threads", .number(Double(threads), isInteger: true))])),
        ("figures", .array(figures.map { f in
            .object([("name", .string(f.name)), ("value", f.value.isNaN ? .null : .double(f.value)), ("unit", .string(f.unit)),
                     ("target", .string(f.target)), ("met", f.met.map { .bool($0) } ?? .null)])
        })),
    ])
    try? FileAccess.writeAtomically(JSONWriter.string(json), to: jsonPath)
}
