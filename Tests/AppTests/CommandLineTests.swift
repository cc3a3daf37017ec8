import FieldIO
import Foundation
@testable import App
import Testing

/// `fieldfit`'s command line (swift-argument-parser): the default subcommand, validation with one clear
/// line each, help and completion on stdout with status 0, and seeds that round-trip through config.json.
struct CommandLineTests {
    @Test func sceneFileAloneIsTheFitSubcommand() throws {
        let bare = try FieldfitCommand.parseAsRoot(["scene.json", "--steps", "5", "--seed", "7", "--out", "o", "-q"])
        let explicit = try FieldfitCommand.parseAsRoot(["fit", "scene.json", "--steps", "5", "--seed", "7", "--out", "o", "-q"])
        let a = try #require(bare as? FitCommand), b = try #require(explicit as? FitCommand)
        #expect(a.options == b.options)
        #expect(a.options.scenePath == "scene.json" && a.options.steps == 5 && a.options.seed == 7 && a.options.outputFolder == "o")
        #expect(a.options.quiet && a.options.resume == nil)
        #expect(try FieldfitCommand.parseAsRoot([]) is FitCommand)
        #expect(try FieldfitCommand.parseAsRoot(["render", "run", "--orbit", "3"]) is RenderCommand)
        #expect(try FieldfitCommand.parseAsRoot(["mesh", "run", "--resolution", "64"]) is MeshCommand)
    }

    @Test(arguments: [
        (["--seconds", "0"], "--seconds"), (["--steps", "-3"], "--steps"), (["--threads", "0"], "--threads"),
        (["--seed", "-1"], "--seed"), (["--seed", "18446744073709551615"], "0...9007199254740992"),
        (["a.json", "--resume", "r"], "not both"), (["a.json", "b.json"], "Unexpected argument"),
        (["render"], "<run-dir>"), (["render", "r", "--width", "0"], "--width"), (["mesh", "r", "--resolution", "8"], "16...1024"),
        (["mesh", "r", "--steps", "3"], "Unknown option"),
    ])
    func badArgumentsGiveOneLine(_ arguments: [String], _ fragment: String) {
        let r = runFieldfit(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("fieldfit: ") && r.stderr.contains(fragment), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func helpAndCompletionAreNotErrors() {
        for arguments in [["--help"], ["fit", "--help"], ["render", "--help"], ["help", "mesh"], ["--generate-completion-script", "bash"]] {
            let r = runFieldfit(arguments)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(arguments): \(r.stderr)")
        }
        #expect(FieldfitCommand.helpMessage().contains("render") && FieldfitCommand.helpMessage().contains("mesh"))
        #expect(FieldfitCommand.helpMessage(for: FitCommand.self).contains("--resume"))
    }

    /// The largest seed the command line takes is written to config.json and read back by `--resume`.
    @Test func largestSeedRoundTripsThroughTheRunFolder() throws {
        let dir = temporaryFolder()
        defer { removeTemporaryFolder(dir) }
        let scene = writeFile(dir, "s.json", sceneText(size: 16, training: "\"steps\": 4, \"batch_size\": 256, \"eval_every_steps\": 2"))
        let r = runFieldfit([scene, "--seed", "\(Options.largestSeed)", "--out", dir + "/run", "--quiet", "--steps", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let config = try JSONParser.parse(file: dir + "/run/config.json")
        #expect(config["training"]?["seed"] == .int(Int(Options.largestSeed)))
        let resumed = runFieldfit(["--resume", dir + "/run", "--steps", "4", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}
