import Foundation

/// Volume rendering along one ray (the NeRF quadrature, as instant-ngp composites it): sample i has
/// density σᵢ = exp(rawᵢ) (truncated exp: raw clamped to ±15), step dtᵢ and colour cᵢ; αᵢ = 1 − exp(−σᵢ·dtᵢ),
/// weight wᵢ = αᵢ·Tᵢ with transmittance T₀ = 1, Tᵢ₊₁ = Tᵢ·(1 − αᵢ). The colour is Σ wᵢ·cᵢ + T·background,
/// where T is the transmittance left after the last sample used. Compositing stops once T drops below
/// `minTransmittance`; later samples get no weight and no gradient.
public enum VolumeCompositing {
    /// σ from the network's raw density output.
    @inline(__always)
    public static func density(_ raw: Float) -> Float { exp(min(max(raw, -15), 15)) }

    /// The composited colour, opacity (1 − T), expected depth (Σ wᵢ·tᵢ) and samples used, for `count`
    /// samples whose network outputs are the rows of `outputs` (`[raw, r, g, b]`, stride 4).
    @inline(__always)
    public static func forward(outputs: UnsafePointer<Float>, dt: UnsafePointer<Float>, count: Int,
                               background: SIMD3<Float>, minTransmittance: Float,
                               depths: UnsafePointer<Float>? = nil) -> (color: SIMD3<Float>, opacity: Float, depth: Float, used: Int) {
        var T: Float = 1
        var color = SIMD3<Float>()
        var depth: Float = 0
        var used = 0
        while used < count && T >= minTransmittance {
            let o = outputs + 4 &* used
            let alpha = 1 - exp(-density(o[0]) * dt[used])
            let w = alpha * T
            color += w * SIMD3(o[1], o[2], o[3])
            if let depths { depth += w * depths[used] }
            T *= 1 - alpha
            used &+= 1
        }
        return (color + T * background, 1 - T, depth, used)
    }

    /// Writes dL/d(outputs) for the ray's samples given dL/dcolour, for the colour `forward` returned
    /// (`color`, background included) over its `used` samples; rows beyond `used` get zeros.
    ///
    /// ∂C/∂cᵢ = wᵢ, and ∂C/∂σᵢ = dtᵢ·(Tᵢ₊₁·cᵢ − (C − Σ_{j≤i} wⱼ·cⱼ)); the raw density's gradient multiplies
    /// the latter by exp(clamp(raw, ±15)).
    @inline(__always)
    public static func backward(outputs: UnsafePointer<Float>, dt: UnsafePointer<Float>, count: Int, used: Int,
                                color: SIMD3<Float>, colorGradient: SIMD3<Float>, gradients: UnsafeMutablePointer<Float>) {
        var T: Float = 1
        var prefix = SIMD3<Float>()
        for i in 0..<used {
            let o = outputs + 4 &* i
            let sigma = density(o[0])
            let alpha = 1 - exp(-sigma * dt[i])
            let w = alpha * T
            let c = SIMD3(o[1], o[2], o[3])
            prefix += w * c
            T *= 1 - alpha
            let dSigma = dt[i] * ((colorGradient * (T * c - (color - prefix))).sum())
            let g = gradients + 4 &* i
            g[0] = dSigma * sigma
            g[1] = w * colorGradient.x; g[2] = w * colorGradient.y; g[3] = w * colorGradient.z
        }
        if used < count { (gradients + 4 &* used).update(repeating: 0, count: 4 &* (count &- used)) }
    }
}
