import FieldIO
import Foundation

/// One field of a batch: an input file and the run folder it is fitted into. The layout is a contract (issue 22;
/// `fieldfit classify` reads it): input `IN/<rel dir>/<stem>.<ext>` → run folder `OUT/<rel dir>/<stem>/`.
public struct BatchField: Equatable, Sendable {
    /// `<rel dir>/<stem>`: the run folder's path under OUT, and the field's name in the summary.
    public let name: String
    /// The input file (a scene, or a data file fitted with the template), absolute.
    public let input: String

    /// The field's run folder under `out`.
    public func runFolder(in out: String) -> String { (out as NSString).appendingPathComponent(name) }

    /// The field's input file name without its extension (the run's name for a data file).
    public var stem: String { (name as NSString).lastPathComponent }

    /// The input files under `folder` (recursively, hidden files and `excluding` left out) whose extension is one
    /// of `extensions`, sorted by name, as fields. Two inputs that would share a run folder are an error.
    public static func find(in folder: String, extensions: Set<String>, excluding: String?) throws(FieldError) -> [BatchField] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw FieldError(file: folder, "no such folder") }
        guard isFolder.boolValue else { throw FieldError(file: folder, "is a file, expected a folder of inputs") }
        guard let walk = FileManager.default.enumerator(atPath: folder) else { throw FieldError(file: folder, "cannot be read") }
        let root = (folder as NSString).standardizingPath
        let skip = excluding.map { ($0 as NSString).standardizingPath }
        var byName: [String: String] = [:]
        while let relative = walk.nextObject() as? String {
            let path = (root as NSString).appendingPathComponent(relative)
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) || path == skip {
                walk.skipDescendants()
                continue
            }
            let ext = (relative as NSString).pathExtension.lowercased()
            guard extensions.contains(ext) else { continue }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let name = (relative as NSString).deletingPathExtension
            if let other = byName[name] {
                throw FieldError(file: folder, "\(other) and \(relative) would both be fitted into \(name)/; rename one")
            }
            byName[name] = relative
        }
        return byName.keys.sorted().map { BatchField(name: $0, input: (root as NSString).appendingPathComponent(byName[$0]!)) }
    }
}
