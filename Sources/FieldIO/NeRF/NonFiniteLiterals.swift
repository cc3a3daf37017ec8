/// Python's `json` module writes NaN and infinities as bare `NaN`, `Infinity`, `-Infinity`, which is
/// not JSON. Before parsing a transforms.json these tokens (outside strings) are turned into the strings
/// `"NaN"`, `"Infinity"`, `"-Infinity"`, so the reader can reject them naming the frame and key rather
/// than failing with a bare syntax error.
enum NonFiniteLiterals {
    /// `text` with bare NaN / Infinity tokens quoted.
    static func quoted(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0, inString = false
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                out.append(b)
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
                if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true; out.append(b); i += 1; continue }
            if let t = tokens.first(where: { i + $0.count <= bytes.count && Array(bytes[i..<(i + $0.count)]) == $0 }) {
                out.append(UInt8(ascii: "\"")); out += t; out.append(UInt8(ascii: "\""))
                i += t.count
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
