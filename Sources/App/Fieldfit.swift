import FieldIO
import Foundation

/// The `fieldfit` command: parses the command line, runs the fit, and turns every error into one line
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
            let options = try Options.parse(arguments)
            if options.help {
                print(Options.usage)
                return 0
            }
            switch options.command {
            case .mesh(let path):
                try TrainedRun(path: path, threads: options.threads).exportMesh(options: options)
                return 0
            case .render(let path):
                try TrainedRun(path: path, threads: options.threads).render(options: options)
                return 0
            case .fit:
                break
            }
            let run: FitRun
            if let resume = options.resume {
                run = try FitRun.resume(from: resume, options: options)
            } else {
                var scene = try options.scenePath.map { (p: String) throws(FieldError) in
                    if !FileAccess.exists(p), let embedded = try EmbeddedScenes.named(p) { return embedded }
                    return try Scene.load(p)
                } ?? EmbeddedScenes.defaultScene()
                options.apply(to: &scene)
                run = try FitRun(scene: scene, quiet: options.quiet)
            }
            try run.run()
            return 0
        } catch let error as FieldError {
            reportError("fieldfit: " + error.description)
            return 1
        } catch {
            reportError("fieldfit: \(error)")
            return 1
        }
    }
}
