import FieldIO
import TensorCore

/// Renders an analytic scene (the procedural radiance scenes) through a camera by tracing rays: a fixed
/// `n × n` sub-pixel grid per pixel (deterministic anti-aliasing), RGBA with straight alpha — alpha the fraction
/// of sub-samples that hit something, colour their mean (0 where nothing is hit). Rows are spread over `pool`;
/// the result does not depend on the thread count.
public enum RayTracedViews {
    /// Sub-pixel offsets per axis of an `n × n` grid: (k + ½)/n.
    public static func subPixelOffsets(_ n: Int) -> [Float] { (0..<n).map { (Float($0) + 0.5) / Float(n) } }

    /// The view through `camera`; `trace(origin, unit direction)` gives the colour of the first hit or nil.
    public static func render(_ camera: Camera, offsets: [Float], pool: WorkerPool,
                              trace: (SIMD3<Float>, SIMD3<Float>) -> SIMD3<Float>?) -> Image {
        let w = camera.width, h = camera.height
        var pixels = [Float](repeating: 0, count: w * h * 4)
        let samples = Float(offsets.count * offsets.count)
        pixels.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            pool.parallelRanges(h) { _, rows in
                for y in rows {
                    for x in 0..<w {
                        var sum = SIMD3<Float>.zero, hits: Float = 0
                        for oy in offsets {
                            for ox in offsets {
                                let d = camera.rayDirection(pixelX: Float(x) + ox, pixelY: Float(y) + oy)
                                if let color = trace(camera.position, d) {
                                    sum += color
                                    hits += 1
                                }
                            }
                        }
                        let o = (y &* w &+ x) &* 4
                        if hits > 0 {
                            let c = sum / hits
                            out[o] = c.x; out[o &+ 1] = c.y; out[o &+ 2] = c.z
                        }
                        out[o &+ 3] = hits / samples
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: 4, pixels: pixels)
    }

    /// `cameras` rendered by `render` and split by the dataset rule: view i is held out for testing when i is a
    /// multiple of `testEvery` (never when it is 0).
    public static func split(_ cameras: [Camera], testEvery: Int, render: (Camera) -> Image)
        -> (train: [(Camera, Image)], test: [(Camera, Image)]) {
        var train: [(Camera, Image)] = [], test: [(Camera, Image)] = []
        for (i, camera) in cameras.enumerated() {
            let view = (camera, render(camera))
            if DatasetSplit.heldOut(index: i, every: testEvery) == .test { test.append(view) } else { train.append(view) }
        }
        return (train, test)
    }
}
