import Foundation
import Testing
import FieldIO
import Geometry
import TensorCore
@testable import Render

/// The analytic radiance scene: exact colours where rays hit, transparency where they miss, fractional
/// alpha at edges, and the same image every time.
/// The largest absolute per-channel difference of two colours.
private func maxDifference(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
    let d = a - b
    return pointwiseMax(d, -d).max()
}

@Suite struct ProceduralRadianceSceneTests {
    let scene = ProceduralRadianceScene()

    /// The first sphere of the scene (the red one).
    var redSphere: (center: SIMD3<Float>, radius: Float, albedo: SIMD3<Float>) {
        guard case let .sphere(c, r, a) = scene.shapes[0] else { fatalError("the first shape is a sphere") }
        return (c, r, a)
    }

    @Test func rayThroughSphereCentreSeesLitColour() {
        // Looking at the sphere's centre from the light's side: the centre pixel sees the fully lit colour.
        let s = redSphere
        let camera = Camera.lookAt(position: s.center + 0.8 * scene.lightDirection, target: s.center,
                                   worldUp: SIMD3(0, 1, 0), fieldOfViewX: 20, width: 9, height: 9)
        let hit = scene.trace(origin: camera.position, direction: camera.direction(x: 4, y: 4))
        let lit = 0.05 + 0.9 * s.albedo
        #expect(hit != nil)
        if let hit {
            #expect(abs(hit.distance - (0.8 - s.radius)) < 1e-4)
            #expect(maxDifference(hit.color, lit) < 1e-4)
        }
        let image = scene.render(camera)
        let p = image.pixel(x: 4, y: 4)
        #expect(p.w == 1)
        #expect(maxDifference(SIMD3(p.x, p.y, p.z), lit) < 5e-3, "\(p)")
        // From the far side, the sphere is lit by ambient light only.
        let dark = scene.trace(origin: s.center - 0.8 * scene.lightDirection, direction: scene.lightDirection)
        let ambientColour = 0.05 + 0.9 * s.albedo * scene.ambient
        #expect(dark.map { maxDifference($0.color, ambientColour) < 1e-4 } == true)
    }

    @Test func coloursStayInRange() {
        let image = scene.render(ProceduralRadianceScene.cameras(count: 1, width: 32, height: 32)[0])
        for y in 0..<32 {
            for x in 0..<32 {
                let p = image.pixel(x: x, y: y)
                if p.w > 0 { #expect(p.x >= 0.05 && p.x <= 0.95 && p.y >= 0.05 && p.z <= 0.95, "\(p)") }
            }
        }
    }

    @Test func missIsTransparent() {
        let c = ProceduralRadianceScene.center
        let away = Camera.lookAt(position: c + SIMD3(0, 0, 1.2), target: c + SIMD3(0, 0, 3),
                                 worldUp: SIMD3(0, 1, 0), fieldOfViewX: 45, width: 8, height: 8)
        let image = scene.render(away)
        #expect(image.channels == 4)
        #expect(image.pixels.allSatisfy { $0 == 0 })
        #expect(scene.trace(origin: c + SIMD3(0, 0, 1.2), direction: SIMD3(0, 0, 1)) == nil)
    }

    @Test func edgesHaveFractionalAlpha() {
        let image = scene.render(ProceduralRadianceScene.cameras(count: 3, width: 48, height: 48)[1])
        let alpha = image.alpha().pixels
        #expect(alpha.contains(1) && alpha.contains(0))
        let edges = alpha.filter { $0 > 0 && $0 < 1 }
        #expect(!edges.isEmpty)
        // Alphas are multiples of 1/9 (the 3×3 sub-pixel grid).
        #expect(alpha.allSatisfy { abs($0 * 9 - ($0 * 9).rounded()) < 1e-4 })
    }

    @Test func deterministicAndThreadCountFree() {
        let camera = ProceduralRadianceScene.cameras(count: 5, width: 24, height: 20)[2]
        let a = scene.render(camera), b = scene.render(camera)
        let c = scene.render(camera, pool: WorkerPool(threads: 2))
        #expect(a == b && a == c)
    }

    @Test func camerasSpreadAroundTheCentre() {
        let cameras = ProceduralRadianceScene.cameras(count: 40, width: 16, height: 16, distance: 1.2)
        #expect(cameras.count == 40)
        let c = ProceduralRadianceScene.center
        var above = 0
        for cam in cameras {
            let offset = cam.position - c
            #expect(abs(length(offset) - 1.2) < 1e-4)
            #expect(offset.y / 1.2 >= sin(-20 * Float.pi / 180) - 1e-5)
            if offset.y > 0 { above += 1 }
            // Looks at the centre: the centre ray points at it.
            #expect(length(normalized(c - cam.position) + cam.backward) < 1e-4)
        }
        #expect(above > 20 && above < 40)
    }

    @Test func viewsSplitEveryKth() {
        let v = scene.views(count: 10, width: 12, height: 12, testEvery: 4)
        #expect(v.test.count == 3 && v.train.count == 7)
        let cameras = ProceduralRadianceScene.cameras(count: 10, width: 12, height: 12)
        #expect(v.test.map(\.0) == [cameras[0], cameras[4], cameras[8]])
        #expect(v.test[1].1 == scene.render(cameras[4]))
    }

    @Test func containsMatchesTracing() {
        let s = redSphere
        #expect(scene.contains(s.center))
        #expect(!scene.contains(SIMD3(0.05, 0.05, 0.05)))
        // Everything occupied lies within 0.3 of the centre (inside the unit cube).
        var occupied = 0
        for i in 0..<32 { for j in 0..<32 { for k in 0..<32 {
            let p = (SIMD3(Float(i), Float(j), Float(k)) + 0.5) / 32
            if scene.contains(p) {
                occupied += 1
                #expect(length(p - ProceduralRadianceScene.center) <= 0.3)
            }
        } } }
        #expect(occupied > 300)   // about 1.3 % of the cube (415 of 32³)
        // A hit point is on a shape's surface: just inside along the ray is occupied, just before is not.
        let cam = ProceduralRadianceScene.cameras(count: 4, width: 16, height: 16)[3]
        let d = cam.direction(x: 8, y: 8)
        if let hit = scene.trace(origin: cam.position, direction: d) {
            #expect(scene.contains(cam.position + (hit.distance + 1e-3) * d))
            #expect(!scene.contains(cam.position + (hit.distance - 1e-3) * d))
        } else {
            Issue.record("the centre ray misses the scene")
        }
    }
}
