import FieldIO
import Foundation
import TensorCore

/// The procedural labelled shape families (synthetic, made by fieldfit from formulas; no data set is used):
/// each case draws its proportions from a random generator, builds a closed mesh from `ShapeParts` (y up,
/// about unit size), and `make` then applies a random pose. The table of what varies is `summary`.
public enum ShapeFamily: String, CaseIterable, Sendable {
    case ellipsoid, box, cylinder, cone, capsule, torus, torusKnot = "torus-knot", helix, bottle, chair, table

    /// What the family is and what varies, for the generated set's README.
    public var summary: String {
        switch self {
        case .ellipsoid: return "ellipsoid of revolution, then stretched across: radii 0.35–0.6, height ratio 0.6–1.6"
        case .box: return "rectangular box, sides 0.35–1"
        case .cylinder: return "capped cylinder, radius 0.2–0.45, height 0.6–1.3"
        case .cone: return "cone with a flat base, base radius 0.3–0.55, height 0.7–1.3"
        case .capsule: return "cylinder with hemispherical ends, radius 0.15–0.3, straight part 0.4–1"
        case .torus: return "torus, major radius 0.45–0.7, tube radius 0.08–0.22"
        case .torusKnot: return "tube along a (p,q) torus knot, (p,q) ∈ {(2,3),(3,2),(2,5),(3,4),(3,5)}, tube radius 0.05–0.08"
        case .helix: return "spring: a capped tube along a helix, 2.5–6 turns, radius 0.3–0.5, height 0.6–1.4"
        case .bottle: return "bottle of revolution: body radius 0.22–0.35, shoulder, neck radius 0.06–0.12"
        case .chair: return "chair from boxes: seat, 4 legs, a back (solid or 2–4 slats), random proportions"
        case .table: return "table from boxes: top and 4 legs, or a round top on a pedestal and foot"
        }
    }

    /// Shape `index` of this family for `seed`: the same arguments always give the same mesh.
    public func make(seed: UInt64, index: Int) -> TriangleMesh {
        var rng = RandomGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9, stream: UInt64(ShapeFamily.allCases.firstIndex(of: self)!) &+ 101)
        let local = build(&rng)
        return ShapeFamily.randomPose(local, &rng)
    }

    /// The family's mesh in its own frame (y up).
    private func build(_ rng: inout RandomGenerator) -> TriangleMesh {
        func r(_ lo: Float, _ hi: Float) -> Float { rng.nextFloat(lo, hi) }
        switch self {
        case .ellipsoid:
            let radius = r(0.35, 0.6), ratio = r(0.6, 1.6), across = r(0.7, 1.3)
            let m = ShapeParts.revolution(ShapeParts.ellipseProfile(radius: radius, halfHeight: radius * ratio))
            return m.scaled(SIMD3(1, 1, across))
        case .box:
            return ShapeParts.box(center: .zero, size: SIMD3(r(0.35, 1), r(0.35, 1), r(0.35, 1)))
        case .cylinder:
            let radius = r(0.2, 0.45), h = r(0.6, 1.3) / 2
            return ShapeParts.revolution([SIMD2(0, -h), SIMD2(radius, -h), SIMD2(radius, h), SIMD2(0, h)])
        case .cone:
            let radius = r(0.3, 0.55), h = r(0.7, 1.3) / 2
            return ShapeParts.revolution([SIMD2(0, -h), SIMD2(radius, -h), SIMD2(0, h)])
        case .capsule:
            let radius = r(0.15, 0.3), half = r(0.4, 1) / 2
            let bottom = ShapeParts.ellipseProfile(radius: radius, halfHeight: radius, center: -half, steps: 24).prefix(13)
            let top = ShapeParts.ellipseProfile(radius: radius, halfHeight: radius, center: half, steps: 24).suffix(12)
            return ShapeParts.revolution(Array(bottom) + Array(top))
        case .torus:
            return ProceduralMesh.torus(majorRadius: r(0.45, 0.7), minorRadius: r(0.08, 0.22), majorSegments: 48, minorSegments: 20)
        case .torusKnot:
            let pq: [(Float, Float)] = [(2, 3), (3, 2), (2, 5), (3, 4), (3, 5)]
            let (p, q) = pq[rng.nextInt(below: pq.count)]
            let major = r(0.4, 0.5), minor = r(0.15, 0.22), tube = r(0.05, 0.08)
            let count = 96 * Int(max(p, q))
            let points = (0..<count).map { i -> SIMD3<Float> in
                let t = 2 * Float.pi * Float(i) / Float(count)
                let ring = major + minor * cos(q * t)
                return SIMD3(ring * cos(p * t), minor * sin(q * t), ring * sin(p * t))
            }
            return ShapeParts.closedTube(points, radius: tube, sides: 12)
        case .helix:
            let turns = r(2.5, 6), radius = r(0.3, 0.5), height = r(0.6, 1.4)
            let wire = min(r(0.04, 0.08), 0.35 * height / turns)
            let count = Int(48 * turns)
            let points = (0...count).map { i -> SIMD3<Float> in
                let s = Float(i) / Float(count), a = 2 * Float.pi * turns * s
                return SIMD3(radius * cos(a), height * (s - 0.5), radius * sin(a))
            }
            return ShapeParts.cappedTube(points, radius: wire, sides: 12)
        case .bottle:
            let body = r(0.22, 0.35), bodyHeight = r(0.5, 0.9), shoulder = r(0.1, 0.25), neck = r(0.06, 0.12), neckLength = r(0.15, 0.35)
            let y0 = -(bodyHeight + shoulder + neckLength) / 2
            let y1 = y0 + bodyHeight, y2 = y1 + shoulder, y3 = y2 + neckLength
            var profile: [SIMD2<Float>] = [SIMD2(0, y0), SIMD2(body * 0.95, y0), SIMD2(body, y0 + 0.03), SIMD2(body, y1)]
            for k in 1...6 {
                let s = Float(k) / 6
                profile.append(SIMD2(neck + (body - neck) * 0.5 * (1 + cos(Float.pi * s)), y1 + shoulder * s))
            }
            profile += [SIMD2(neck, y3), SIMD2(neck * 1.25, y3), SIMD2(neck * 1.25, y3 + 0.04), SIMD2(0, y3 + 0.04)]
            return ShapeParts.revolution(profile)
        case .chair:
            let width = r(0.8, 1.1), depth = r(0.8, 1.1), seatHeight = r(0.8, 1.1), seat = r(0.08, 0.14)
            let leg = r(0.06, 0.12), backHeight = r(0.7, 1.2), back = r(0.06, 0.12)
            var parts = [ShapeParts.box(center: SIMD3(0, seatHeight - seat / 2, 0), size: SIMD3(width, seat, depth))]
            for sx: Float in [-1, 1] {
                for sz: Float in [-1, 1] {
                    let c = SIMD3(sx * (width - leg) / 2, (seatHeight - seat / 2) / 2, sz * (depth - leg) / 2)
                    parts.append(ShapeParts.box(center: c, size: SIMD3(leg, seatHeight - seat / 2, leg)))
                }
            }
            let backZ = -(depth - back) / 2
            let slats = rng.nextInt(below: 4)   // 0: a solid back; else 2–4 slats under a top rail
            if slats == 0 {
                parts.append(ShapeParts.box(center: SIMD3(0, seatHeight + backHeight / 2 - 0.01, backZ), size: SIMD3(width, backHeight, back)))
            } else {
                let rail = 0.15 * backHeight
                parts.append(ShapeParts.box(center: SIMD3(0, seatHeight + backHeight - rail / 2, backZ), size: SIMD3(width, rail, back)))
                let n = slats + 1, slat = min(leg, width / Float(2 * n))
                for k in 0..<n {
                    let x = -width / 2 + slat / 2 + (width - slat) * Float(k) / Float(n - 1)
                    parts.append(ShapeParts.box(center: SIMD3(x, seatHeight + (backHeight - rail) / 2, backZ),
                                                size: SIMD3(slat, backHeight - rail + 0.02, back)))
                }
            }
            return ShapeParts.union(parts).centered()
        case .table:
            let height = r(0.6, 0.9), top = r(0.05, 0.1)
            if rng.nextInt(below: 3) == 0 {
                // A round top on a pedestal with a round foot.
                let radius = r(0.6, 0.9), stem = r(0.05, 0.1), foot = r(0.25, 0.45)
                let parts = [
                    ShapeParts.revolution([SIMD2(0, height - top), SIMD2(radius, height - top), SIMD2(radius, height), SIMD2(0, height)]),
                    ShapeParts.revolution([SIMD2(0, 0.04), SIMD2(stem, 0.04), SIMD2(stem, height - top + 0.01), SIMD2(0, height - top + 0.01)]),
                    ShapeParts.revolution([SIMD2(0, 0), SIMD2(foot, 0), SIMD2(foot * 0.8, 0.05), SIMD2(0, 0.05)]),
                ]
                return ShapeParts.union(parts).centered()
            }
            let width = r(1.2, 2), depth = r(0.7, 1.2), leg = r(0.06, 0.12), inset = r(0, 0.12)
            var parts = [ShapeParts.box(center: SIMD3(0, height - top / 2, 0), size: SIMD3(width, top, depth))]
            for sx: Float in [-1, 1] {
                for sz: Float in [-1, 1] {
                    let c = SIMD3(sx * (width / 2 - leg / 2 - inset), (height - top / 2) / 2, sz * (depth / 2 - leg / 2 - inset))
                    parts.append(ShapeParts.box(center: c, size: SIMD3(leg, height - top / 2, leg)))
                }
            }
            return ShapeParts.union(parts).centered()
        }
    }

    /// A random pose: any turn about the vertical axis, a tilt of up to ±0.25 rad about x and z, a scale of 0.8–1.2.
    static func randomPose(_ mesh: TriangleMesh, _ rng: inout RandomGenerator) -> TriangleMesh {
        let yaw = rng.nextFloat(0, 2 * Float.pi), tiltX = rng.nextFloat(-0.25, 0.25), tiltZ = rng.nextFloat(-0.25, 0.25)
        let scale = rng.nextFloat(0.8, 1.2)
        func rotate(_ p: SIMD3<Float>) -> SIMD3<Float> {
            var q = SIMD3(cos(yaw) * p.x + sin(yaw) * p.z, p.y, -sin(yaw) * p.x + cos(yaw) * p.z)
            q = SIMD3(q.x, cos(tiltX) * q.y - sin(tiltX) * q.z, sin(tiltX) * q.y + cos(tiltX) * q.z)
            q = SIMD3(cos(tiltZ) * q.x - sin(tiltZ) * q.y, sin(tiltZ) * q.x + cos(tiltZ) * q.y, q.z)
            return scale * q
        }
        return TriangleMesh(positions: mesh.positions.map(rotate), triangles: mesh.triangles)
    }
}

extension TriangleMesh {
    /// This mesh with every position multiplied by `factors` per axis (positive factors keep the orientation).
    func scaled(_ factors: SIMD3<Float>) -> TriangleMesh {
        TriangleMesh(positions: positions.map { $0 * factors }, triangles: triangles)
    }

    /// This mesh moved so that its bounding box is centred on the origin.
    func centered() -> TriangleMesh {
        let b = bounds, c = (b.min + b.max) / 2
        return TriangleMesh(positions: positions.map { $0 - c }, triangles: triangles)
    }
}
