import Dispatch

/// Fast conversions between integer image samples and floats in [0, 1]: raw-pointer loops, split over
/// the cores for large images (a 4k×4k RGB image is 50 M samples; touching the new pages alone is costly).
enum SampleConversion {
    /// Below this many samples conversions run on the calling thread.
    static let parallelThreshold = 1 << 20

    /// `count` 8-bit samples as floats k/255.
    static func floats(fromUInt8 source: UnsafePointer<UInt8>, count: Int) -> [Float] {
        var table = [Float](repeating: 0, count: 256)
        for k in 0..<256 { table[k] = Float(k) / 255 }
        return table.withUnsafeBufferPointer { lut in
            convert(count: count, from: source) { s, o, range in
                let l = lut.baseAddress!
                for i in range { o[i] = l[Int(s[i])] }
            }
        }
    }

    /// `count` 16-bit samples as floats k/65535.
    static func floats(fromUInt16 source: UnsafePointer<UInt16>, count: Int) -> [Float] {
        convert(count: count, from: source) { s, o, range in
            for i in range { o[i] = Float(s[i]) / 65535 }
        }
    }

    /// Clamps to [0, 1] (NaN becomes 0) and rounds to the nearest 8-bit level.
    static func uint8s(_ samples: [Float]) -> [UInt8] {
        samples.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return [] }
            return convert(count: src.count, from: base) { s, o, range in
                for i in range {
                    let v = s[i]
                    let c: Float = v > 0 ? (v < 1 ? v : 1) : 0
                    o[i] = UInt8(truncatingIfNeeded: Int32(c * 255 + 0.5))
                }
            }
        }
    }

    /// Clamps to [0, 1] (NaN becomes 0) and rounds to the nearest 16-bit level.
    static func uint16s(_ samples: [Float]) -> [UInt16] {
        samples.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return [] }
            return convert(count: src.count, from: base) { s, o, range in
                for i in range {
                    let v = s[i]
                    let c: Float = v > 0 ? (v < 1 ? v : 1) : 0
                    o[i] = UInt16(truncatingIfNeeded: Int32(c * 65535 + 0.5))
                }
            }
        }
    }

    /// A new array of `count` elements filled by `body(source, output, range)` over disjoint ranges,
    /// in parallel when the array is large.
    private static func convert<S, T>(count: Int, from source: UnsafePointer<S>,
                                      _ body: (UnsafePointer<S>, UnsafeMutablePointer<T>, Range<Int>) -> Void) -> [T] {
        if count <= 0 { return [] }
        return [T](unsafeUninitializedCapacity: count) { out, initialized in
            let output = out.baseAddress!
            if count < parallelThreshold {
                body(source, output, 0..<count)
            } else {
                let parts = 16
                let shared = UncheckedPointers(source: source, output: output)
                withoutActuallyEscaping(body) { escaping in
                    let work = UncheckedBody(body: escaping)
                    DispatchQueue.concurrentPerform(iterations: parts) { p in
                        work.body(shared.source, shared.output, (count * p / parts)..<(count * (p + 1) / parts))
                    }
                }
            }
            initialized = count
        }
    }
}

/// Pointers shared by the conversion workers, which write disjoint ranges.
private struct UncheckedPointers<S, T>: @unchecked Sendable {
    let source: UnsafePointer<S>
    let output: UnsafeMutablePointer<T>
}

/// A conversion body shared by the workers (it only reads its captures).
private struct UncheckedBody<S, T>: @unchecked Sendable {
    let body: (UnsafePointer<S>, UnsafeMutablePointer<T>, Range<Int>) -> Void
}
