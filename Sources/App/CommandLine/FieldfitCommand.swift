import Foundation
import ArgumentParser
import FieldIO

/// `fieldfit`: the root of the command line. `fit` is the default subcommand, so `fieldfit scene.json`
/// and `fieldfit --resume RUN_DIR` fit; `render` `export` and `mesh` reuse a trained run. Help, usage and shell
/// completion (`fieldfit --generate-completion-script bash|zsh|fish`) come from swift-argument-parser.
public struct FieldfitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fieldfit",
        abstract: "Fit neural fields on a CPU and render them.",
        usage: """
        fieldfit [fit] [<scene>] [--resume <run-dir>] [--out <dir>] [--seconds <s>] [--steps <n>] [--seed <n>] [--threads <n>] [--quiet]
          fieldfit render <run-dir> [--path orbit|interpolate|spiral|<file>] [--frames <n>] [--video <file.mp4>] [--fps <n>] [--width <w>] [--height <h>] [--out <dir>]
          fieldfit export <run-dir> mesh|pointcloud|cameras [--out <file>] [options]
          fieldfit mesh <run-dir> [--resolution <n>] [--out <file>]
          fieldfit process <photos-dir | video> --out <data-dir> [--max-size <px>] [--frames <n>] [--matcher <kind>]
          fieldfit batch <scenes-dir | data-dir> [--template <scene>] --out <dir> [--jobs <n>] [--threads <n>] [--slurm [--submit]] | --collect <dir>
          fieldfit shapes --out <dir> [--per-family <n>] [--seed <n>]
          fieldfit classify <runs-dir> [--model mlp] [--baseline pointcloud] [--test-fraction <f>] [--epochs <n>] [--seed <n>] [--out <dir>]
          fieldfit distill <teacher-run> <student> [--method PVD|PVD-AL] [--out <dir>] [--seconds <s>] [--steps <n>] [--seed <n>]
        """,
        discussion: """
        Fits a neural field to the scene's data and writes a run folder: config.json, metrics.json, a \
        score-over-time plot, a checkpoint, and the task's outputs (image: the reconstruction and error \
        PNGs; sdf: sphere-traced renders and a marching-cubes mesh; nerf: the held-out views, eval.json \
        and rgb/depth/alpha renders). With no scene file it fits the embedded NeRF demo (coloured shapes \
        fieldfit renders itself; no files needed); `fieldfit demo-image` and `fieldfit demo-sdf` fit the \
        embedded image and SDF scenes.
        """,
        subcommands: [FitCommand.self, RenderCommand.self, ExportCommand.self, MeshCommand.self, ProcessCommand.self,
                      DistillCommand.self, BatchCommand.self, ShapesCommand.self, ClassifyCommand.self],
        defaultSubcommand: FitCommand.self)

    public init() {}

    /// One line for a parse or validation error of `command` (swift-argument-parser's message, first line).
    static func oneLine(for error: Error, as command: ParsableCommand.Type = FieldfitCommand.self) -> String {
        let message = command.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        return message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
    }
}

/// The `fieldfit` program: parses the command line, runs the command, and turns every error into one line
/// on stderr and a non-zero exit status.
public enum Fieldfit {
    /// Runs `fieldfit` with `arguments` (without the program name); returns the exit status.
    /// Errors are written to stderr.
    public static func main(_ arguments: [String]) -> Int32 {
        run(arguments) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }

    /// Runs `fieldfit` with `arguments`, handing each error line to `reportError`; returns the exit status.
    public static func run(_ arguments: [String], reportError: (String) -> Void) -> Int32 {
        do {
            var command = try FieldfitCommand.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let error as FieldError {
            reportError("fieldfit: " + error.description)
            return 1
        } catch {
            // --help, --version, a completion script: printed, not an error (the root command's own `run`
            // throws the help request too).
            let code = FieldfitCommand.exitCode(for: error)
            if code == .success {
                print(FieldfitCommand.fullMessage(for: error))
                return 0
            }
            reportError("fieldfit: " + FieldfitCommand.oneLine(for: error) + " (see fieldfit --help)")
            return code.rawValue
        }
    }
}
