import FieldIO
import Foundation

/// The list of a batch's fields, written to `OUT/batch/manifest.tsv` when a batch is planned: line `i` is field
/// `i` (index, run folder, input; tab separated). `fieldfit batch … --index I` (each child process, each Slurm
/// array task) and `fieldfit batch --collect OUT` read it, so every process sees the same list.
public enum BatchManifest {
    /// The manifest's path in the output folder `out`.
    public static func path(in out: String) -> String { (out as NSString).appendingPathComponent("batch/manifest.tsv") }

    /// Writes the manifest for `fields` (atomically).
    public static func write(_ fields: [BatchField], to out: String) throws(FieldError) {
        try FileAccess.makeFolder((path(in: out) as NSString).deletingLastPathComponent)
        var text = "# fieldfit batch manifest: index, run folder under \(out), input\n"
        for (i, field) in fields.enumerated() { text += "\(i)\t\(field.name)\t\(field.input)\n" }
        try FileAccess.writeAtomically(text, to: path(in: out))
    }

    /// The fields of the manifest in `out`.
    public static func read(from out: String) throws(FieldError) -> [BatchField] {
        let file = path(in: out)
        guard FileAccess.exists(file) else {
            throw FieldError(file: out, "is not a batch output folder (no batch/manifest.tsv); run fieldfit batch INPUTS --out \(out) first")
        }
        let text = String(decoding: try FileAccess.readBytes(file), as: UTF8.self)
        var fields: [BatchField] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, Int(parts[0]) == fields.count else {
                throw FieldError(file: file, location: "line \(n + 1)", "expected `index<TAB>run folder<TAB>input` with index \(fields.count)")
            }
            fields.append(BatchField(name: String(parts[1]), input: String(parts[2])))
        }
        return fields
    }
}
