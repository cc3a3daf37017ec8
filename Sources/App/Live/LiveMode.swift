/// What the live viewer shows of the field.
public enum LiveMode: String, CaseIterable, Sendable {
    /// The field's colour: a NeRF's composited RGB, an SDF's shaded surface, an image's reconstruction.
    case rgb
    /// Expected (NeRF) or traced (SDF) depth through the turbo colour map.
    case depth
    /// Surface normals as (n + 1)/2: an SDF's field gradient, a NeRF's from its depth map.
    case normals
    /// Opacity (NeRF) or hit mask (SDF).
    case alpha
    /// Image task: the image being fitted.
    case target
    /// Image task: per-pixel absolute error through the turbo map.
    case error

}
