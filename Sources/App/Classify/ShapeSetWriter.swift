import FieldIO
import Foundation
import Geometry

/// Writes a labelled procedural shape set: `DIR/<family>/<family>-NNN.obj` for every `ShapeFamily`, plus
/// `DIR/README.txt` and `DIR/shapes.json` saying the shapes are synthetic and how they were made.
enum ShapeSetWriter {
    /// Writes `perFamily` shapes of each family made from `seed` into `folder`; returns the number of meshes.
    @discardableResult
    static func write(to folder: String, perFamily: Int, seed: UInt64, families: [ShapeFamily] = ShapeFamily.allCases) throws(FieldError) -> Int {
        try FileAccess.makeFolder(folder)
        var count = 0
        var listing: [(key: String, value: JSONValue)] = []
        for family in families {
            let sub = (folder as NSString).appendingPathComponent(family.rawValue)
            try FileAccess.makeFolder(sub)
            var files: [JSONValue] = []
            for i in 0..<perFamily {
                let name = String(format: "%@-%03d.obj", family.rawValue, i)
                try family.make(seed: seed, index: i).writeOBJ(to: (sub as NSString).appendingPathComponent(name))
                files.append(.string("\(family.rawValue)/\(name)"))
                count += 1
            }
            listing.append((family.rawValue, .object([("description", .string(family.summary)), ("files", .array(files))])))
        }
        let manifest: JSONValue = .object([
            ("synthetic", .bool(true)),
            ("generator", .string("fieldfit shapes (Sources/Geometry/ProceduralShapes)")),
            ("seed", .int(Int(seed))), ("per_family", .int(perFamily)),
            ("pose", .string("random turn about y (up), tilt up to ±0.25 rad about x and z, scale 0.8–1.2")),
            ("families", .object(listing)),
        ])
        try FileAccess.writeAtomically(JSONWriter.string(manifest) + "\n", to: (folder as NSString).appendingPathComponent("shapes.json"))
        var readme = """
        Synthetic labelled shapes made by `fieldfit shapes --per-family \(perFamily) --seed \(seed)`.
        No external data: every mesh is built from formulas and random proportions (closed triangle meshes,
        y up), then given a random pose (a turn about y, a tilt up to ±0.25 rad, a scale of 0.8–1.2).
        The label of a mesh is its folder name. The same seed always writes the same meshes.

        Families:

        """
        for family in families { readme += "  \(family.rawValue): \(family.summary)\n" }
        try FileAccess.writeAtomically(readme, to: (folder as NSString).appendingPathComponent("README.txt"))
        return count
    }
}
