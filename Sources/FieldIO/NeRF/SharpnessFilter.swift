/// instant-ngp's `sharpness_discard_threshold` (nerf_loader): a frame is kept when its `sharpness` is above
/// the threshold times the mean sharpness of its neighbours — the frames at positions `i−3 ..< i+3` (clipped
/// to the list, the last frame left out of the window, as instant-ngp's loop has it) in `file_path` order.
/// A frame without `sharpness` counts as 1. Without the key (or at 0), or when no frame has a sharpness,
/// every frame is kept.
enum SharpnessFilter {
    /// Neighbours on each side that the mean runs over (instant-ngp: 3).
    static let neighbourhood = 3

    /// Whether each frame (in file order) is kept.
    static func keeps(_ frames: [ConfigObject], top: ConfigObject) throws(FieldError) -> [Bool] {
        let all = [Bool](repeating: true, count: frames.count)
        guard let threshold = try TransformsFile.number(top, "sharpness_discard_threshold") else { return all }
        guard threshold >= 0 else {
            throw top.error("sharpness_discard_threshold", "expected a number of at least 0 (a fraction of the neighbours' mean sharpness), got \(threshold)")
        }
        guard threshold > 0, frames.contains(where: { $0.has("sharpness") }) else { return all }
        var sharpness: [Double] = []
        var names: [String] = []
        for f in frames {
            sharpness.append(try TransformsFile.number(f, "sharpness") ?? 1)
            names.append(try f.string("file_path") ?? "")
        }
        return keeps(sharpness: sharpness, names: names, threshold: threshold)
    }

    /// The rule on plain values: `sharpness[i]` of the frame named `names[i]`.
    static func keeps(sharpness: [Double], names: [String], threshold: Double) -> [Bool] {
        let n = sharpness.count
        let order = (0..<n).sorted { names[$0] < names[$1] || (names[$0] == names[$1] && $0 < $1) }
        var kept = [Bool](repeating: true, count: n)
        for (rank, frame) in order.enumerated() {
            let start = max(0, rank - neighbourhood), end = min(rank + neighbourhood, n - 1)
            // instant-ngp divides by an empty window for a single frame; the frame's own value stands in.
            let mean = end > start ? (start..<end).reduce(0.0) { $0 + sharpness[order[$1]] } / Double(end - start) : sharpness[frame]
            kept[frame] = sharpness[frame] > threshold * mean
        }
        return kept
    }
}
