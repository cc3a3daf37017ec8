import FieldIO
import Foundation

/// The photos of a capture folder: every PNG or JPEG file directly in it (by extension, case-insensitive),
/// sorted by name, each checked by its header; all must share one size (one camera).
struct PhotoFolder {
    /// Image paths in name order.
    let paths: [String]
    /// The one size they share.
    let width: Int, height: Int

    /// Lists and checks the photos of `folder`. Errors: no images, an unreadable image, mixed sizes.
    static func read(_ folder: String) throws(FieldError) -> PhotoFolder {
        let dir = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw FieldError(file: folder, "cannot be listed: expected a folder of photos or a video file")
        }
        let paths = names.filter { !$0.hasPrefix(".") && ImageFormat.fromExtension($0) != nil }.sorted().map { dir + "/" + $0 }
        guard !paths.isEmpty else {
            throw FieldError(file: folder, "holds no images: expected .jpg, .jpeg or .png photos directly in the folder")
        }
        var size: (width: Int, height: Int, path: String)?
        for p in paths {
            let s: (width: Int, height: Int)
            do { s = try ImageHeader.size(ofFile: p) } catch { throw FieldError(file: p, "unreadable image: \(error.message); remove it or re-export it as JPEG/PNG") }
            if let first = size, first.width != s.width || first.height != s.height {
                throw FieldError(file: p, "is \(s.width)×\(s.height) but \((first.path as NSString).lastPathComponent) is \(first.width)×\(first.height): photos of one capture must share one size (one camera); resize or remove the odd ones")
            }
            if size == nil { size = (s.width, s.height, p) }
        }
        return PhotoFolder(paths: paths, width: size!.width, height: size!.height)
    }
}
