import FieldIO
import Foundation

/// What one `fieldfit batch` asks for: the inputs, the template they are fitted with, the output folder and the
/// settings every field's fit gets. It is also the command line each field's child process (or Slurm task) runs.
public struct BatchJob: Equatable, Sendable {
    /// The folder of inputs, absolute.
    public var inputFolder: String
    /// The scene a data file is fitted with (its `data` file key replaced), absolute; nil: the inputs are scenes.
    public var template: String?
    /// The output folder, absolute.
    public var outFolder: String
    /// Fit overrides for every field (nil: the scene's or template's setting).
    public var steps: Int?
    public var seconds: Double?
    public var seed: UInt64?
    /// Worker threads of each field's fit.
    public var threads: Int
    /// Continue interrupted fields from their checkpoint (else they start again).
    public var resume = false
    /// The fieldfit executable the children and Slurm tasks run.
    public var executable: String

    /// The `fieldfit batch` arguments (without the program name) that fit field `index` alone.
    public func fieldArguments(index: Int) -> [String] {
        var a = ["batch", inputFolder, "--out", outFolder]
        if let template { a += ["--template", template] }
        if let steps { a += ["--steps", "\(steps)"] }
        if let seconds { a += ["--seconds", "\(seconds)"] }
        if let seed { a += ["--seed", "\(seed)"] }
        a += ["--threads", "\(threads)", "--quiet"]
        if resume { a.append("--resume") }
        return a + ["--index", "\(index)"]
    }

    /// The fields of the inputs: data files of the template's task, or scene files (`*.json`) without a template.
    public func findFields() throws(FieldError) -> [BatchField] {
        if let template {
            let definition = try BatchJob.readTemplate(template).definition
            let fields = try BatchField.find(in: inputFolder, extensions: Set(definition.dataFileExtensions), excluding: outFolder)
            guard !fields.isEmpty else {
                throw FieldError(file: inputFolder, "no \(definition.dataFileExtensions.map { "." + $0 }.joined(separator: ", ")) files for the \(definition.name) template")
            }
            _ = try scene(for: fields[0])  // the template's other keys, checked once before any field runs
            return fields
        }
        let fields = try BatchField.find(in: inputFolder, extensions: ["json"], excluding: outFolder)
        if fields.isEmpty {
            let data = TaskRegistry.all.flatMap(\.dataFileExtensions)
            let dataFiles = try BatchField.find(in: inputFolder, extensions: Set(data), excluding: outFolder)
            if !dataFiles.isEmpty {
                throw FieldError(file: inputFolder, "holds \(dataFiles.count) data file\(dataFiles.count == 1 ? "" : "s") but no scene files; give --template scene.json to fit them with")
            }
            throw FieldError(file: inputFolder, "no scene files (*.json) or data files found")
        }
        return fields
    }

    /// The template's JSON members and its task, which must take one data file; its `data` may be left out.
    static func readTemplate(_ template: String) throws(FieldError) -> (members: [(key: String, value: JSONValue)], definition: any TaskDefinition) {
        guard case .object(let members) = try JSONParser.parse(file: template) else {
            throw FieldError(file: template, "expected a JSON object (a scene)")
        }
        let names = TaskRegistry.all.map(\.name)
        var definition = TaskRegistry.all[0]
        if let task = members.first(where: { $0.key == "task" })?.value {
            guard case .string(let name) = task, let named = TaskRegistry.definition(named: name) else {
                throw FieldError(file: template, location: "task", "expected one of \(names.joined(separator: ", "))")
            }
            definition = named
        }
        guard definition.dataFileKey != nil else {
            let takers = TaskRegistry.all.compactMap { d in d.dataFileKey.map { "\(d.name): data.\($0)" } }
            throw FieldError(file: template, location: "task", "a batch template must fit one data file (\(takers.joined(separator: ", "))), got \(definition.name)")
        }
        return (members, definition)
    }

    /// The scene that fits `field` into its run folder: the scene file itself, or the template with its data file
    /// replaced by the field's input and named after it; the batch's overrides applied.
    func scene(for field: BatchField) throws(FieldError) -> Scene {
        var scene: Scene
        if let template {
            let (read, definition) = try BatchJob.readTemplate(template)
            var members = read
            members.removeAll { $0.key == "data" || $0.key == "name" }
            members.insert(("data", .object([(definition.dataFileKey!, .string(field.input))])), at: 0)
            members.insert(("name", .string(field.stem)), at: 0)
            scene = try Scene(json: .object(members), file: template, defaultName: field.stem, resolvePathsAgainst: template)
        } else {
            scene = try Scene.load(field.input)
        }
        overrides.apply(to: &scene)
        scene.outputFolder = field.runFolder(in: outFolder)
        return scene
    }

    /// The fit overrides as `Options` (steps, seconds, seed, threads; quiet).
    var overrides: Options {
        var o = Options()
        o.steps = steps
        o.seconds = seconds
        o.seed = seed
        o.threads = threads
        o.quiet = true
        return o
    }

    /// The running fieldfit executable (Linux: /proc/self/exe), else argv[0].
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return FileAccess.absolute(CommandLine.arguments[0])
    }
}
