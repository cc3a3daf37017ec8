import FieldIO
import Foundation

/// Fits one field of a batch in this process (`fieldfit batch … --index I`, what each child process and each Slurm
/// array task runs): skips a finished field, resumes an interrupted one from its checkpoint when the batch asks,
/// else starts it afresh; a failure is written to `OUT/batch/errors/<field>.txt` for the summary.
enum BatchFieldRun {
    /// Fits `field` of `job`; returns false when it was already finished.
    @discardableResult
    static func run(_ field: BatchField, job: BatchJob) throws(FieldError) -> Bool {
        let folder = field.runFolder(in: job.outFolder)
        if BatchOutcome.isFinished(folder) { return false }
        let errorFile = BatchOutcome.errorFile(for: field, in: job.outFolder)
        try? FileManager.default.removeItem(atPath: errorFile)
        do {
            let fit: FitRun
            if job.resume && FileAccess.exists(folder + "/checkpoint/state.json") && FileAccess.exists(folder + "/config.json") {
                var options = job.overrides
                options.resume = folder
                fit = try FitRun.resume(from: folder, options: options)
            } else {
                let scene = try job.scene(for: field)
                if FileAccess.exists(folder) { try? FileManager.default.removeItem(atPath: folder) }
                fit = try FitRun(scene: scene, quiet: true)
            }
            try fit.run()
        } catch {
            try? FileAccess.makeFolder((errorFile as NSString).deletingLastPathComponent)
            try? FileAccess.writeAtomically(error.description + "\n", to: errorFile)
            throw error
        }
        return true
    }
}
