import FieldIO

/// Every task fieldfit knows, one line each. Adding a task: a folder under `App/Tasks` with its
/// `TaskDefinition` and `FitTask`, and its line here (docs: the "Adding a task" article).
public enum TaskRegistry {
    /// The registered tasks; the first is the default of a scene without `task`.
    public static let all: [any TaskDefinition] = [
        ImageTaskDefinition(),
        SDFTaskDefinition(),
        NeRFTaskDefinition(),
    ]

    /// The task named `name` (case-sensitive, as scene files write it), or nil.
    public static func definition(named name: String) -> (any TaskDefinition)? { all.first { $0.name == name } }

    /// The one-line error for a command that `task`'s runs do not support: "is a run of the X task; WHAT works
    /// on a, b and c runs", naming the tasks that satisfy `supports`.
    static func unsupported(_ folder: String, task: String, what: String,
                            supports: (any TaskDefinition) -> Bool) -> FieldError {
        FieldError(file: folder, "is a run of the \(task) task; \(what) on " + names(where: supports) + " runs")
    }

    /// The names of the tasks that satisfy `test`, as "a, b and c" for messages.
    static func names(where test: (any TaskDefinition) -> Bool) -> String {
        let names = all.filter(test).map(\.name)
        return names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
