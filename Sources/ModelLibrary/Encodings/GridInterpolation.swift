/// How a grid level blends its cell's corner features (tiny-cuda-nn's `InterpolationType`).
public enum GridInterpolation: String, Sendable, CaseIterable {
    /// The vertex at `floor(x·scale + 0.5)`; zero gradient with respect to the input.
    case nearest = "Nearest"
    /// d-linear weights from the fractional position.
    case linear = "Linear"
    /// d-linear weights from `smoothstep(fraction) = f²(3 − 2f)`: C¹ across cells.
    case smoothstep = "Smoothstep"
}
