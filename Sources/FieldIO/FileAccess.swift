import Foundation

/// File-system helpers that fail with one clear `FieldError` and never leave half-written files.
public enum FileAccess {
    /// The whole content of the file at `path`.
    public static func readBytes(_ path: String) throws(FieldError) -> [UInt8] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw FieldError(file: path, "no such file")
        }
        if isDir.boolValue { throw FieldError(file: path, "is a folder, expected a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FieldError(file: path, "cannot be read (permission denied?)")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FieldError) {
        try writeAtomically(path) { (tmp: String) throws(FieldError) in
            guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
                throw FieldError(file: path, "cannot be written (is the folder writable?)")
            }
        }
    }

    /// Writes UTF-8 text to `path` atomically.
    public static func writeAtomically(_ text: String, to path: String) throws(FieldError) {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// Calls `write` with a temporary path next to `path`, then renames it into place;
    /// the temporary file is removed if `write` fails.
    public static func writeAtomically(_ path: String, _ write: (String) throws(FieldError) -> Void) throws(FieldError) {
        let tmp = path + ".tmp-\(getpid())"
        do {
            try write(tmp)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            throw FieldError(file: path, "cannot be written: \(String(cString: strerror(errno)))")
        }
    }

    /// Creates `path` (and its parents) as a folder and checks it is writable.
    public static func makeFolder(_ path: String) throws(FieldError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FieldError(file: path, "cannot create the output folder (\(error.localizedDescription))")
        }
        guard access(path, W_OK) == 0 else { throw FieldError(file: path, "the output folder is not writable") }
    }

    /// Whether a file or folder exists at `path`.
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// `path` resolved against the folder of `relativeTo` unless it is absolute.
    public static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : (dir as NSString).appendingPathComponent(path)
    }
}

extension FileAccess {
    /// `path` made absolute against the current folder.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }
}
