/// Hands out consecutive offsets in a network's flat parameter slice while the network lays out its
/// tensors; `count` is then the network's parameter count.
struct ParameterLayout {
    /// Floats handed out so far.
    private(set) var count = 0

    /// The offset of the next `floats` floats.
    mutating func take(_ floats: Int) -> Int {
        defer { count += floats }
        return count
    }
}
