import FieldIO
import Foundation
@testable import App
import TensorCore
import Testing

/// The task plug-ins: every registered task has a unique name, reads its own data keys, owns its task-only
/// keys (another task's key is refused with one line naming the owner), builds its default model, and writes
/// a config.json that reads back to the same scene.
struct TaskRegistryTests {
    /// A minimal scene text of each task on built-in data.
    static let scenes: [String: String] = [
        "image": #"{"task": "image", "data": {"procedural": "rings", "width": 16, "height": 16}}"#,
        "sdf": #"{"task": "sdf", "data": {"shape": "sphere"}}"#,
        "nerf": #"{"task": "nerf", "data": {"procedural": "shapes", "views": 4, "width": 8, "height": 8}}"#,
    ]

    @Test func namesAreUniqueAndEveryTaskHasATestScene() {
        let names = TaskRegistry.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == Set(TaskRegistryTests.scenes.keys))
        #expect(TaskRegistry.definition(named: "image")?.name == "image" && TaskRegistry.definition(named: "bogus") == nil)
    }

    @Test func scenesRoundTripThroughConfigJSON() throws {
        for (name, text) in TaskRegistryTests.scenes {
            let scene = try Scene(json: try JSONParser.parse(text), file: "s.json", defaultName: name, resolvePathsAgainst: nil)
            #expect(scene.task == name)
            #expect(scene.encoding == scene.definition.defaults.encoding && scene.loss == scene.definition.defaults.loss)
            let again = try Scene(json: scene.resolvedJSON, file: "config.json", defaultName: name, resolvePathsAgainst: nil)
            #expect(again.resolvedJSON == scene.resolvedJSON, "\(name)")
        }
    }

    @Test func anotherTasksKeyIsRefusedNamingItsOwner() throws {
        for definition in TaskRegistry.all {
            for other in TaskRegistry.all where other.name != definition.name {
                for key in other.settingsKeys where !definition.settingsKeys.contains(key) {
                    var text = TaskRegistryTests.scenes[definition.name]!
                    text.removeLast()
                    text += ", \"\(key)\": {}}"
                    do {
                        _ = try Scene(json: try JSONParser.parse(text), file: "s.json", defaultName: "s", resolvePathsAgainst: nil)
                        Issue.record("\(definition.name) scene accepted \(key)")
                    } catch {
                        #expect(error.location == key && error.message.contains("only for \(other.name) scenes"), "\(error)")
                    }
                }
            }
        }
    }

    @Test func unknownTaskListsTheRegisteredOnes() {
        do {
            _ = try Scene(json: try JSONParser.parse(#"{"task": "audio", "data": {}}"#), file: "s.json", defaultName: "s",
                          resolvePathsAgainst: nil)
            Issue.record("unknown task accepted")
        } catch {
            for name in TaskRegistry.all.map(\.name) { #expect(error.description.contains(name), "\(error)") }
        }
    }

    @Test func everyTaskBuildsItsModelAndFitTask() throws {
        let pool = WorkerPool(threads: 1)
        for (name, text) in TaskRegistryTests.scenes {
            var scene = try Scene(json: try JSONParser.parse(text), file: "s.json", defaultName: name, resolvePathsAgainst: nil)
            scene.training.batchSize = 1024
            let task = try TaskFactory.makeTask(&scene, pool: pool)
            let trainer = try TaskFactory.makeTrainer(scene, inputWidth: task.inputWidth, outputWidth: task.outputWidth)
            #expect(trainer.store.count > 0 && !task.liveModes.isEmpty && task.liveModes == scene.definition.liveModes, "\(name)")
            #expect(!task.evaluate(trainer, pool: pool).isEmpty, "\(name)")
        }
    }
}
