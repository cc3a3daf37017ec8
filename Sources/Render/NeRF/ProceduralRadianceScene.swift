import FieldIO
import Foundation
import Geometry
import TensorCore

/// A small analytic radiance scene for tests and the demo: a few coloured opaque shapes inside the unit
/// cube around (0.5, 0.5, 0.5) (all within 0.3 of the centre), Lambert-shaded by a fixed directional light
/// plus ambient, so the colour of a surface point does not depend on the view. Rendered exactly by
/// ray–shape intersection, with a fixed 3×3 sub-pixel grid per pixel (deterministic anti-aliasing: edge
/// pixels get fractional alpha). The background is transparent.
public struct ProceduralRadianceScene: Sendable {
    /// One opaque shape with its albedo.
    public enum Shape: Equatable, Sendable {
        /// A sphere.
        case sphere(center: SIMD3<Float>, radius: Float, albedo: SIMD3<Float>)
        /// A box of half-sizes `halfExtent`, turned by `yRotation` radians about the y axis.
        case box(center: SIMD3<Float>, halfExtent: SIMD3<Float>, yRotation: Float, albedo: SIMD3<Float>)
    }

    /// A ray's first hit: its distance along the (unit) direction and the shaded colour.
    public struct Hit: Equatable, Sendable {
        public var distance: Float
        public var color: SIMD3<Float>
    }

    /// The centre the shapes sit around and the cameras look at.
    public static let center = SIMD3<Float>(repeating: 0.5)

    /// The shapes: a red sphere, a green box, a blue sphere and a small yellow sphere.
    public var shapes: [Shape]
    /// Unit direction towards the light (from above, front right).
    public var lightDirection: SIMD3<Float>
    /// Fraction of light that reaches surfaces facing away from the light.
    public var ambient: Float

    /// The default scene.
    public init() {
        let c = Self.center
        shapes = [
            .sphere(center: c + SIMD3(-0.12, -0.05, 0.05), radius: 0.12, albedo: SIMD3(0.95, 0.2, 0.15)),
            .box(center: c + SIMD3(0.12, -0.07, -0.07), halfExtent: SIMD3(0.07, 0.09, 0.07), yRotation: 0.5,
                 albedo: SIMD3(0.2, 0.8, 0.25)),
            .sphere(center: c + SIMD3(0.06, 0.12, 0.1), radius: 0.07, albedo: SIMD3(0.25, 0.45, 0.95)),
            .sphere(center: c + SIMD3(-0.08, 0.1, -0.12), radius: 0.05, albedo: SIMD3(0.95, 0.8, 0.2)),
        ]
        lightDirection = normalized(SIMD3(0.4, 0.8, 0.45))
        ambient = 0.3
    }

    /// The colour of a surface of `albedo` with unit normal `normal`: 0.05 + 0.9·albedo·(ambient +
    /// (1 − ambient)·max(0, n·l)), so every channel lies in [0.05, 0.95] for albedos in [0, 1].
    public func shade(albedo: SIMD3<Float>, normal: SIMD3<Float>) -> SIMD3<Float> {
        let lambert = max(0, dot(normal, lightDirection))
        return 0.05 + 0.9 * albedo * (ambient + (1 - ambient) * lambert)
    }

    /// The nearest hit of the ray from `origin` along the unit `direction` (distances > 1e-4), or nil.
    public func trace(origin: SIMD3<Float>, direction: SIMD3<Float>) -> Hit? {
        var best = Float.infinity
        var normal = SIMD3<Float>.zero, albedo = SIMD3<Float>.zero
        for shape in shapes {
            switch shape {
            case let .sphere(c, r, a):
                let oc = origin - c
                let b = dot(oc, direction)
                let disc = b * b - (dot(oc, oc) - r * r)
                if disc < 0 { continue }
                let s = disc.squareRoot()
                var t = -b - s
                if t <= 1e-4 { t = -b + s }
                if t > 1e-4, t < best {
                    best = t
                    normal = (origin + t * direction - c) / r
                    albedo = a
                }
            case let .box(c, h, angle, a):
                let cs = cos(angle), sn = sin(angle)
                func toLocal(_ v: SIMD3<Float>) -> SIMD3<Float> { SIMD3(cs * v.x - sn * v.z, v.y, sn * v.x + cs * v.z) }
                let o = toLocal(origin - c), d = toLocal(direction)
                let inv = 1 / d
                let t1 = (-h - o) * inv, t2 = (h - o) * inv
                let near = pointwiseMin(t1, t2), far = pointwiseMax(t1, t2)
                let tNear = near.max(), tFar = far.min()
                guard tNear <= tFar, tFar > 1e-4 else { continue }
                let entering = tNear > 1e-4
                let t = entering ? tNear : tFar
                if t < best {
                    best = t
                    // The face hit: the slab whose entry (or, from inside, exit) distance is t.
                    let v = entering ? near : far
                    let axis = entering ? (v.x >= v.y && v.x >= v.z ? 0 : (v.y >= v.z ? 1 : 2))
                                        : (v.x <= v.y && v.x <= v.z ? 0 : (v.y <= v.z ? 1 : 2))
                    var n = SIMD3<Float>.zero
                    n[axis] = (d[axis] > 0) == entering ? -1 : 1
                    normal = SIMD3(cs * n.x + sn * n.z, n.y, -sn * n.x + cs * n.z)
                    albedo = a
                }
            }
        }
        guard best.isFinite else { return nil }
        return Hit(distance: best, color: shade(albedo: albedo, normal: normal))
    }

    /// Whether `p` lies inside a shape (the scene's exact occupancy).
    public func contains(_ p: SIMD3<Float>) -> Bool {
        shapes.contains { shape in
            switch shape {
            case let .sphere(c, r, _):
                let v = p - c
                return dot(v, v) <= r * r
            case let .box(c, h, angle, _):
                let v = p - c, cs = cos(angle), sn = sin(angle)
                let l = SIMD3(cs * v.x - sn * v.z, v.y, sn * v.x + cs * v.z)
                return abs(l.x) <= h.x && abs(l.y) <= h.y && abs(l.z) <= h.z
            }
        }
    }

    /// Sub-pixel offsets per axis of the 3×3 anti-aliasing grid.
    static let subPixel: [Float] = RayTracedViews.subPixelOffsets(3)

    /// The view through `camera` as RGBA with straight alpha: alpha is the fraction of the pixel's 9
    /// sub-samples that hit a shape, colour the mean over those hits (0 where nothing is hit). Rows are
    /// spread over `pool`; the result does not depend on the thread count.
    public func render(_ camera: Camera, pool: WorkerPool = WorkerPool(threads: 1)) -> Image {
        RayTracedViews.render(camera, offsets: Self.subPixel, pool: pool) { trace(origin: $0, direction: $1)?.color }
    }

    /// `count` cameras spread evenly (a Fibonacci spiral) over the sphere of radius `distance` around
    /// `center`, at elevations from `minimumElevation` degrees up to the pole (y up), all looking at the
    /// centre with a horizontal field of view of `fieldOfViewX` degrees. Positions are in the unit-cube
    /// coordinates of the NeRF task (they lie outside the cube [0, 1]³ at the default distance).
    public static func cameras(count: Int, width: Int, height: Int, distance: Float = 1.2,
                               fieldOfViewX: Float = 45, minimumElevation: Float = -20) -> [Camera] {
        guard count > 0 else { return [] }
        let lowest = Double(sin(Double(minimumElevation) * .pi / 180))
        let golden = Double.pi * (3 - 5.0.squareRoot())
        return (0..<count).map { i in
            let y = lowest + (1 - lowest) * (Double(i) + 0.5) / Double(count)
            let r = max(0, 1 - y * y).squareRoot()
            let phi = golden * Double(i)
            let dir = SIMD3(Float(r * cos(phi)), Float(y), Float(r * sin(phi)))
            return Camera.lookAt(position: center + distance * dir, target: center, worldUp: SIMD3(0, 1, 0),
                                 fieldOfViewX: fieldOfViewX, width: width, height: height)
        }
    }

    /// `count` views from `cameras(count:width:height:)`, rendered, and split by the dataset rule: view i is
    /// held out for testing when i is a multiple of `testEvery` (never when it is 0).
    public func views(count: Int, width: Int, height: Int, testEvery: Int,
                      pool: WorkerPool = WorkerPool(threads: 1)) -> (train: [(Camera, Image)], test: [(Camera, Image)]) {
        RayTracedViews.split(Self.cameras(count: count, width: width, height: height), testEvery: testEvery) {
            render($0, pool: pool)
        }
    }
}
