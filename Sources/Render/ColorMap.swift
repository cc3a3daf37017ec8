import FieldIO

/// Colour maps from a scalar in [0, 1] to RGB.
public enum ColorMap {
    /// Anchor colours of the Turbo map (Google, 2019) at t = 0, 1/8, …, 1, approximated by eye from its
    /// published look: dark violet → blue → cyan → green → yellow → orange → red → dark red.
    static let turboAnchors: [SIMD3<Float>] = [
        SIMD3(0.190, 0.072, 0.232),
        SIMD3(0.271, 0.406, 0.878),
        SIMD3(0.158, 0.736, 0.923),
        SIMD3(0.240, 0.945, 0.620),
        SIMD3(0.640, 0.990, 0.240),
        SIMD3(0.950, 0.800, 0.220),
        SIMD3(0.980, 0.500, 0.130),
        SIMD3(0.810, 0.190, 0.020),
        SIMD3(0.480, 0.016, 0.011),
    ]

    /// A Turbo-like rainbow colour for `t` (clamped to [0, 1]; NaN maps to 0): a Catmull-Rom spline
    /// through nine anchor colours, so the map is smooth and perceptually ordered from cold to hot.
    public static func turbo(_ t: Float) -> SIMD3<Float> {
        let x: Float = t > 0 ? (t < 1 ? t : 1) : 0
        let anchors = turboAnchors
        let segments = anchors.count - 1
        let position = x * Float(segments)
        let i = min(Int(position), segments - 1)
        let f = position - Float(i)
        let p0 = anchors[max(i - 1, 0)], p1 = anchors[i], p2 = anchors[i + 1], p3 = anchors[min(i + 2, segments)]
        // Catmull-Rom: 0.5 · (2p1 + (−p0 + p2)f + (2p0 − 5p1 + 4p2 − p3)f² + (−p0 + 3p1 − 3p2 + p3)f³)
        let a = 2 * p1
        let b = p2 - p0
        let c = 2 * p0 - 5 * p1 + 4 * p2 - p3
        let d = 3 * p1 - 3 * p2 + p3 - p0
        let v = 0.5 * (a + f * (b + f * (c + f * d)))
        return v.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 1))
    }
}

/// The default full-scale absolute error of `errorHeatmap`: 0.1 on [0, 1] values (about 25 of 255 levels).
public let errorHeatmapDefaultScale: Float = 0.1

/// A heat map of the per-pixel absolute error between two images.
///
/// Each pixel's error is the mean of |prediction − target| over its colour channels (alpha ignored,
/// gray compared as RGB against RGB), divided by `scale` (default 0.1, i.e. errors of 0.1 and above are
/// clipped to the hottest colour) and mapped through `ColorMap.turbo`: dark violet = no error, dark red
/// = `scale` or more. The result is RGB with the images' size; when the sizes differ it is all black,
/// the size of `prediction`.
public func errorHeatmap(prediction: Image, target: Image, scale: Float = errorHeatmapDefaultScale) -> Image {
    let width = prediction.width, height = prediction.height, count = width * height
    guard let (a, b, planes) = ImageMetrics.colorPlanes(prediction, target) else {
        return Image(width: width, height: height, channels: 3, fill: 0)
    }
    // A 1024-entry table of the colour map keeps the per-pixel work to one lookup.
    let levels = 1024
    var table = [Float](repeating: 0, count: levels * 3)
    for k in 0..<levels {
        let c = ColorMap.turbo(Float(k) / Float(levels - 1))
        table[3 * k] = c.x; table[3 * k + 1] = c.y; table[3 * k + 2] = c.z
    }
    var error = [Float](repeating: 0, count: count)
    for p in 0..<planes {
        a[p].withUnsafeBufferPointer { pa in
            b[p].withUnsafeBufferPointer { pb in
                error.withUnsafeMutableBufferPointer { e in
                    for i in 0..<count { e[i] += abs(pa[i] - pb[i]) }
                }
            }
        }
    }
    let factor = Float(levels - 1) / (Float(planes) * max(scale, .leastNormalMagnitude))
    var out = [Float](repeating: 0, count: count * 3)
    error.withUnsafeBufferPointer { e in
        table.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<count {
                    let v = e[i] * factor
                    let k = v > 0 ? (v < Float(levels - 1) ? Int(v + 0.5) : levels - 1) : 0
                    o[3 &* i] = t[3 &* k]
                    o[3 &* i &+ 1] = t[3 &* k &+ 1]
                    o[3 &* i &+ 2] = t[3 &* k &+ 2]
                }
            }
        }
    }
    return Image(width: width, height: height, channels: 3, pixels: out)
}
