/// Parses decimal numbers straight from ASCII bytes, without building Strings: the number readers of the
/// text mesh formats. Floats are correctly rounded (a fast exact path through `Double`, and the standard
/// library's parser for the rare inputs that path cannot round exactly).
enum DecimalParsing {
    /// Powers of ten exactly representable as `Double`: 10^0 … 10^22.
    static let exactPowers: [Double] = (0...22).map { k in
        var p = 1.0
        for _ in 0..<k { p *= 10 }  // exact: every intermediate power is below 2^53 · 2^22
        return p
    }

    /// Parses a float (`-1.5`, `2e-3`, `.5`, `7.`, `nan`, `inf`, `infinity`, any case) starting at `start`
    /// and ending at or before `end`. Returns the value and the index after the number, or nil when
    /// no number starts there. The caller checks what follows the number.
    @inline(__always)
    static func parseFloat(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (value: Float, next: Int)? {
        var i = start
        var negative = false
        if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i &+= 1
        }
        if i < end, p[i] | 0x20 == UInt8(ascii: "n") || p[i] | 0x20 == UInt8(ascii: "i") {
            return parseSpecial(p, from: i, to: end, negative: negative)
        }
        var mantissa: UInt64 = 0
        var significant = 0  // digits held in `mantissa`, leading zeros not counted
        var exponent = 0
        var sawDigit = false
        var inexact = false  // a nonzero digit beyond the 19 that `mantissa` holds
        while i < end {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant &+= 1 }
            } else {
                exponent &+= 1
                if d != 0 { inexact = true }
            }
            i &+= 1
        }
        if i < end, p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < end {
                let d = p[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant &+= 1 }
                    exponent &-= 1
                } else if d != 0 {
                    inexact = true
                }
                i &+= 1
            }
        }
        guard sawDigit else { return nil }
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            var j = i &+ 1
            var expNegative = false
            if j < end, p[j] == UInt8(ascii: "-") || p[j] == UInt8(ascii: "+") {
                expNegative = p[j] == UInt8(ascii: "-")
                j &+= 1
            }
            var e = 0
            var sawExpDigit = false
            while j < end {
                let d = p[j] &- UInt8(ascii: "0")
                if d > 9 { break }
                sawExpDigit = true
                if e < 100_000 { e = e &* 10 &+ Int(d) }
                j &+= 1
            }
            guard sawExpDigit else { return nil }
            exponent &+= expNegative ? -e : e
            i = j
        }
        if mantissa == 0 { return (negative ? -0.0 : 0.0, i) }
        if !inexact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            let d = exponent < 0 ? m / exactPowers[-exponent] : m * exactPowers[exponent]
            // Rounding the correctly rounded Double to Float is exact unless it lies on a Float midpoint.
            if d.bitPattern & 0x1FFF_FFFF != 0x1000_0000 {
                let f = Float(d)
                return (negative ? -f : f, i)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i &- start), as: UTF8.self)
        guard let f = Float(text) else { return nil }
        return (f, i)
    }

    /// `nan`, `inf` or `infinity` (any case) at `i`.
    private static func parseSpecial(_ p: UnsafePointer<UInt8>, from i: Int, to end: Int, negative: Bool) -> (value: Float, next: Int)? {
        func matches(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard end &- i >= n else { return false }
            let w = word.utf8Start
            for k in 0..<n where p[i &+ k] | 0x20 != w[k] { return false }
            return true
        }
        if matches("nan") { return (Float.nan, i &+ 3) }
        if matches("infinity") { return (negative ? -Float.infinity : Float.infinity, i &+ 8) }
        if matches("inf") { return (negative ? -Float.infinity : Float.infinity, i &+ 3) }
        return nil
    }

    /// Parses an integer (`42`, `-7`, `+3`) of at most 18 digits starting at `start`; returns the value and
    /// the index after it, or nil when no integer starts there or it is too long.
    @inline(__always)
    static func parseInteger(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (value: Int, next: Int)? {
        var i = start
        var negative = false
        if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i &+= 1
        }
        let first = i
        var value = 0
        while i < end {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            value = value &* 10 &+ Int(d)
            i &+= 1
        }
        guard i > first, i &- first <= 18 else { return nil }
        return (negative ? -value : value, i)
    }
}
