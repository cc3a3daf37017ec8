import Foundation

/// A fixed-size, 64-byte-aligned, zero-initialised float array that kernels reach through a raw pointer.
///
/// Allocate these once (at setup); hand `pointer` to kernels. Never index a buffer's storage through
/// a Swift array in a hot loop.
public final class FloatBuffer: @unchecked Sendable {
    /// The first element; valid for `count` floats while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of floats.
    public let count: Int

    /// A buffer of `count` zeros.
    public init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        pointer = raw.assumingMemoryBound(to: Float.self)
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// Copies `other` (same count) into this buffer.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: size mismatch")
        pointer.update(from: other.pointer, count: count)
    }

    /// The contents as a Swift array (for tests, I/O and checkpoints, not hot loops).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Element access for tests and setup code.
    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
