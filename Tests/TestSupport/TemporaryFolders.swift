import Foundation

/// Temporary folders for tests, all inside one folder per test process that is removed when the process
/// exits, so a test run leaves nothing behind in the system's temporary directory.
public enum TemporaryFolders {
    /// This process's folder, created on first use and registered for removal at exit.
    public static let root: String = {
        let path = NSTemporaryDirectory() + "fieldfit-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        removalPath = path
        atexit {
            if let path = TemporaryFolders.removalPath { try? FileManager.default.removeItem(atPath: path) }
        }
        return path
    }()

    /// The folder `atexit` removes (a static, since a C exit handler captures nothing).
    nonisolated(unsafe) static var removalPath: String?

    /// A fresh, empty folder named after `name` (letters and digits kept).
    public static func make(_ name: String) -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let path = root + "/\(clean)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes a folder `make` gave (at once, rather than at exit).
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
