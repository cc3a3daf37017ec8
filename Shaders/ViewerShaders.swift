import Foundation

/// The viewer's GLSL sources, shipped as package resources next to this file (top-level `Shaders/`).
public enum ViewerShaders {
    /// The text of the shader file `name` (e.g. `field.vert`), or nil when the resource is missing.
    public static func source(_ name: String) -> String? {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let url = Bundle.module.url(forResource: parts[0], withExtension: parts[1]) else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }
}
