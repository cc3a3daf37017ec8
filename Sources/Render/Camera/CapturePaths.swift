import Foundation
import Geometry

/// Render paths that follow a capture's own cameras, for forward-facing captures where an orbit would look
/// at the scene from behind: nerfstudio's `interpolate` (a smooth path through the cameras) and LLFF's spiral
/// around their mean pose.
extension Camera {
    /// `count` cameras along a smooth path through `keys` (nerfstudio's `interpolate`): the keys ordered along
    /// the capture (`captureOrder`), positions on a uniform Catmull–Rom spline (C¹, through every key; the
    /// ends extended by reflection), orientations by Shoemake's squad on unit quaternions (C¹, through every
    /// key's), focal length and principal point linearly between the keys. Frame k sits at spline parameter
    /// k·(keys − 1)/(count − 1), so the first and last frames are the first and last keys. Images are
    /// `width` × `height` with the keys' field of view; no lens distortion.
    public static func interpolated(through keys: [Camera], count: Int, width: Int, height: Int) -> [Camera] {
        guard !keys.isEmpty, count > 0 else { return [] }
        let order = captureOrder(keys)
        let ordered = order.map { keys[$0] }
        let positions = ordered.map { double($0.position) }
        var rotations = ordered.map { Rotation(camera: $0) }
        for i in rotations.indices.dropFirst() where rotations[i].dot(rotations[i - 1]) < 0 {
            rotations[i] = rotations[i].negated   // one hemisphere along the chain, so squad takes short arcs
        }
        let n = ordered.count
        func position(_ i: Int) -> SIMD3<Double> {
            if i < 0 { return n > 1 ? 2 * positions[0] - positions[1] : positions[0] }
            if i >= n { return n > 1 ? 2 * positions[n - 1] - positions[n - 2] : positions[n - 1] }
            return positions[i]
        }
        func rotation(_ i: Int) -> Rotation { rotations[min(max(i, 0), n - 1)] }
        return (0..<count).map { k in
            let u = count > 1 ? Double(k) * Double(n - 1) / Double(count - 1) : 0
            let i = min(Int(u), max(n - 2, 0)), t = n > 1 ? u - Double(i) : 0
            let p = catmullRom(position(i - 1), position(i), position(i + 1), position(i + 2), t)
            let q = n > 1 ? Rotation.squad(rotation(i - 1), rotation(i), rotation(i + 1), rotation(i + 2), t) : rotations[0]
            let a = ordered[i], b = ordered[min(i + 1, n - 1)]
            func mix(_ x: Float, _ y: Float) -> Float { x + (y - x) * Float(t) }
            let c = q.columns
            return Camera(width: width, height: height,
                          focalX: mix(a.focalX / Float(a.width), b.focalX / Float(b.width)) * Float(width),
                          focalY: mix(a.focalY / Float(a.height), b.focalY / Float(b.height)) * Float(height),
                          centerX: mix(a.centerX / Float(a.width), b.centerX / Float(b.width)) * Float(width),
                          centerY: mix(a.centerY / Float(a.height), b.centerY / Float(b.height)) * Float(height),
                          right: float(c.x), up: float(c.y), backward: float(c.z), position: float(p))
        }
    }

    /// `count` cameras on LLFF's spiral (`render_path_spiral`) around the mean pose of `keys`: the mean
    /// position, the mean viewing direction and up; radii per axis of the mean pose's frame the 90th
    /// percentile of the cameras' offsets from it; `rotations` turns (LLFF: 2) with the depth offset at
    /// half the rate; every camera looks at the point `focusDepth` in front of the mean pose. Images are
    /// `width` × `height` with the first key's field of view.
    public static func spiral(around keys: [Camera], count: Int, focusDepth: Float, rotations: Double = 2,
                              width: Int, height: Int) -> [Camera] {
        guard let first = keys.first, count > 0 else { return [] }
        let pose = meanPose(keys)
        var offsets: [[Float]] = [[], [], []]
        for c in keys {
            let d = c.position - pose.position
            offsets[0].append(abs(dot(d, pose.right))); offsets[1].append(abs(dot(d, pose.up)))
            offsets[2].append(abs(dot(d, pose.backward)))
        }
        let radii = SIMD3(percentile(offsets[0], 0.9), percentile(offsets[1], 0.9), percentile(offsets[2], 0.9))
        let target = pose.position - pose.backward * focusDepth
        let fovX = 2 * atan(Double(first.width) / 2 / Double(first.focalX)) * 180 / .pi
        let scaled = first.resized(width: width, height: height)
        return (0..<count).map { k in
            let theta = 2 * Double.pi * rotations * Double(k) / Double(count)
            let offset = SIMD3(Float(cos(theta)), Float(-sin(theta)), Float(-sin(theta * 0.5))) * radii
            let position = pose.position + offset.x * pose.right + offset.y * pose.up + offset.z * pose.backward
            var c = lookAt(position: position, target: target, worldUp: pose.up, fieldOfViewX: Float(fovX), width: width, height: height)
            c.focalY = c.focalX * scaled.focalY / scaled.focalX
            return c
        }
    }

    /// The depth in front of the mean pose of `keys` that a spiral should look at: where the cameras' optical
    /// axes meet (`CaptureLayout.focus`) when that is in front of the mean pose, else the distance along the
    /// mean viewing direction to `sceneCenter` (at least a tenth of the distance to it).
    public static func spiralFocusDepth(_ keys: [Camera], sceneCenter: SIMD3<Float>) -> Float {
        let pose = meanPose(keys)
        let toCenter = sceneCenter - pose.position
        let fallback = max(dot(toCenter, -pose.backward), 0.1 * length(toCenter), 1e-3)
        guard let f = CaptureLayout.focus(keys) else { return fallback }
        let depth = dot(f - pose.position, -pose.backward)
        return depth > 1e-3 ? depth : fallback
    }

    /// The mean pose of `cameras` (LLFF's `poses_avg`): the mean position, backward the normalised mean
    /// backward axis, right and up orthonormalised from the mean up.
    public static func meanPose(_ cameras: [Camera]) -> (position: SIMD3<Float>, right: SIMD3<Float>, up: SIMD3<Float>, backward: SIMD3<Float>) {
        let n = Float(max(cameras.count, 1))
        let position = cameras.reduce(SIMD3<Float>()) { $0 + $1.position } / n
        var backward = normalized(cameras.reduce(SIMD3<Float>()) { $0 + $1.backward })
        if length(backward) < 0.5 { backward = cameras.first?.backward ?? SIMD3(0, 0, 1) }
        let upHint = cameras.reduce(SIMD3<Float>()) { $0 + $1.up }
        var right = normalized(cross(upHint, backward))
        if length(right) < 0.5 { right = normalized(cross(SIMD3(0, 1, 0), backward)) }
        if length(right) < 0.5 { right = SIMD3(1, 0, 0) }
        return (position, right, cross(backward, right), backward)
    }

    /// The order of `cameras` along the capture: from the camera farthest from their centroid (an end of a
    /// sweep), each next the nearest camera not yet taken (ties by index). Deterministic.
    public static func captureOrder(_ cameras: [Camera]) -> [Int] {
        guard !cameras.isEmpty else { return [] }
        let centroid = cameras.reduce(SIMD3<Float>()) { $0 + $1.position } / Float(cameras.count)
        var current = 0, farthest: Float = -1
        for (i, c) in cameras.enumerated() where length(c.position - centroid) > farthest {
            farthest = length(c.position - centroid); current = i
        }
        var taken = [Bool](repeating: false, count: cameras.count)
        var order = [current]
        taken[current] = true
        for _ in 1..<cameras.count {
            var best = -1, bestDistance = Float.infinity
            for (i, c) in cameras.enumerated() where !taken[i] {
                let d = length(c.position - cameras[current].position)
                if d < bestDistance { best = i; bestDistance = d }
            }
            taken[best] = true
            order.append(best)
            current = best
        }
        return order
    }
}

/// The uniform Catmull–Rom spline through `p1` (t = 0) and `p2` (t = 1) with neighbours `p0` and `p3`.
func catmullRom(_ p0: SIMD3<Double>, _ p1: SIMD3<Double>, _ p2: SIMD3<Double>, _ p3: SIMD3<Double>, _ t: Double) -> SIMD3<Double> {
    let t2 = t * t, t3 = t2 * t
    let a = 2 * p1, b = p2 - p0, c = 2 * p0 - 5 * p1 + 4 * p2 - p3, d = 3 * p1 - p0 - 3 * p2 + p3
    return 0.5 * (a + b * t + c * t2 + d * t3)
}

/// The `q`-quantile (0...1) of `values` by linear interpolation between order statistics, as numpy's percentile.
func percentile(_ values: [Float], _ q: Double) -> Float {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let x = q * Double(sorted.count - 1)
    let i = Int(x), f = Float(x - Double(i))
    return i + 1 < sorted.count ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i]
}

/// `v` in Float.
@inline(__always)
func float(_ v: SIMD3<Double>) -> SIMD3<Float> { SIMD3(Float(v.x), Float(v.y), Float(v.z)) }
