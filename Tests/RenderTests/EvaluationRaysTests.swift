import FieldIO
import Geometry
import Foundation
import Testing
import TensorCore
@testable import Render

/// A ball of density 40 (radius 0.25 about the unit cube's centre) coloured by position, for the renderer.
struct BallField: RadianceField {
    var geometryWidth: Int { 4 }
    var batchCapacity: Int { 1 << 14 }
    func density(points: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) {
        for i in 0..<count {
            let p = SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2])
            let inside = length(p - 0.5) < 0.25
            // Raw density through VolumeCompositing.density's exp: log 40 inside, very thin outside.
            output[4 * i] = inside ? log(40) : -20
            output[4 * i + 1] = p.x; output[4 * i + 2] = p.y; output[4 * i + 3] = p.z
        }
    }
    func color(geometry: UnsafePointer<Float>, directions: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
               count: Int, pool: WorkerPool) {
        for i in 0..<count { for k in 0..<3 { output[3 * i + k] = geometry[4 * i + 1 + k] } }
    }
}

/// Periodic evaluations on a fixed subset of test rays, and the arbitrary-ray renderer behind them.
@Suite struct EvaluationRaysTests {
    let pool = WorkerPool(threads: 2)

    func cameras() -> [Camera] {
        [SIMD3<Float>(1.6, 0.9, 1.4), SIMD3(-0.4, 0.7, 1.5)].map {
            Camera.lookAt(position: $0, target: SIMD3(repeating: 0.5), worldUp: SIMD3(0, 1, 0), fieldOfViewX: 40, width: 24, height: 20)
        }
    }

    func renderer(near: Float = 0) -> RadianceRenderer {
        let grid = OccupancyGrid(volume: RadianceVolume(aabbScale: 1, stepsPerDiagonal: 256, near: near), resolution: 16, cellsPerUpdate: 1024)
        return RadianceRenderer(grid: grid)
    }

    @Test func subsetIsFixedAndSpreadOverTheViews() {
        let views = PosedViews(cameras: cameras())
        let a = EvaluationRays(testViews: views, count: 300), b = EvaluationRays(testViews: views, count: 300)
        #expect(a.count == 300 && a.views == b.views && a.pixels == b.pixels)
        #expect(Set(a.views) == [0, 1])
        #expect(a.pixels.allSatisfy { $0 >= 0 && $0 < 24 * 20 })
        #expect(EvaluationRays(testViews: views, count: 10_000).count == views.pixelCount)
    }

    @Test func raysRenderLikeTheirPixelsAndScoreTheirOwnImagesPerfectly() {
        let r = renderer(), field = BallField(), bg = SIMD3<Float>(1, 1, 1)
        let images = cameras().map { r.render($0, field: field, background: bg, minTransmittance: 1e-4, pool: pool).rgb }
        #expect(images[0].pixels.contains { $0 < 0.9 })           // the ball is in view
        let views = PosedViews(cameras: cameras(), images: images)
        let subset = EvaluationRays(testViews: views, count: 200)
        // Against the (8-bit rounded) renders themselves: only rounding is left.
        let psnr = subset.psnr(renderer: r, field: field, testViews: views, background: bg, pool: pool)
        #expect(psnr > 55, "\(psnr)")
        // The arbitrary-ray path gives each pixel exactly what the camera path gave it.
        let camera = cameras()[1]
        let pixels = [0, 57, 230, 479]
        let out = r.render(rays: pixels.count, field: field, background: bg, minTransmittance: 1e-4, pool: pool) { i in
            (camera.position, camera.rayDirection(pixelX: Float(pixels[i] % 24) + 0.5, pixelY: Float(pixels[i] / 24) + 0.5))
        }
        for (i, p) in pixels.enumerated() { for k in 0..<3 { #expect(out.rgb[3 * i + k] == images[1].pixels[3 * p + k]) } }
        // A darker prediction scores lower.
        let dark = PosedViews(cameras: cameras(), images: images.map { Image(width: $0.width, height: $0.height, channels: 3, pixels: $0.pixels.map { $0 * 0.8 }) })
        #expect(subset.psnr(renderer: r, field: field, testViews: dark, background: bg, pool: pool) < 30)
    }

    @Test func nearPlaneStartsRaysPastIt() {
        let camera = cameras()[0], bg = SIMD3<Float>(0, 0, 0)
        let clear = renderer().render(camera, field: BallField(), background: bg, pool: pool)
        #expect(clear.opacity.max()! > 0.99)
        // The ball's far side is about 1.6 from this camera: a near plane at 2 leaves nothing to see.
        let past = renderer(near: 2).render(camera, field: BallField(), background: bg, pool: pool)
        #expect(past.opacity.max()! < 0.01)
        let volume = RadianceVolume(near: 0.5)
        let span = volume.clip(origin: SIMD3(0.5, 0.5, -1), direction: SIMD3(0, 0, 1))
        #expect(span?.near == 1 && span?.far == 2)
        #expect(volume.clip(origin: SIMD3(0.5, 0.5, 0.2), direction: SIMD3(0, 0, 1))?.near == 0.5)
    }

    @Test func viewsAreStoredAsBytes() {
        let image = Image(width: 3, height: 2, channels: 4, pixels: (0..<24).map { Float($0 % 5) / 4 })
        let views = PosedViews(cameras: [cameras()[0].resized(width: 3, height: 2)], images: [image])
        #expect(views.byteCount == 24)
        #expect(views.pixel(view: 0, x: 1, y: 1) == SIMD4<Float>(64, 128, 191, 255) * (1 / 255))
        #expect(!views.isOpaque)
        let rgb = PosedViews(cameras: [cameras()[0].resized(width: 3, height: 2)],
                             images: [Image(width: 3, height: 2, channels: 3, fill: 0.5)])
        #expect(rgb.isOpaque && rgb.pixel(view: 0, x: 2, y: 0).w == 1)
    }
}
