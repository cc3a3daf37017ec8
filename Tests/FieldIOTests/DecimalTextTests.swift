import Testing
@testable import FieldIO

/// The in-place decimal number parser and writer behind the text mesh formats.
@Suite struct DecimalTextTests {
    func parse(_ s: String) -> Float? {
        let bytes = Array(s.utf8)
        return bytes.withUnsafeBufferPointer { b -> Float? in
            guard let base = b.baseAddress, let (v, next) = DecimalParsing.parseFloat(base, from: 0, to: b.count), next == b.count else { return nil }
            return v
        }
    }

    func format(_ x: Float) -> String {
        String(decoding: [UInt8](unsafeUninitializedCapacity: 32) { b, n in n = DecimalFormatting.write(x, to: b.baseAddress!) }, as: UTF8.self)
    }

    @Test func parsesLikeTheStandardLibrary() {
        let cases = ["0", "-0", "1", "+2.5", "-.5", "7.", "1e3", "1E-3", "2.5e+2", "0.1", "3.4028235e38", "1.17549435e-38",
                     "1e-45", "123456789012345678901234567890", "0.000000000000000000000000000001", "16777217", "1.00000005960464477539062501",
                     "0.30000001192092896", "9007199254740993", "1e39", "-1e39", "1e-50"]
        for c in cases {
            #expect(parse(c)?.bitPattern == Float(c)?.bitPattern, "\(c)")
        }
        for i in 0..<5000 {
            let s = "\(Double(sample(i)) * 2000 - 1000)e\(Int(sample(i, seed: 9) * 20) - 10)"
            #expect(parse(s)?.bitPattern == Float(s)?.bitPattern, "\(s)")
        }
        #expect(parse("nan")?.isNaN == true)
        #expect(parse("-Infinity") == -.infinity)
        #expect(parse("INF") == .infinity)
    }

    @Test func rejectsMalformedNumbers() {
        for s in ["", "-", ".", "e5", "1e", "1e+", "--1", "nanx", "in"] {
            #expect(parse(s) == nil, "\(s)")
        }
    }

    @Test func writesShortExactText() {
        #expect(format(0) == "0")
        #expect(format(-0.0) == "-0")
        #expect(format(0.1) == "0.1")
        #expect(format(-2.5) == "-2.5")
        #expect(format(100) == "100")
        #expect(format(1e-5) == "0.00001")
        #expect(format(1e-6) == "1e-6")
        #expect(format(1e15) == "1e15")
        #expect(format(123456792) == "123456790")
        #expect(format(.greatestFiniteMagnitude) == "3.4028235e38")
        #expect(format(.infinity) == "inf")
        #expect(format(-.infinity) == "-inf")
        #expect(format(.nan) == "nan")
        for i in 0..<20000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: Int(sample(i) * 4.2e9)))
            guard x.isFinite else { continue }
            let text = format(x)
            #expect(text.utf8.count <= DecimalFormatting.maxFloatBytes)
            #expect(Float(text)?.bitPattern == x.bitPattern, "\(x) → \(text)")
            #expect(parse(text)?.bitPattern == x.bitPattern, "\(x) → \(text)")
        }
    }

    @Test func writesIntegers() {
        for i in [0, 7, -7, 10, 99, 123456789, Int.max, Int.min + 1] {
            let s = String(decoding: [UInt8](unsafeUninitializedCapacity: 32) { b, n in n = DecimalFormatting.write(i, to: b.baseAddress!) }, as: UTF8.self)
            #expect(s == String(i))
        }
    }
}
