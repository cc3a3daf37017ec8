import ArgumentParser
import FieldIO
import Foundation

/// `fieldfit batch INPUTS --out OUT [options]`: fits many fields — the scene files under INPUTS, or its data files
/// (meshes, images) with `--template` — on this machine (`--jobs` at a time, each a child process) or as a Slurm job
/// array (`--slurm`, `--submit`); `fieldfit batch --collect OUT` gathers the results. See docs/batch.md.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Fit many fields: a folder of scenes, or of meshes/images with a template (locally in parallel, or on Slurm).",
        discussion: """
        Input IN/<dir>/<stem>.<ext> is fitted into the run folder OUT/<dir>/<stem>/. Finished fields (a complete \
        metrics.json) are skipped, so a batch can be rerun after an interruption; --resume continues interrupted fields \
        from their checkpoint. The summary (per field: status, headline score, training and wall seconds; fields per \
        hour) is printed and written to OUT/summary.md and OUT/summary.json.
        """)

    @Argument(help: ArgumentHelp("A folder of scene files (*.json), or of data files (meshes: .obj .ply .stl; images: .png .jpg) with --template; searched recursively.",
                                 valueName: "inputs"))
    var inputs: String?

    @Option(help: ArgumentHelp("The scene each data file is fitted with: its data file (sdf: data.mesh, image: data.image) is replaced.", valueName: "scene.json"))
    var template: String?

    @OptionGroup var overrides: FitOverrides

    @Option(help: ArgumentHelp("Fields fitted at once on this machine (default: cores / threads); with --slurm, the most array tasks at once.", valueName: "n"))
    var jobs: Int?

    @Flag(help: "Continue interrupted fields from their checkpoint (default: start them again).")
    var resume = false

    @Option(help: ArgumentHelp("Fit only field I of OUT/batch/manifest.tsv in this process (what each child process and Slurm task runs).", valueName: "i"))
    var index: Int?

    @Flag(help: "Write OUT/slurm/fieldfit-batch.sbatch, a Slurm job array with one task per field, instead of fitting here.")
    var slurm = false

    @Flag(help: "With --slurm: also submit the job array with sbatch and print its job id.")
    var submit = false

    @Option(help: ArgumentHelp("sbatch --partition.", valueName: "name"))
    var partition: String?

    @Option(help: ArgumentHelp("sbatch --time: each task's time limit (minutes, or HH:MM:SS).", valueName: "limit"))
    var time: String?

    @Option(help: ArgumentHelp("sbatch --cpus-per-task (default: --threads).", valueName: "n"))
    var cpusPerTask: Int?

    @Option(help: ArgumentHelp("sbatch --mem: memory per task, e.g. 4G.", valueName: "size"))
    var mem: String?

    @Option(help: ArgumentHelp("Gather the finished runs of the batch in this output folder into its summary (after a Slurm array).", valueName: "out"))
    var collect: String?

    @Option(help: ArgumentHelp("The fieldfit executable the child processes and Slurm tasks run (default: this one).", valueName: "path"))
    var executable: String?

    func validate() throws {
        if let collect {
            if inputs != nil || overrides.outputFolder != nil {
                throw ValidationError("--collect: give only the output folder: fieldfit batch --collect \(collect)")
            }
            return
        }
        guard inputs != nil else { throw ValidationError("missing the folder of inputs: fieldfit batch INPUTS --out OUT") }
        guard overrides.outputFolder != nil else { throw ValidationError("--out: missing: say where the run folders go") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs: expected a positive integer, got \(jobs)") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task: expected a positive integer, got \(cpusPerTask)") }
        if let index, index < 0 { throw ValidationError("--index: expected a field index ≥ 0, got \(index)") }
        if submit && !slurm { throw ValidationError("--submit: only with --slurm") }
        if index != nil && slurm { throw ValidationError("--index: not with --slurm (the array's tasks pass it)") }
        if !slurm && (partition != nil || time != nil || cpusPerTask != nil || mem != nil) {
            throw ValidationError("--partition, --time, --cpus-per-task, --mem: only with --slurm")
        }
    }

    /// Threads per field and fields at once: N·T = cores unless given.
    func parallelism(cores: Int) -> (jobs: Int, threads: Int) {
        switch (jobs, overrides.worker.threads) {
        case let (n?, t?): return (n, t)
        case let (n?, nil): return (n, max(1, cores / n))
        case let (nil, t?): return (max(1, cores / t), t)
        case (nil, nil): return (cores, 1)
        }
    }

    /// The batch the command line describes.
    func makeJob(threads: Int) -> BatchJob {
        var options = Options()
        overrides.apply(to: &options)
        return BatchJob(inputFolder: FileAccess.absolute(inputs!), template: template.map(FileAccess.absolute),
                        outFolder: FileAccess.absolute(options.outputFolder!), steps: options.steps, seconds: options.seconds,
                        seed: options.seed, threads: threads, resume: resume,
                        executable: executable.map(FileAccess.absolute) ?? BatchJob.currentExecutable)
    }

    func run() throws {
        if let collect { return try collectSummary(FileAccess.absolute(collect)) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let (jobs, threads) = parallelism(cores: cores)
        let job = makeJob(threads: slurm ? (overrides.worker.threads ?? 1) : threads)
        if let index {
            // A local batch ignores SIGINT/SIGTERM while it runs its children (and starts them from threads that block
            // signals); both survive exec, so a field's process takes the signals back (an empty mask, as a shell gives), for the batch (or anyone) to stop it.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            var all = sigset_t()
            sigfillset(&all)
            sigprocmask(SIG_UNBLOCK, &all, nil)
            let fields = try BatchManifest.read(from: job.outFolder)
            guard index < fields.count else {
                throw FieldError(file: BatchManifest.path(in: job.outFolder), location: "--index", "expected 0...\(fields.count - 1), got \(index)")
            }
            let fitted = try BatchFieldRun.run(fields[index], job: job)
            if !fitted && !overrides.worker.quiet {
                print("fieldfit batch: \(fields[index].name): already finished, skipped")
            }
            return
        }
        let fields = try job.findFields()
        try FileAccess.makeFolder(job.outFolder)
        try BatchManifest.write(fields, to: job.outFolder)
        if slurm { return try writeSlurm(job, fields: fields) }

        if !overrides.worker.quiet {
            print("fieldfit batch: \(fields.count) field\(fields.count == 1 ? "" : "s"), \(jobs) at a time × \(threads) thread\(threads == 1 ? "" : "s") → \(job.outFolder)")
        }
        let start = Date()
        let outcomes = BatchRunner(job: job, fields: fields, jobs: jobs, quiet: overrides.worker.quiet).run()
        let summary = BatchSummary(outcomes: outcomes, batchWallSeconds: Date().timeIntervalSince(start),
                                   parallelism: "\(jobs) at a time × \(threads) thread\(threads == 1 ? "" : "s")")
        try finish(summary, out: job.outFolder)
    }

    /// Writes the Slurm script (and submits it with --submit).
    func writeSlurm(_ job: BatchJob, fields: [BatchField]) throws(FieldError) {
        let array = SlurmJobArray(job: job, tasks: fields.count, maxRunning: jobs, partition: partition, time: time,
                                  cpusPerTask: cpusPerTask, memory: mem)
        try array.write()
        let s = fields.count == 1 ? "" : "s"
        print("fieldfit batch: \(fields.count) field\(s) → \(array.scriptPath) (a job array of \(fields.count) task\(s); fields listed in \(BatchManifest.path(in: job.outFolder)))")
        if submit {
            let id = try array.submit()
            print("fieldfit batch: submitted job array \(id); when it is done: fieldfit batch --collect \(job.outFolder)")
        } else {
            print("fieldfit batch: submit with: sbatch \(array.scriptPath); then: fieldfit batch --collect \(job.outFolder)")
        }
    }

    /// `--collect OUT`: the summary of the fields' runs as they stand.
    func collectSummary(_ out: String) throws(FieldError) {
        let fields = try BatchManifest.read(from: out)
        let outcomes = fields.map { BatchOutcome.read($0, in: out) }
        try finish(BatchSummary(outcomes: outcomes, batchWallSeconds: nil, parallelism: "collected"), out: out)
    }

    /// Prints and writes the summary; an error line when fields failed or are missing.
    func finish(_ summary: BatchSummary, out: String) throws(FieldError) {
        try summary.write(to: out)
        print("")
        print(summary.markdown, terminator: "")
        print("fieldfit batch: summary → \((out as NSString).appendingPathComponent("summary.md")), summary.json")
        let notDone = summary.outcomes.count - summary.count("done")
        if notDone > 0 {
            let names = summary.outcomes.filter { $0.statusKey != "done" }.prefix(5).map { "\($0.name) (\($0.statusText))" }
            throw FieldError(file: out, "\(notDone) of \(summary.outcomes.count) fields not done: \(names.joined(separator: ", "))\(notDone > 5 ? ", …" : "")")
        }
    }
}
