/// Writes numbers as ASCII decimal straight into raw memory, without building Strings: the number writer
/// of the text mesh formats. Floats get the fewest of 6…9 significant digits that read back as the same
/// `Float`, so a write → read round trip is exact.
enum DecimalFormatting {
    /// The most bytes one `write(_: Float, to:)` produces (`-0.0000123456789`).
    static let maxFloatBytes = 16
    /// The most bytes one `write(_: Int, to:)` produces.
    static let maxIntegerBytes = 20

    /// 10^-64 … 10^64 as `Double`, index `k + 64` (each correctly rounded).
    static let powers: [Double] = (-64...64).map { k in Double("1e\(k)") ?? 0 }

    /// Writes `value` in decimal at `p`; returns the number of bytes written.
    @inline(__always)
    static func write(_ value: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if value < 0 {
            p[0] = UInt8(ascii: "-")
            return 1 &+ writeDigits(UInt64(value.magnitude), to: p + 1)
        }
        return writeDigits(UInt64(value), to: p)
    }

    /// Writes the decimal digits of `value` at `p`; returns the number of bytes written.
    @inline(__always)
    static func writeDigits(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 1
        var v = value
        while v >= 10 { v /= 10; n &+= 1 }
        v = value
        var i = n
        repeat {
            i &-= 1
            p[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        } while i > 0
        return n
    }

    /// Writes `value` at `p` with the fewest of 6…9 significant digits whose decimal lies strictly inside the
    /// float's rounding interval (so it reads back exactly): plain notation for magnitudes 1e-5 ..< 1e15,
    /// otherwise `d.ddde±x`; `nan`, `inf`, `-inf` as such. Returns the number of bytes written.
    static func write(_ value: Float, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var at = 0
        if value.isNaN {
            p[0] = UInt8(ascii: "n"); p[1] = UInt8(ascii: "a"); p[2] = UInt8(ascii: "n")
            return 3
        }
        if value.sign == .minus { p[0] = UInt8(ascii: "-"); at = 1 }
        if value.isInfinite {
            p[at] = UInt8(ascii: "i"); p[at &+ 1] = UInt8(ascii: "n"); p[at &+ 2] = UInt8(ascii: "f")
            return at &+ 3
        }
        if value == 0 { p[at] = UInt8(ascii: "0"); return at &+ 1 }
        let target = value.magnitude
        let a = Double(target)
        // Half-widths of the interval of reals that round to `target` (exact in Double).
        let below = (a - Double(target.nextDown)) * 0.5
        let above = target == .greatestFiniteMagnitude ? below : (Double(target.nextUp) - a) * 0.5
        // Decimal exponent k with 10^k <= a < 10^(k+1), first estimated from the binary exponent.
        var k = (Int(a.exponent) &* 78913) >> 18
        var x = 0.0  // a scaled to nine integer digits: 1e8 <= x < 1e9
        var scale = 1.0
        while true {
            scale = powers[8 &- k &+ 64]
            x = a * scale
            if x >= 1e9 { k &+= 1 } else if x < 1e8 { k &-= 1 } else { break }
        }
        // Allowed distance from x in units of the ninth digit, less a margin for the rounding error of x.
        let low = below * scale * (1 - 1e-9) - 1e-6
        let high = above * scale * (1 - 1e-9) - 1e-6
        var digits = roundToEven(x)
        if let d = nearest(x, unit: 1000, inverse: 1e-3, low: low, high: high) {
            digits = d
        } else if let d = nearest(x, unit: 100, inverse: 1e-2, low: low, high: high) {
            digits = d
        } else if let d = nearest(x, unit: 10, inverse: 1e-1, low: low, high: high) {
            digits = d
        }
        if digits >= 1e9 { digits = 1e8; k &+= 1 }  // 999 999 999.5 rounded up
        var m = UInt64(digits)
        var count = 9
        while count > 1, m % 10 == 0 { m /= 10; count &-= 1 }
        return at &+ writeLayout(digits: m, count: count, exponent: k, to: p + at)
    }

    /// The multiple of `unit` nearest to `x` when it lies within `low` below or `high` above `x`, else nil.
    @inline(__always)
    private static func nearest(_ x: Double, unit: Double, inverse: Double, low: Double, high: Double) -> Double? {
        let d = roundToEven(x * inverse) * unit
        return (d >= x ? d - x < high : x - d < low) ? d : nil
    }

    /// Writes `x y z` at `p` (one space between); returns the number of bytes written.
    @inline(__always)
    static func write(_ v: SIMD3<Float>, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var at = write(v.x, to: p)
        p[at] = 0x20
        at &+= 1
        at &+= write(v.y, to: p + at)
        p[at] = 0x20
        at &+= 1
        return at &+ write(v.z, to: p + at)
    }

    /// `x` (0 <= x < 2^52) rounded to the nearest integer, ties to even, without a library call.
    @inline(__always)
    private static func roundToEven(_ x: Double) -> Double {
        let big = 4_503_599_627_370_496.0  // 2^52
        return (x + big) - big
    }

    /// Writes the `count` digits of `digits` (value `d.ddd · 10^exponent`) in plain or exponent notation.
    @inline(__always)
    private static func writeLayout(digits: UInt64, count: Int, exponent: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if exponent >= 0, exponent < 15 {
            if count <= exponent &+ 1 {
                _ = writeDigits(digits, to: p)
                var i = count
                while i <= exponent { p[i] = UInt8(ascii: "0"); i &+= 1 }
                return exponent &+ 1
            }
            // Digits with a point inserted after exponent + 1 of them.
            _ = writeDigits(digits, to: p + 1)
            for i in 0...exponent { p[i] = p[i &+ 1] }
            p[exponent &+ 1] = UInt8(ascii: ".")
            return count &+ 1
        }
        if exponent < 0, exponent >= -5 {
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            var at = 2
            for _ in 0..<(-exponent &- 1) { p[at] = UInt8(ascii: "0"); at &+= 1 }
            return at &+ writeDigits(digits, to: p + at)
        }
        _ = writeDigits(digits, to: p + 1)
        p[0] = p[1]
        var at = 1
        if count > 1 { p[1] = UInt8(ascii: "."); at = count &+ 1 }
        p[at] = UInt8(ascii: "e")
        return at &+ 1 &+ write(exponent, to: p + at + 1)
    }
}
