import ArgumentParser
import FieldIO

/// `fieldfit distill TEACHER_RUN STUDENT.json`: fits the student scene by distillation from a trained run (PVD,
/// or PVD-AL with `--method PVD-AL`). The student run is an ordinary run folder; `fieldfit --resume` continues it.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Fit a student scene by distillation from a trained run (PVD, PVD-AL).",
        discussion: """
        The student scene names any encoding × network; its task and data default to the teacher's (held-out views \
        for evaluation, training cameras for the random poses), and its `distill` object (optional) sets the method, \
        stage lengths, loss weights and pose sampling (see docs/distillation.md). NeRF students are distilled \
        progressively (density-branch features, then density and colour at the samples, then rendered rays); image \
        and sdf students fit the teacher's outputs at the task's training points.
        """)

    @Argument(help: ArgumentHelp("The teacher: a run folder a fit wrote (with its checkpoint).", valueName: "teacher-run"))
    var teacher: String

    @Argument(help: ArgumentHelp("The student scene file.", valueName: "student"))
    var student: String

    @Option(help: ArgumentHelp("PVD or PVD-AL (replaces the scene's distill.method).", valueName: "method"))
    var method: String?

    @OptionGroup var overrides: FitOverrides

    func validate() throws {
        if let method, DistillSettings.Method(rawValue: method) == nil {
            throw ValidationError("--method: expected PVD or PVD-AL, got \(method)")
        }
    }

    func run() throws {
        var options = Options()
        options.scenePath = student
        overrides.apply(to: &options)
        var json = try JSONParser.parse(file: student)
        if let method { json = DistillCommand.setting(json, method: method) }
        var scene = try Scene.load(student, distillTeacher: teacher, json: json)
        options.apply(to: &scene)
        try FitRun(scene: scene, quiet: options.quiet).run()
    }

    /// The scene JSON with `distill.method` set to `method` (the object made when missing).
    static func setting(_ json: JSONValue, method: String) -> JSONValue {
        guard case .object(var members) = json else { return json }
        var distill: [(key: String, value: JSONValue)] = []
        if let i = members.firstIndex(where: { $0.key.lowercased() == "distill" }), case .object(let existing) = members[i].value {
            distill = existing.filter { $0.key.lowercased() != "method" }
            members.remove(at: i)
        } else {
            members.removeAll { $0.key.lowercased() == "distill" }
        }
        members.append(("distill", .object(distill + [("method", .string(method))])))
        return .object(members)
    }
}
