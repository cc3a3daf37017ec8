import FieldIO
import TensorCore

/// tiny-cuda-nn's `SphericalHarmonics` encoding of a direction: the real spherical harmonics up to
/// `degree` (1...4), `degree²` outputs per row. As in tcnn the three inputs are the unit direction mapped
/// to [0, 1] (`(d + 1) / 2`); the encoding maps them back to [−1, 1] itself. Constants and signs follow
/// tcnn (Sloan's "Efficient Spherical Harmonic Evaluation"). No parameters; backward gives dL/dinput.
public final class SphericalHarmonicsEncoding: ParameterFreeModule {
    /// Bands evaluated: outputs are `degree²` (degree 4 → 16, instant-ngp's direction encoding).
    public let degree: Int

    /// An encoding of bands 0 ..< `degree` (1...4).
    public init(degree: Int = 4) {
        precondition((1...4).contains(degree), "SphericalHarmonicsEncoding: degree must be 1...4")
        self.degree = degree
    }

    /// Reads tcnn's key `degree` (4); needs exactly three inputs.
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        guard inputWidth == 3 else {
            throw FieldError(file: config.file, location: config.path, "the SphericalHarmonics encoding needs 3 inputs (a direction), got \(inputWidth)")
        }
        self.init(degree: try config.int("degree", default: 4, in: 1...4))
    }

    public var inputWidth: Int { 3 }
    public var outputWidth: Int { degree * degree }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let width = outputWidth, degree = self.degree
        pool.parallelRanges(batch, granularity: 64) { _, rows in
            for i in rows {
                let x = input[3 &* i] * 2 - 1, y = input[3 &* i &+ 1] * 2 - 1, z = input[3 &* i &+ 2] * 2 - 1
                SphericalHarmonics.values(x, y, z, degree: degree, into: output + i &* width)
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let dx = inputGradient else { return }
        let width = outputWidth, degree = self.degree
        pool.parallelRanges(batch, granularity: 64) { _, rows in
            for i in rows {
                let x = input[3 &* i] * 2 - 1, y = input[3 &* i &+ 1] * 2 - 1, z = input[3 &* i &+ 2] * 2 - 1
                // d/du = 2·d/dx (u = (x + 1)/2).
                let g = 2 * SphericalHarmonics.gradient(x, y, z, degree: degree, outputGradient: outputGradient + i &* width)
                dx[3 &* i] = g.x; dx[3 &* i &+ 1] = g.y; dx[3 &* i &+ 2] = g.z
            }
        }
    }
}

/// The real spherical harmonic polynomials of bands 0–3 and their gradients, in tcnn's order and signs.
enum SphericalHarmonics {
    static let c0: Float = 0.28209479177387814
    static let c1: Float = 0.48860251190291987
    static let c2a: Float = 1.0925484305920792, c2b: Float = 0.94617469575755997
    static let c2c: Float = 0.31539156525251999, c2d: Float = 0.54627421529603959
    static let c3a: Float = 0.59004358992664352, c3b: Float = 2.8906114426405538
    static let c3c: Float = 0.45704579946446572, c3d: Float = 0.3731763325901154, c3e: Float = 1.4453057213202769

    /// Writes the `degree²` values at direction (x, y, z) to `out`.
    @inline(__always)
    static func values(_ x: Float, _ y: Float, _ z: Float, degree: Int, into out: UnsafeMutablePointer<Float>) {
        out[0] = c0
        guard degree > 1 else { return }
        out[1] = -c1 * y; out[2] = c1 * z; out[3] = -c1 * x
        guard degree > 2 else { return }
        let x2 = x * x, y2 = y * y, z2 = z * z
        out[4] = c2a * x * y; out[5] = -c2a * y * z; out[6] = c2b * z2 - c2c
        out[7] = -c2a * x * z; out[8] = c2d * (x2 - y2)
        guard degree > 3 else { return }
        out[9] = c3a * y * (-3 * x2 + y2); out[10] = c3b * x * y * z; out[11] = c3c * y * (1 - 5 * z2)
        out[12] = c3d * z * (5 * z2 - 3); out[13] = c3c * x * (1 - 5 * z2); out[14] = c3e * z * (x2 - y2)
        out[15] = c3a * x * (-x2 + 3 * y2)
    }

    /// Σ_k g_k · ∇Y_k at (x, y, z), with `g` the `degree²` output gradients.
    @inline(__always)
    static func gradient(_ x: Float, _ y: Float, _ z: Float, degree: Int, outputGradient g: UnsafePointer<Float>) -> SIMD3<Float> {
        var d = SIMD3<Float>()
        guard degree > 1 else { return d }
        d += SIMD3(0, -c1, 0) * g[1] + SIMD3(0, 0, c1) * g[2] + SIMD3(-c1, 0, 0) * g[3]
        guard degree > 2 else { return d }
        d += SIMD3(c2a * y, c2a * x, 0) * g[4]
        d += SIMD3(0, -c2a * z, -c2a * y) * g[5]
        d += SIMD3(0, 0, 2 * c2b * z) * g[6]
        d += SIMD3(-c2a * z, 0, -c2a * x) * g[7]
        d += SIMD3(2 * c2d * x, -2 * c2d * y, 0) * g[8]
        guard degree > 3 else { return d }
        let x2 = x * x, y2 = y * y, z2 = z * z
        d += SIMD3(-6 * c3a * x * y, c3a * (3 * y2 - 3 * x2), 0) * g[9]
        d += SIMD3(c3b * y * z, c3b * x * z, c3b * x * y) * g[10]
        d += SIMD3(0, c3c * (1 - 5 * z2), -10 * c3c * y * z) * g[11]
        d += SIMD3(0, 0, c3d * (15 * z2 - 3)) * g[12]
        d += SIMD3(c3c * (1 - 5 * z2), 0, -10 * c3c * x * z) * g[13]
        d += SIMD3(2 * c3e * x * z, -2 * c3e * y * z, c3e * (x2 - y2)) * g[14]
        d += SIMD3(c3a * (3 * y2 - 3 * x2), 6 * c3a * x * y, 0) * g[15]
        return d
    }
}
