import Foundation

/// Analytic images that need no files: the demo scene and the tests fit these.
public enum ProceduralImage {
    /// The names `make` understands.
    public static let names = ["rings", "blobs"]

    /// The image `name` at the given size as RGB values in [0, 1], row-major; nil for an unknown name.
    ///
    /// - `rings`: coloured concentric rings over smooth gradients, a checkerboard corner and hard-edged disks,
    ///   so a fit shows both smooth areas and sharp detail.
    /// - `blobs`: a few smooth Gaussian colour blobs (easy; for quick convergence tests).
    public static func make(_ name: String, width: Int, height: Int) -> [Float]? {
        guard names.contains(name) else { return nil }
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = (Double(x) + 0.5) / Double(width), v = (Double(y) + 0.5) / Double(height)
                let rgb = name == "rings" ? rings(u, v) : blobs(u, v)
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = Float(min(max(rgb[c], 0), 1)) }
            }
        }
        return pixels
    }

    private static func rings(_ u: Double, _ v: Double) -> [Double] {
        var rgb = [0.25 + 0.5 * u, 0.3 + 0.4 * v, 0.6 - 0.3 * u * v]
        let r = ((u - 0.42) * (u - 0.42) + (v - 0.45) * (v - 0.45)).squareRoot()
        let ring = 0.5 + 0.5 * cos(r * 70)
        let hue = r * 9
        rgb[0] = rgb[0] * (1 - 0.6 * ring) + 0.6 * ring * (0.5 + 0.5 * sin(hue))
        rgb[1] = rgb[1] * (1 - 0.6 * ring) + 0.6 * ring * (0.5 + 0.5 * sin(hue + 2.1))
        rgb[2] = rgb[2] * (1 - 0.6 * ring) + 0.6 * ring * (0.5 + 0.5 * sin(hue + 4.2))
        if u > 0.75 && v > 0.75 {
            let checker = (Int(u * 48) + Int(v * 48)) % 2 == 0
            rgb = checker ? [0.95, 0.95, 0.9] : [0.1, 0.12, 0.15]
        }
        let disks: [(Double, Double, Double, [Double])] = [
            (0.18, 0.2, 0.08, [0.95, 0.25, 0.2]), (0.8, 0.22, 0.1, [0.2, 0.8, 0.35]), (0.22, 0.8, 0.07, [0.95, 0.85, 0.2]),
        ]
        for (cx, cy, radius, color) in disks where (u - cx) * (u - cx) + (v - cy) * (v - cy) < radius * radius {
            rgb = color
        }
        return rgb
    }

    private static func blobs(_ u: Double, _ v: Double) -> [Double] {
        let centres: [(Double, Double, [Double])] = [
            (0.3, 0.3, [0.9, 0.2, 0.1]), (0.7, 0.35, [0.1, 0.8, 0.3]), (0.45, 0.75, [0.2, 0.3, 0.9]),
        ]
        var rgb = [0.1, 0.1, 0.1]
        for (cx, cy, color) in centres {
            let g = exp(-((u - cx) * (u - cx) + (v - cy) * (v - cy)) / 0.02)
            for c in 0..<3 { rgb[c] += g * color[c] }
        }
        return rgb
    }
}
