import Foundation
import Geometry
import Render
import TensorCore

/// The random camera poses a radiance-field student is distilled from (PVD renders the teacher from poses it
/// never saw in training, not only from the training cameras). Every pose keeps a training camera's intrinsics.
///
/// - sphere (PVD's synthetic scenes): on the sphere of the training cameras' mean distance from the capture's
///   centre, azimuth uniform, elevation above the horizon (about the cameras' mean up) between the lowest and
///   highest training camera's, drawn as lo + (hi − lo)·u² so that more poses lie near the horizon (PVD's
///   angle bands, which favour it), looking at the centre.
/// - jitter (forward-facing captures): a training camera rotated about the capture's focus by up to π/20
///   about a random axis (PVD-AL's jitter of hard poses).
/// - train: a training camera as it is.
struct DistillationPoses {
    let cameras: [Camera]
    let kind: DistillSettings.Poses
    /// The capture's centre (the unit box's middle) and focus (where the cameras look; the centre when unknown).
    let center: SIMD3<Float>, focus: SIMD3<Float>
    let up: SIMD3<Float>, east: SIMD3<Float>, north: SIMD3<Float>
    let radius: Float
    let lowestElevation: Float, highestElevation: Float
    /// PVD-AL's jitter of hard poses: rotations up to this angle.
    static let jitterAngle = Float.pi / 20

    /// Poses around `cameras` (the training cameras); `auto` picks sphere for inward-facing captures and
    /// jitter for forward-facing ones.
    init(cameras: [Camera], kind requested: DistillSettings.Poses) {
        precondition(!cameras.isEmpty, "DistillationPoses: no training cameras")
        self.cameras = cameras
        center = SIMD3(repeating: 0.5)
        focus = CaptureLayout.focus(cameras) ?? center
        kind = requested != .auto ? requested : (CaptureLayout.classify(cameras) == .forward ? .jitter : .sphere)
        let upSum = cameras.reduce(SIMD3<Float>()) { $0 + $1.up }
        up = length(upSum) > 1e-3 ? normalized(upSum) : SIMD3(0, 0, 1)
        let helper: SIMD3<Float> = abs(up.x) < 0.9 ? SIMD3(1, 0, 0) : SIMD3(0, 1, 0)
        east = normalized(cross(helper, up))
        north = cross(up, east)
        let c = center
        radius = cameras.map { length($0.position - c) }.reduce(0, +) / Float(cameras.count)
        let u = up
        let elevations = cameras.map { cam -> Float in asin(min(1, max(-1, dot(normalized(cam.position - c), u)))) }
        lowestElevation = min(elevations.min()!, 0)
        highestElevation = max(elevations.max()!, lowestElevation + 0.1)
    }

    /// A pose drawn from `rng` (with the intrinsics of a random training camera).
    func draw(_ rng: inout RandomGenerator) -> Camera {
        let base = cameras[rng.nextInt(below: cameras.count)]
        switch kind {
        case .sphere, .auto:
            let azimuth = rng.nextFloat(-.pi, .pi)
            let u = rng.nextFloat()
            let elevation = lowestElevation + (highestElevation - lowestElevation) * u * u
            let direction = cos(elevation) * (cos(azimuth) * east + sin(azimuth) * north) + sin(elevation) * up
            return DistillationPoses.looking(at: center, from: center + radius * direction, up: up, intrinsics: base)
        case .jitter:
            return jittered(base, &rng)
        case .train:
            return base
        }
    }

    /// `camera` rotated about the focus by a random rotation of up to `jitterAngle`.
    func jittered(_ camera: Camera, _ rng: inout RandomGenerator) -> Camera {
        var axis = SIMD3<Double>(Double(rng.nextFloat(-1, 1)), Double(rng.nextFloat(-1, 1)), Double(rng.nextFloat(-1, 1)))
        let n = (axis * axis).sum().squareRoot()
        axis = n > 1e-6 ? axis / n : SIMD3(0, 0, 1)
        let angle = Double(rng.nextFloat(0, DistillationPoses.jitterAngle))
        let m = Rotation.exp(axis * (angle / 2)).columns  // exp(u) turns by 2·|u|
        func rotate(_ v: SIMD3<Float>) -> SIMD3<Float> {
            let d = SIMD3<Double>(Double(v.x), Double(v.y), Double(v.z))
            let r = m.x * d.x + m.y * d.y + m.z * d.z
            return SIMD3(Float(r.x), Float(r.y), Float(r.z))
        }
        var c = camera
        c.position = focus + rotate(camera.position - focus)
        c.right = rotate(camera.right); c.up = rotate(camera.up); c.backward = rotate(camera.backward)
        return c
    }

    /// A camera with `intrinsics`' image size and focal lengths at `position`, looking at `target`.
    static func looking(at target: SIMD3<Float>, from position: SIMD3<Float>, up hint: SIMD3<Float>, intrinsics: Camera) -> Camera {
        let backward = normalized(position - target)
        var right = cross(hint, backward)
        if length(right) < 1e-6 { right = cross(SIMD3(1, 0, 0), backward) }
        right = normalized(right)
        var c = intrinsics
        c.right = right; c.up = cross(backward, right); c.backward = backward; c.position = position
        c.distortion = nil
        return c
    }
}
