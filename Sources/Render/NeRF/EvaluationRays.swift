import Foundation
import TensorCore

/// A fixed random subset of the held-out pixels, for periodic evaluations that cost a fraction of a
/// second: drawn once from a seed, the same at every evaluation, so the training curve is comparable
/// from one point to the next. The final evaluation renders the full test views instead.
public struct EvaluationRays: Sendable {
    /// The view of each ray (an index into the test views) and its pixel within the view, sorted by view
    /// and pixel.
    public let views: [Int32], pixels: [Int32]

    /// `count` pixels drawn uniformly over every pixel of `testViews` (all of them when there are fewer).
    public init(testViews: PosedViews, count: Int, seed: UInt64 = 0xE7A1) {
        let total = testViews.pixelCount
        var chosen: [Int]
        if count >= total {
            chosen = Array(0..<total)
        } else {
            var g = RandomGenerator(seed: seed, stream: 0xE7)
            var picked = Set<Int>()
            while picked.count < count { picked.insert(g.nextInt(below: total)) }
            chosen = picked.sorted()
        }
        var views: [Int32] = [], pixels: [Int32] = []
        views.reserveCapacity(chosen.count); pixels.reserveCapacity(chosen.count)
        var v = 0
        for p in chosen {
            while testViews.offsets[v + 1] <= p { v += 1 }
            views.append(Int32(v)); pixels.append(Int32(p - testViews.offsets[v]))
        }
        self.views = views
        self.pixels = pixels
    }

    /// The number of rays.
    public var count: Int { views.count }

    /// PSNR (dB) of `field` on these rays against `testViews`' pixels, both composited over `background`.
    public func psnr(renderer: RadianceRenderer, field: some RadianceField, testViews: PosedViews,
                     background: SIMD3<Float>, minTransmittance: Float = 1e-4, pool: WorkerPool) -> Double {
        guard count > 0 else { return .nan }
        let views = self.views, pixels = self.pixels
        let out = renderer.render(rays: count, field: field, background: background, minTransmittance: minTransmittance,
                                  pool: pool) { i in
            let camera = testViews.cameras[Int(views[i])], p = Int(pixels[i])
            return (camera.position, camera.rayDirection(pixelX: Float(p % camera.width) + 0.5, pixelY: Float(p / camera.width) + 0.5))
        }
        var squares = 0.0
        for i in 0..<count {
            let camera = testViews.cameras[Int(views[i])], p = Int(pixels[i])
            let t = testViews.pixel(view: Int(views[i]), x: p % camera.width, y: p / camera.width)
            let truth = SIMD3(t.x, t.y, t.z) * t.w + background * (1 - t.w)
            for k in 0..<3 {
                let e = Double(out.rgb[3 * i + k] - truth[k])
                squares += e * e
            }
        }
        let mse = squares / Double(3 * count)
        return mse > 0 ? -10 * log10(mse) : .infinity
    }
}
