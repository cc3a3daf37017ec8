/// A cursor over ASCII text in memory, for the line- and token-oriented mesh formats (OBJ, ASCII PLY,
/// ASCII STL): skips blanks, lines and tokens, counts lines for error messages, and parses numbers in
/// place. Valid only while the bytes it points into are alive.
struct TextScanner {
    /// The first byte of the text.
    let base: UnsafePointer<UInt8>
    /// The number of bytes.
    let count: Int
    /// The current byte offset.
    var position = 0
    /// The 1-based line of `position`.
    var line = 1

    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// Whether every byte has been consumed.
    var atEnd: Bool { position >= count }

    /// The byte `offset` bytes ahead, or 0 past the end.
    @inline(__always)
    func peek(_ offset: Int = 0) -> UInt8 {
        let i = position &+ offset
        return i < count ? base[i] : 0
    }

    /// Whether `byte` is a space, tab, vertical tab or form feed (not a line break).
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    /// Whether `byte` ends a token: blank, line break, NUL (also what `peek` gives past the end).
    @inline(__always)
    static func isDelimiter(_ byte: UInt8) -> Bool {
        byte <= 0x20
    }

    /// Whether the cursor is at a line break, a `#` comment or the end of the text.
    @inline(__always)
    var atLineEnd: Bool {
        let c = peek()
        return position >= count || c == 0x0A || c == 0x0D || c == UInt8(ascii: "#")
    }

    /// Skips spaces and tabs on the current line, and line continuations (`\` before a line break).
    @inline(__always)
    mutating func skipBlanks() {
        while position < count {
            let c = base[position]
            if TextScanner.isBlank(c) {
                position &+= 1
            } else if c == UInt8(ascii: "\\"), peek(1) == 0x0A || (peek(1) == 0x0D && peek(2) == 0x0A) {
                position &+= peek(1) == 0x0A ? 2 : 3
                line &+= 1
            } else {
                return
            }
        }
    }

    /// Moves past the next line break (or to the end).
    @inline(__always)
    mutating func skipLine() {
        while position < count {
            let c = base[position]
            position &+= 1
            if c == 0x0A { line &+= 1; return }
        }
    }

    /// Skips all whitespace, line breaks included.
    @inline(__always)
    mutating func skipWhitespace() {
        while position < count {
            let c = base[position]
            if c == 0x0A { line &+= 1 } else if !TextScanner.isDelimiter(c) { return }
            position &+= 1
        }
    }

    /// The offsets of the token at the cursor (up to the next blank or line break); moves past it.
    @inline(__always)
    mutating func token() -> Range<Int> {
        let start = position
        while position < count, !TextScanner.isDelimiter(base[position]) { position &+= 1 }
        return start..<position
    }

    /// Whether the bytes in `range` equal `word`, ignoring ASCII case (`word` must be lowercase).
    func token(_ range: Range<Int>, is word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<range.count where base[range.lowerBound &+ k] | 0x20 != w[k] { return false }
        return true
    }

    /// The token at the cursor as text for an error message (shortened when long), without moving.
    func tokenText() -> String {
        var end = position
        while end < count, !TextScanner.isDelimiter(base[end]) { end &+= 1 }
        if end == position { return atEnd ? "the end of the file" : "the end of the line" }
        let shown = min(end &- position, 24)
        let text = String(decoding: UnsafeBufferPointer(start: base + position, count: shown), as: UTF8.self)
        return "'" + text + (shown < end &- position ? "…'" : "'")
    }

    /// The text in `range` (shortened when long), for error messages.
    func text(_ range: Range<Int>) -> String {
        let shown = min(range.count, 24)
        let text = String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: shown), as: UTF8.self)
        return text + (shown < range.count ? "…" : "")
    }

    /// Parses a float token at the cursor and moves past it; nil (cursor unmoved) when the token is not
    /// exactly a number.
    @inline(__always)
    mutating func float() -> Float? {
        guard let (value, next) = DecimalParsing.parseFloat(base, from: position, to: count),
              next >= count || TextScanner.isDelimiter(base[next]) else { return nil }
        position = next
        return value
    }

    /// Parses an integer at the cursor and moves past it; nil (cursor unmoved) when none starts there.
    /// The caller checks what follows.
    @inline(__always)
    mutating func integerPrefix() -> Int? {
        guard let (value, next) = DecimalParsing.parseInteger(base, from: position, to: count) else { return nil }
        position = next
        return value
    }

    /// Parses an integer token at the cursor and moves past it; nil (cursor unmoved) when the token is not
    /// exactly an integer.
    @inline(__always)
    mutating func integer() -> Int? {
        guard let (value, next) = DecimalParsing.parseInteger(base, from: position, to: count),
              next >= count || TextScanner.isDelimiter(base[next]) else { return nil }
        position = next
        return value
    }
}
