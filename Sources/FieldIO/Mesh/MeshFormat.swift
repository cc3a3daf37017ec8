/// The mesh file formats fieldfit reads (all three) and writes (OBJ and PLY).
public enum MeshFormat: String, Sendable, CaseIterable {
    case obj
    case ply
    case stl

    /// The supported extensions, for error messages: `.obj, .ply or .stl`.
    public static let supportedList = ".obj, .ply or .stl"

    /// The format a file name's extension names (`.obj`, `.ply`, `.stl`, any case), or nil.
    public static func fromExtension(_ path: String) -> MeshFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        return MeshFormat(rawValue: path[path.index(after: dot)...].lowercased())
    }
}
