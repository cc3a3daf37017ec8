/// Lens distortion coefficients as transforms.json files store them: OpenCV radial-tangential
/// `k1 k2 p1 p2` (plus nerfstudio's higher radial terms `k3 k4`). All zero means an ideal pinhole.
///
/// The radial factor is `1 + k1·r² + k2·r⁴ + k3·r⁶ + k4·r⁸` (nerfstudio's reading of `k3`, `k4`);
/// `p1`, `p2` are OpenCV's tangential terms. Coordinates are normalised image coordinates, y down.
public struct DistortionCoefficients: Equatable, Sendable {
    /// Radial terms of r², r⁴, r⁶, r⁸.
    public var k1: Double, k2: Double, k3: Double, k4: Double
    /// Tangential terms.
    public var p1: Double, p2: Double

    /// Coefficients from their values; every one defaults to zero.
    public init(k1: Double = 0, k2: Double = 0, k3: Double = 0, k4: Double = 0, p1: Double = 0, p2: Double = 0) {
        self.k1 = k1; self.k2 = k2; self.k3 = k3; self.k4 = k4
        self.p1 = p1; self.p2 = p2
    }

    /// No distortion at all.
    public static let none = DistortionCoefficients()

    /// Whether every coefficient is zero (the lens is an ideal pinhole).
    public var isZero: Bool { k1 == 0 && k2 == 0 && k3 == 0 && k4 == 0 && p1 == 0 && p2 == 0 }
}
