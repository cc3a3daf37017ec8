import FieldIO
import Foundation
import TensorCore

/// Runs a batch's fields on this machine, `jobs` at a time, each as a child process of the fieldfit executable
/// (`fieldfit batch … --index I`), so that a crash or a bad input ends that field only. Each child's output goes
/// to `OUT/batch/logs/<field>.log`; one line is printed per finished field. Foundation starts each child in its own
/// process group, so Ctrl-C (SIGINT) or SIGTERM reaches only the batch: it stops the running children and exits;
/// a rerun continues (finished fields are kept, checkpoints are written atomically).
final class BatchRunner: @unchecked Sendable {
    let job: BatchJob
    let fields: [BatchField]
    let jobs: Int
    let quiet: Bool
    private let lock = NSLock()
    private var queue: [Int]
    private var outcomes: [Int: BatchOutcome] = [:]
    private var finishedCount = 0
    /// The children running now (for stopping them on SIGINT/SIGTERM).
    private var running: Set<Int32> = []

    init(job: BatchJob, fields: [BatchField], jobs: Int, quiet: Bool) {
        (self.job, self.fields, self.jobs, self.quiet) = (job, fields, jobs, quiet)
        queue = []
    }

    /// Runs every field that is not finished; returns the outcome of each field, in order.
    func run() -> [BatchOutcome] {
        var pending: [Int] = []
        for (i, field) in fields.enumerated() {
            var outcome = BatchOutcome.read(field, in: job.outFolder)
            if case .done = outcome.status {
                outcome.status = .done(earlier: true)
                outcomes[i] = outcome
            } else {
                pending.append(i)
            }
        }
        if !quiet && !outcomes.isEmpty {
            print("fieldfit batch: \(outcomes.count) of \(fields.count) fields already finished, skipped")
        }
        queue = pending.reversed()
        let total = pending.count
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { self.stop(signal: number) }
            source.resume()
            return source
        }
        defer {
            for source in signals { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        // One thread per worker (each waits on its child): the global dispatch queue may run fewer than `jobs` at once.
        let group = DispatchGroup()
        for _ in 0..<min(jobs, total) {
            group.enter()
            Thread {
                self.work(total: total)
                group.leave()
            }.start()
        }
        group.wait()
        return fields.indices.map { outcomes[$0]! }
    }

    /// Stops the running children (SIGTERM) and exits as a process killed by `signal` would.
    private func stop(signal number: Int32) {
        lock.lock()
        for pid in running { kill(pid, SIGTERM) }
        let stopped = running.count
        FileHandle.standardError.write(Data("fieldfit batch: interrupted: stopped \(stopped) running field\(stopped == 1 ? "" : "s"); run the batch again to continue (--resume: from their checkpoints)\n".utf8))
        exit(128 + number)
    }

    /// One worker: takes the next field until none is left.
    private func work(total: Int) {
        while true {
            lock.lock()
            let next = queue.popLast()
            lock.unlock()
            guard let index = next else { return }
            let outcome = runChild(index)
            lock.lock()
            finishedCount += 1
            outcomes[index] = outcome
            if !quiet { print("fieldfit batch: [\(finishedCount)/\(total)] \(outcome.progressText)"); fflush(nil) }
            lock.unlock()
        }
    }

    /// Runs field `index` in a child process and reads its outcome.
    private func runChild(_ index: Int) -> BatchOutcome {
        let field = fields[index]
        let log = (job.outFolder as NSString).appendingPathComponent("batch/logs/\(field.name).log")
        let start = monotonicSeconds()
        let failure: String?
        do {
            failure = try runProcess(arguments: job.fieldArguments(index: index), log: log)
        } catch {
            failure = error.description
        }
        var outcome = BatchOutcome.read(field, in: job.outFolder)
        outcome.wallSeconds = monotonicSeconds() - start
        if let failure {
            switch outcome.status {
            case .done, .failed: break
            case .interrupted, .missing:
                // A crash, or an exit the child could not explain in its error file.
                outcome.status = .failed(failure)
                let errorFile = BatchOutcome.errorFile(for: field, in: job.outFolder)
                try? FileAccess.makeFolder((errorFile as NSString).deletingLastPathComponent)
                try? FileAccess.writeAtomically(failure + "\n", to: errorFile)
            }
        }
        return outcome
    }

    /// Runs the executable with `arguments`, its output to `log`; nil when it exits 0, else why it failed.
    private func runProcess(arguments: [String], log: String) throws(FieldError) -> String? {
        try FileAccess.makeFolder((log as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) else {
            throw FieldError(file: log, "cannot be written (is the folder writable?)")
        }
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: job.executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw FieldError(file: job.executable, "cannot be started: \(error.localizedDescription)")
        }
        lock.lock()
        running.insert(process.processIdentifier)
        lock.unlock()
        process.waitUntilExit()
        lock.lock()
        running.remove(process.processIdentifier)
        lock.unlock()
        if process.terminationReason == .uncaughtSignal {
            return "crashed (signal \(process.terminationStatus)); see \(log)"
        }
        if process.terminationStatus != 0 {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return ExternalTool.lastMessage(output).replacingOccurrences(of: "fieldfit: ", with: "", options: .anchored)
        }
        return nil
    }
}
