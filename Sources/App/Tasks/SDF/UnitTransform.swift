import FieldIO

/// The similarity that maps a field's unit-cube coordinates back to its data's own units
/// (`data = unit · scale + offset`), kept in checkpoints so exports and cameras use the data's units.
struct UnitTransform: Equatable {
    /// Data units per unit-cube unit.
    var scale: Float = 1
    /// Where the unit cube's origin lies in data units.
    var offset: SIMD3<Float> = .zero

    /// Data coordinates of a unit-cube point.
    func toData(_ p: SIMD3<Float>) -> SIMD3<Float> { p * scale + offset }
    /// Unit-cube coordinates of a data point.
    func toUnit(_ p: SIMD3<Float>) -> SIMD3<Float> { (p - offset) / scale }

    var json: JSONValue {
        .object([("scale", .double(Double(scale))),
                 ("offset", .array([.double(Double(offset.x)), .double(Double(offset.y)), .double(Double(offset.z))]))])
    }

    init(scale: Float = 1, offset: SIMD3<Float> = .zero) {
        self.scale = scale
        self.offset = offset
    }

    /// Reads the JSON written by `json`.
    init(json: JSONValue, file: String) throws(FieldError) {
        let o = try ConfigObject(json, file: file, path: "task_state.unit_to_data")
        scale = Float(try o.double("scale", default: 1, in: 1e-30...1e30))
        if let v = o.value("offset") { offset = try RenderSettings.vector(v, o, "offset") }
        try o.finish()
    }
}
