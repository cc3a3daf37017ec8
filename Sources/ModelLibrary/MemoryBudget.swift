import FieldIO
import Foundation

/// Refuses allocations that cannot fit in this machine's memory, with a message that says how much was asked.
public enum MemoryBudget {
    /// Physical memory of this machine in bytes.
    public static var physicalBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Throws when `bytes` exceed 90 % of physical memory.
    public static func check(bytes: Double, what: String, file: String, location: String) throws(FieldError) {
        guard bytes > 0.9 * physicalBytes else { return }
        throw FieldError(file: file, location: location,
                         "\(what) needs \(gib(bytes)), more than this machine's \(gib(physicalBytes)) of memory")
    }

    /// Bytes as "12.3 GiB".
    public static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }
}
