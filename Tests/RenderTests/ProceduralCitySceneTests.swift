import Foundation
import Render
import TensorCore
import Testing

/// The procedural city: a large, many-object scene laid out from a seed, seen from above.
struct ProceduralCitySceneTests {
    @Test func isALargeCityBlockLaidOutFromTheSeed() {
        let city = ProceduralCityScene(seed: 1)
        #expect(city.objectCount > 200, "\(city.objectCount) objects")
        #expect(city.buildings.count > 60)
        // ≥ 20× the footprint of the lego scene's unit box, inside the NeRF scene cube.
        #expect(city.extent * city.extent >= 20)
        let half = Float(ProceduralCityScene.aabbScale) / 2
        for b in city.buildings {
            let lo = b.center - b.halfExtent - 0.5, hi = b.center + b.halfExtent - 0.5
            #expect(lo.min() > -half && hi.max() < half)
        }
        let heights = city.buildings.map { 2 * $0.halfExtent.y }
        #expect(heights.max()! > 4 * heights.min()!, "varied heights \(heights.min()!)…\(heights.max()!)")
        #expect(ProceduralCityScene(seed: 1) == city)
        #expect(ProceduralCityScene(seed: 2).buildings != city.buildings)
    }

    @Test func aerialCamerasFlyAboveTheRoofsAndLookDown() {
        let city = ProceduralCityScene(seed: 1)
        let roofs = city.buildings.map { $0.center.y + $0.halfExtent.y }.max()!
        let cameras = city.cameras(count: 24, width: 32, height: 24)
        #expect(cameras.count == 24)
        for camera in cameras {
            #expect(camera.position.y > roofs, "camera at \(camera.position.y), roofs up to \(roofs)")
            #expect(camera.backward.y > 0.3, "looks down: \(camera.backward)")
        }
    }

    @Test func viewsShowTheCityDeterministically() {
        let city = ProceduralCityScene(seed: 1)
        let camera = city.cameras(count: 8, width: 48, height: 36)[5]
        let a = city.render(camera, pool: WorkerPool(threads: 1)), b = city.render(camera, pool: WorkerPool(threads: 2))
        #expect(a.pixels == b.pixels)
        let n = a.width * a.height
        let covered = (0..<n).filter { a.pixels[4 * $0 + 3] > 0.99 }.count
        #expect(covered > n / 2, "\(covered) of \(n) pixels on the city")
        // Many distinct colours (textures), not a few flat ones.
        let colours = Set((0..<n).map { i in (0..<3).map { Int(a.pixels[4 * i + $0] * 32) } })
        #expect(colours.count > 40, "\(colours.count) colours")
    }
}
