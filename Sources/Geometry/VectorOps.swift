/// The cross product of two 3-vectors.
@inline(__always)
public func cross(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> SIMD3<Float> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// The dot product of two 3-vectors.
@inline(__always)
public func dot(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { (a * b).sum() }

/// The Euclidean length of a 3-vector.
@inline(__always)
public func length(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }

/// `v` scaled to unit length (returned unchanged when it is zero).
@inline(__always)
public func normalized(_ v: SIMD3<Float>) -> SIMD3<Float> {
    let l = length(v)
    return l > 0 ? v / l : v
}
