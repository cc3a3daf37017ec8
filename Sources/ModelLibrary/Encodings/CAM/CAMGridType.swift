/// The shape of a CAM modulation grid over d input coordinates.
public enum CAMGridType: String, CaseIterable, Sendable {
    /// One 2-D grid over (x₀, x₁): images, or a view direction's (azimuth, elevation). Needs d = 2.
    case plane = "Plane"
    /// Three 2-D grids over (x, y), (x, z), (y, z). Needs d = 3.
    case triPlane = "TriPlane"
    /// One 1-D grid per coordinate. Any d.
    case perAxis = "PerAxis"

    /// The config spellings.
    public static let names: [String] = allCases.map(\.rawValue)

    /// The natural grid for `dimensions` coordinates: Plane for 2, TriPlane for 3, PerAxis otherwise.
    public static func defaultType(dimensions: Int) -> CAMGridType {
        dimensions == 2 ? .plane : (dimensions == 3 ? .triPlane : .perAxis)
    }

    /// The coordinate count this type needs, or nil for any.
    public var requiredDimensions: Int? {
        switch self {
        case .plane: return 2
        case .triPlane: return 3
        case .perAxis: return nil
        }
    }

    /// The coordinate axes of each factor grid (one or two axes each).
    func factorAxes(dimensions: Int) -> [[Int]] {
        switch self {
        case .plane: return [[0, 1]]
        case .triPlane: return [[0, 1], [0, 2], [1, 2]]
        case .perAxis: return (0..<dimensions).map { [$0] }
        }
    }
}
