import Foundation
import Testing
@testable import FieldIO

@Suite struct SafeTensorsTests {
    /// Assembles a safetensors file from a header text and data bytes, as another program might write it.
    func file(header: String, data: [UInt8]) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) }
        out += h
        return out + data
    }

    func decodeError(_ bytes: [UInt8]) -> FieldError? {
        caught { () throws(FieldError) in try SafeTensors.decode(bytes, file: "m.safetensors") }
    }

    @Test func roundTripKeepsValuesOrderAndMetadata() throws {
        let dir = temporaryFolder()
        let path = dir + "/model.safetensors"
        let floats: [Float] = [0, -1.5, .pi, 1e-30, .greatestFiniteMagnitude, -0.0]
        let tensors = [
            SafeTensor(name: "z.weights", floats: floats, shape: [2, 3]),
            SafeTensor(name: "a.counts", uint32s: [0, 1, 4_000_000_000], shape: [3]),
            SafeTensor(name: "m.offsets", int32s: [-5, 7], shape: [2]),
            SafeTensor(name: "empty", floats: [], shape: [0, 4]),
            SafeTensor(name: "scalar", floats: [42], shape: []),
        ]
        try SafeTensors.write(tensors, metadata: ["format": "fieldfit", "step": "12"], to: path)
        let bytes = try FileAccess.readBytes(path)
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))
        let back = try SafeTensors.read(path)
        #expect(back.order == ["z.weights", "a.counts", "m.offsets", "empty", "scalar"])
        #expect(back.metadata == ["format": "fieldfit", "step": "12"])
        for t in tensors { #expect(back.tensors[t.name] == t) }
        #expect(back.tensors["z.weights"]!.floats.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(back.tensors["a.counts"]!.uint32s == [0, 1, 4_000_000_000])
        #expect(try back.tensors["a.counts"]!.uint32Values(file: path) == [0, 1, 4_000_000_000])
        #expect(back.tensors["m.offsets"]!.int32s == [-5, 7])
        #expect(back.tensors["m.offsets"]!.uint32s == nil)
        #expect(back.tensors["scalar"]!.elementCount == 1)
        #expect(try back.tensors["z.weights"]!.floatValues(file: path).count == 6)
        let wrongType = caught { () throws(FieldError) in try back.tensors["a.counts"]!.floatValues(file: path) }
        #expect(wrongType?.description.contains("a.counts") == true && wrongType?.description.contains(path) == true)
        let notUnsigned = caught { () throws(FieldError) in try back.tensors["z.weights"]!.uint32Values(file: path) }
        #expect(notUnsigned?.description.contains("F32") == true)
    }

    @Test func readsEveryElementType() throws {
        // F16 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal); BF16 1.0; F64 0.1; I64 -3; U8 7 and 255;
        // I8 -1; U16 65535; I16 -2; U64 9; BOOL 1.
        let data: [UInt8] =
            [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00] +                  // F16 × 4   [0, 8)
            [0x80, 0x3F] +                                                      // BF16       [8, 10)
            Array(withUnsafeBytes(of: (0.1).bitPattern.littleEndian, Array.init)) +  // F64 [10, 18)
            Array(withUnsafeBytes(of: Int64(-3).littleEndian, Array.init)) +   // I64        [18, 26)
            [7, 255] + [0xFF] + [0xFF, 0xFF] + [0xFE, 0xFF] +                   // U8 [26,28) I8 [28,29) U16 [29,31) I16 [31,33)
            [9, 0, 0, 0, 0, 0, 0, 0] + [1]                                      // U64 [33,41) BOOL [41,42)
        let header = #"""
        {"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},
         "d":{"dtype":"F64","shape":[1],"data_offsets":[10,18]},"l":{"dtype":"I64","shape":[1],"data_offsets":[18,26]},
         "u":{"dtype":"U8","shape":[2],"data_offsets":[26,28]},"i8":{"dtype":"I8","shape":[],"data_offsets":[28,29]},
         "u16":{"dtype":"U16","shape":[1],"data_offsets":[29,31]},"i16":{"dtype":"I16","shape":[1],"data_offsets":[31,33]},
         "u64":{"dtype":"U64","shape":[1],"data_offsets":[33,41]},"bool":{"dtype":"BOOL","shape":[1],"data_offsets":[41,42]}}
        """#
        let t = try SafeTensors.decode(file(header: header, data: data), file: "all.safetensors").tensors
        #expect(t["h"]!.floats == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
        #expect(t["b"]!.floats == [1])
        #expect(t["d"]!.floats == [Float(0.1)])
        #expect(t["l"]!.floats == [-3] && t["l"]!.int32s == [-3] && t["l"]!.uint32s == nil)
        #expect(t["u"]!.uint32s == [7, 255] && t["u"]!.floats == [7, 255])
        #expect(t["i8"]!.int32s == [-1] && t["i8"]!.shape == [])
        #expect(t["u16"]!.uint32s == [65535] && t["i16"]!.int32s == [-2])
        #expect(t["u64"]!.uint32s == [9] && t["bool"]!.uint32s == [1])
        #expect(t["h"]!.int32s == nil)
    }

    @Test func halfFloatSpecialValues() {
        #expect(HalfFloat.float(fromBits: 0x7C00) == .infinity)
        #expect(HalfFloat.float(fromBits: 0xFC00) == -.infinity)
        #expect(HalfFloat.float(fromBits: 0x7E00).isNaN)
        #expect(HalfFloat.float(fromBits: 0x8000) == 0 && HalfFloat.float(fromBits: 0x8000).sign == .minus)
        #expect(HalfFloat.float(fromBits: 0x3555) == Float(1024 + 0x155) / 4096)  // (1 + 341/1024) · 2^-2
        #expect(HalfFloat.float(fromBits: 0x03FF) == Float(1023) * Float(sign: .plus, exponent: -24, significand: 1))
    }

    @Test func malformedFiles() throws {
        let good = try SafeTensors.encode([SafeTensor(name: "w", floats: [1, 2, 3, 4], shape: [4])])
        // Truncated: shorter than the length field, cut in the header, cut in the data.
        #expect(decodeError([1, 2, 3])?.description.contains("truncated") == true)
        #expect(decodeError(Array(good[0..<20]))?.description.contains("truncated") == true)
        let cutData = decodeError(Array(good[0..<(good.count - 4)]))
        #expect(cutData?.description.contains("w") == true && cutData?.description.contains("truncated") == true)
        // A header length beyond any sane size (e.g. a text file).
        #expect(decodeError(Array("hello world, not tensors".utf8))?.description.contains("m.safetensors") == true)
        // Bad JSON in the header.
        let badJSON = decodeError(file(header: #"{"w": {"dtype": "F32",}}"#, data: []))
        #expect(badJSON?.location == "header" && badJSON?.message.contains("JSON syntax error") == true)
        #expect(decodeError(file(header: "[1, 2]", data: []))?.message.contains("expected a JSON object") == true)
        // Offsets out of range, reversed, or not matching the shape.
        let out = decodeError(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]))
        #expect(out?.location == "tensor \"w\"" && out?.message.contains("past the end") == true)
        #expect(decodeError(file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0])) != nil)
        let mismatch = decodeError(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        #expect(mismatch?.message.contains("needs 8") == true)
        // Unknown dtype, bad shape, missing fields, bad metadata.
        let dtype = decodeError(file(header: #"{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}"#, data: [0]))
        #expect(dtype?.description == "m.safetensors: tensor \"w\": unknown dtype \"F8\", expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL")
        #expect(decodeError(file(header: #"{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, data: [0])) != nil)
        #expect(decodeError(file(header: #"{"w":{"dtype":"U8","shape":[1]}}"#, data: [0]))?.message.contains("data_offsets") == true)
        #expect(decodeError(file(header: #"{"w":{"shape":[1],"data_offsets":[0,1]}}"#, data: [0]))?.message.contains("dtype") == true)
        #expect(decodeError(file(header: #"{"__metadata__":{"a":1}}"#, data: []))?.location == "__metadata__.a")
        let huge = decodeError(file(header: #"{"w":{"dtype":"F64","shape":[4611686018427387904, 4],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)))
        #expect(huge != nil)
    }

    @Test func writeRejectsBadTensorsAndUnwritablePaths() {
        let dir = temporaryFolder()
        let t = SafeTensor(name: "w", floats: [1], shape: [1])
        let duplicate = caught { () throws(FieldError) in try SafeTensors.write([t, t], to: dir + "/a.safetensors") }
        #expect(duplicate?.description.contains("two tensors") == true)
        var broken = t
        broken.shape = [3]
        #expect(caught { () throws(FieldError) in try SafeTensors.write([broken], to: dir + "/b.safetensors") }?.location == "tensor \"w\"")
        let reserved = SafeTensor(name: "__metadata__", floats: [1], shape: [1])
        #expect(caught { () throws(FieldError) in try SafeTensors.write([reserved], to: dir + "/c.safetensors") } != nil)
        let path = dir + "/missing/d.safetensors"
        #expect(caught { () throws(FieldError) in try SafeTensors.write([t], to: path) }?.description.contains(path) == true)
        let missing = caught { () throws(FieldError) in try SafeTensors.read(dir + "/nope.safetensors") }
        #expect(missing?.description == dir + "/nope.safetensors: no such file")
    }
}
