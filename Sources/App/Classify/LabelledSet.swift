import FieldIO
import Foundation
import TensorCore

/// Labelled items read from a folder laid out as `ROOT/<family>/<stem>…`: the label of an item is its family
/// folder's name. `fieldfit batch` writes fitted runs as `OUT/<family>/<stem>/` and `fieldfit shapes` writes
/// meshes as `DIR/<family>/<stem>.obj`, so both read the same way.
struct LabelledSet {
    /// One item: its family (label), stem and path.
    struct Item: Equatable {
        var family: String
        var stem: String
        var path: String
    }

    /// The family names, sorted; an item's class index is its family's position here.
    var families: [String]
    /// Every item, sorted by family then stem.
    var items: [Item]

    /// The class index of `item`.
    func label(of item: Item) -> Int { families.firstIndex(of: item.family)! }

    /// The run folders under `root`: every `root/<family>/<stem>/` holding a `config.json`. Family folders
    /// without any run are skipped (e.g. a classify output folder). Errors: not a folder, no runs, one family.
    static func runs(in root: String) throws(FieldError) -> LabelledSet {
        try scan(root, what: "run folders (<family>/<stem>/config.json)") { family, entry in
            let path = (family as NSString).appendingPathComponent(entry)
            return FileAccess.exists((path as NSString).appendingPathComponent("config.json")) ? (entry, path) : nil
        }
    }

    /// The meshes under `root`: every `root/<family>/<stem>.obj|ply|stl`.
    static func meshes(in root: String) throws(FieldError) -> LabelledSet {
        try scan(root, what: "meshes (<family>/<stem>.obj)") { family, entry in
            let ext = (entry as NSString).pathExtension.lowercased()
            guard ["obj", "ply", "stl"].contains(ext) else { return nil }
            return ((entry as NSString).deletingPathExtension, (family as NSString).appendingPathComponent(entry))
        }
    }

    private static func scan(_ root: String, what: String,
                             item: (_ familyPath: String, _ entry: String) -> (stem: String, path: String)?) throws(FieldError) -> LabelledSet {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            throw FieldError(file: root, "expected a folder of \(what)")
        }
        var items: [Item] = []
        var families: [String] = []
        for family in ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted() where !family.hasPrefix(".") {
            let familyPath = (root as NSString).appendingPathComponent(family)
            guard FileManager.default.fileExists(atPath: familyPath, isDirectory: &isFolder), isFolder.boolValue else { continue }
            let found = ((try? FileManager.default.contentsOfDirectory(atPath: familyPath)) ?? []).sorted()
                .compactMap { item(familyPath, $0) }
            guard !found.isEmpty else { continue }
            families.append(family)
            items += found.map { Item(family: family, stem: $0.stem, path: $0.path) }
        }
        guard !items.isEmpty else { throw FieldError(file: root, "no \(what) found") }
        guard families.count >= 2 else {
            throw FieldError(file: root, "found only the family \"\(families[0])\": expected at least 2 family folders to classify")
        }
        return LabelledSet(families: families, items: items)
    }

    /// A held-out split stratified by family: in each family the stems are shuffled by `seed` (a function of
    /// the family name and the sorted stems only, so run folders and their meshes split alike) and the first
    /// ⌈fraction·n⌉ go to the test set (at least 1 and at most n − 1 for a family of 2 or more).
    func split(testFraction: Double, seed: UInt64) -> (train: [Item], test: [Item]) {
        var train: [Item] = [], test: [Item] = []
        for family in families {
            var members = items.filter { $0.family == family }
            var h: UInt64 = seed ^ 0xCBF2_9CE4_8422_2325
            for byte in family.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            var rng = RandomGenerator(seed: h, stream: 0x5B17)
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                members.swapAt(i, rng.nextInt(below: i + 1))
            }
            var held = Int((testFraction * Double(members.count)).rounded(.up))
            if members.count >= 2 { held = min(max(held, 1), members.count - 1) } else { held = 0 }
            test += members.prefix(held)
            train += members.dropFirst(held)
        }
        return (train, test)
    }
}
