import FieldIO
import Foundation

/// A batch as a Slurm job array: `OUT/slurm/fieldfit-batch.sbatch`, one array task per field of the manifest, each
/// running `fieldfit batch … --index $SLURM_ARRAY_TASK_ID` (the command a local batch gives its child processes),
/// so the same command runs unchanged on a cluster. `--submit` hands the script to `sbatch`.
public struct SlurmJobArray: Equatable, Sendable {
    /// The batch each task runs a field of.
    public var job: BatchJob
    /// Array tasks (fields).
    public var tasks: Int
    /// At most this many tasks at once (Slurm's `%N`; nil: as many as the cluster gives).
    public var maxRunning: Int?
    /// sbatch options: partition, time limit (`HH:MM:SS` or minutes), CPUs per task (default: the fit's threads),
    /// memory per task (`4G`), the job's name.
    public var partition: String?
    public var time: String?
    public var cpusPerTask: Int?
    public var memory: String?
    public var jobName = "fieldfit-batch"

    /// The script's path in the batch's output folder.
    public var scriptPath: String { (job.outFolder as NSString).appendingPathComponent("slurm/fieldfit-batch.sbatch") }
    /// Where each task's output goes (`%a`: the array index).
    public var logPattern: String { (job.outFolder as NSString).appendingPathComponent("slurm/logs/task-%a.out") }

    /// The sbatch script.
    public var script: String {
        var lines = ["#!/bin/bash", "# fieldfit batch as a Slurm job array: one task per field of \(BatchManifest.path(in: job.outFolder)).",
                     "#SBATCH --job-name=\(jobName)",
                     "#SBATCH --array=0-\(tasks - 1)" + (maxRunning.map { "%\($0)" } ?? ""),
                     "#SBATCH --cpus-per-task=\(cpusPerTask ?? job.threads)",
                     "#SBATCH --ntasks=1",
                     "#SBATCH --output=\(logPattern)"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let memory { lines.append("#SBATCH --mem=\(memory)") }
        let command = ([job.executable] + job.fieldArguments(index: 0).dropLast()).map(SlurmJobArray.shellQuoted)
        lines.append("exec " + command.joined(separator: " ") + " \"$SLURM_ARRAY_TASK_ID\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the script (atomically, executable) and the folder for the tasks' logs.
    public func write() throws(FieldError) {
        try FileAccess.makeFolder((logPattern as NSString).deletingLastPathComponent)
        try FileAccess.writeAtomically(script, to: scriptPath)
        chmod(scriptPath, 0o755)
    }

    /// Runs `sbatch --parsable` on the script; returns the job id.
    public func submit() throws(FieldError) -> String {
        guard let path = ExternalTool.locate("sbatch") else {
            throw FieldError(file: "sbatch", "not found on PATH: --submit needs Slurm's client (apt-get install slurm-client); or run sbatch \(scriptPath) where Slurm is")
        }
        let sbatch = ExternalTool(name: "sbatch", path: path)
        let result = try sbatch.run(["--parsable", scriptPath])
        guard result.status == 0 else {
            throw FieldError(file: "sbatch", "failed (exit \(result.status)): \(ExternalTool.lastMessage(result.output))")
        }
        let id = result.output.split(whereSeparator: \.isNewline).last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw FieldError(file: "sbatch", "printed no job id: \(ExternalTool.lastMessage(result.output))")
        }
        return id
    }

    /// `s` as one shell word: kept as is when it is plain, else in single quotes.
    static func shellQuoted(_ s: String) -> String {
        let plain = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
        return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
