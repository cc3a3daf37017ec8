import Testing
@testable import FieldIO

@Suite struct JSONTests {
    func parseError(_ text: String) -> FieldError? {
        caught { () throws(FieldError) in try JSONParser.parse(text, file: "scene.json") }
    }

    @Test func syntaxErrorReportsLineAndColumn() {
        let error = parseError("{\n  \"a\": 1,\n  \"b\": tru\n}")
        #expect(error?.file == "scene.json")
        #expect(error?.location == "line 3, column 8")
        #expect(error?.description.hasPrefix("scene.json: line 3, column 8: JSON syntax error") == true)
        #expect(parseError("{\"a\": 1,}")?.location == "line 1, column 9")
        #expect(parseError("{\"é→\": x}")?.location == "line 1, column 8")  // columns count characters, not bytes
        #expect(parseError("[1, 2")?.message.contains("expected ',' or ']'") == true)
        #expect(parseError("{\"a\": 1} x")?.message.contains("after the JSON value") == true)
        #expect(parseError("")?.message.contains("end of file") == true)
        #expect(parseError("{\"a\": 1, \"a\": 2}")?.message.contains("duplicate key 'a'") == true)
        #expect(parseError("\"tab\there\"") != nil)
        #expect(parseError("1.") != nil && parseError("-") != nil && parseError("1e") != nil)
    }

    @Test func objectsKeepKeyOrder() throws {
        let value = try JSONParser.parse(#"{"zeta": 1, "alpha": 2, "mid": {"b": 1, "a": 2}}"#)
        guard case .object(let members) = value, case .object(let inner)? = value["mid"] else {
            Issue.record("not an object"); return
        }
        #expect(members.map(\.key) == ["zeta", "alpha", "mid"])
        #expect(inner.map(\.key) == ["b", "a"])
        let text = JSONWriter.string(value)
        #expect(try JSONParser.parse(text) == value)
        #expect(text.firstRange(of: "zeta")!.lowerBound < text.firstRange(of: "alpha")!.lowerBound)
    }

    @Test func integersAreToldFromOtherNumbers() throws {
        let value = try JSONParser.parse(#"[1, -7, 1.0, 2e3, 0.5, 12345678901]"#)
        guard case .array(let items) = value else { Issue.record("not an array"); return }
        let flags = items.map { item -> Bool? in if case .number(_, let isInteger) = item { return isInteger }; return nil }
        #expect(flags == [true, true, false, false, false, true])
        #expect(items[5] == .number(12345678901, isInteger: true))
        #expect(JSONWriter.string(.array([.int(3), .double(2.5), .double(4)])) == "[3, 2.5, 4]\n")
        #expect(items[0].kindDescription == "an integer" && items[2].kindDescription == "a number")
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""caf\u00e9 \u2192 \"q\" \\ \/ \n""#) == .string("café → \"q\" \\ / \n"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse("\"héllo ✓\"") == .string("héllo ✓"))
        #expect(parseError(#""\u12""#) != nil)
        #expect(parseError(#""\uD800""#) != nil)           // a lone high surrogate
        #expect(parseError(#""\uDC00""#) != nil)           // a lone low surrogate
        #expect(parseError(#""\uD800\u0041""#) != nil)     // a high surrogate followed by a non-surrogate
        #expect(parseError(#""\x""#) != nil)
        // The writer escapes what must be escaped and reads back the same string.
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} é"
        #expect(try JSONParser.parse(JSONWriter.string(.string(tricky))) == .string(tricky))
    }

    @Test func literalsAndNesting() throws {
        #expect(try JSONParser.parse(" [true, false, null] ") == .array([.bool(true), .bool(false), .null]))
        #expect(parseError("[nul]") != nil)
        #expect(parseError(String(repeating: "[", count: 600) + String(repeating: "]", count: 600))?.message.contains("too deep") == true)
    }

    @Test func parseFileNamesTheFile() {
        let dir = temporaryFolder()
        let path = writeBytes(dir, "bad.json", Array("{\"a\": }".utf8))
        let error = caught { () throws(FieldError) in try JSONParser.parse(file: path) }
        #expect(error?.description.hasPrefix(path + ": line 1, column 7") == true, "\(String(describing: error))")
        let missing = caught { () throws(FieldError) in try JSONParser.parse(file: dir + "/none.json") }
        #expect(missing?.description == dir + "/none.json: no such file")
        let binary = writeBytes(dir, "bin.json", [0xFF, 0xFE, 0x00])
        #expect(caught { () throws(FieldError) in try JSONParser.parse(file: binary) }?.description.contains("UTF-8") == true)
    }
}

@Suite struct ConfigObjectTests {
    func config(_ text: String) throws(FieldError) -> ConfigObject {
        try ConfigObject(try JSONParser.parse(text, file: "scene.json"), file: "scene.json")
    }

    @Test func unknownKeyNamesItsPathAndFile() throws {
        let root = try config(#"{"encoding": {"otype": "HashGrid", "n_levelz": 16}, "steps": 10}"#)
        _ = try root.int("steps")
        let encoding = try #require(try root.object("encoding"))
        _ = try encoding.string("otype")
        let error = caught { () throws(FieldError) in try encoding.finish() }
        #expect(error?.description == "scene.json: encoding.n_levelz: unknown key")
        #expect(caught { () throws(FieldError) in try root.finish() } == nil)
    }

    @Test func keysMatchCaseInsensitivelyAndValuesAreChecked() throws {
        let root = try config(#"{"OType": "adam", "n": 2.5, "k": 3, "flag": 1, "list": [1], "name": null}"#)
        #expect(try root.choice("otype", ["Adam", "SGD"], default: "SGD") == "Adam")
        #expect(caught { () throws(FieldError) in try root.int("n") }?.description == "scene.json: n: expected an integer, got 2.5")
        #expect(try root.int("k", default: 0, in: 1...5) == 3)
        let outOfRange = caught { () throws(FieldError) in try root.int("k", default: 0, in: 4...5) }
        #expect(outOfRange?.location == "k")
        #expect(caught { () throws(FieldError) in try root.bool("flag", default: false) }?.message.contains("true or false") == true)
        #expect(try root.array("list")?.count == 1)
        #expect(try root.string("name") == nil)
        #expect(try root.double("missing", default: 1.5) == 1.5)
        #expect(caught { () throws(FieldError) in try config("[1]") }?.message.contains("expected an object") == true)
    }
}
