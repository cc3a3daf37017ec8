/// How a grid level maps vertices to table entries (tiny-cuda-nn's `GridType`).
public enum GridType: String, Sendable, CaseIterable {
    /// Dense row-major indexing while the level fits in `2^log2_hashmap_size` entries, hashing beyond.
    case hash = "Hash"
    /// Every level dense and row-major, however large.
    case dense = "Dense"
    /// Dense row-major indices wrapped into `base_resolution^d` entries per level.
    case tiled = "Tiled"
}
