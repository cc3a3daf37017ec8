import Foundation
import Testing
import Geometry
@testable import Render

/// Capture layouts and the render paths that follow a capture: interpolation through the cameras, LLFF's spiral.
@Suite struct CapturePathsTests {
    /// `count` cameras on a plane in front of `target`, all looking at it (a forward-facing capture): a 4-wide
    /// grid, shuffled out of grid order.
    static func forwardCameras(count: Int = 12, target: SIMD3<Float> = SIMD3(0.5, 0.5, 0.5)) -> [Camera] {
        let cams = (0..<count).map { i -> Camera in
            let x = Float(i % 4) * 0.1 - 0.15, y = Float(i / 4) * 0.08 - 0.08
            return Camera.lookAt(position: target + SIMD3(x, y, 1.2), target: target + SIMD3(x * 0.2, 0, 0),
                                 worldUp: SIMD3(0, 1, 0), fieldOfViewX: 50, width: 40, height: 30)
        }
        var order = Array(0..<count)
        var rng = SplitMix64(seed: 5)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return order.map { cams[$0] }
    }

    /// Cameras on an arc of `degrees` around the centre at radius 1.2, looking at it.
    static func arcCameras(degrees: Double, count: Int = 9) -> [Camera] {
        (0..<count).map { i in
            let a = (Double(i) / Double(count - 1) - 0.5) * degrees * .pi / 180
            let p = SIMD3<Float>(0.5, 0.6, 0.5) + 1.2 * SIMD3(Float(sin(a)), 0, Float(cos(a)))
            return Camera.lookAt(position: p, target: SIMD3(repeating: 0.5), worldUp: SIMD3(0, 1, 0), fieldOfViewX: 45, width: 32, height: 32)
        }
    }

    @Test func surroundingCamerasAreInwardAndOneWayCamerasForward() {
        // lego-like: spread over the sphere above −20°, all looking at the centre.
        let around = ProceduralRadianceScene.cameras(count: 40, width: 16, height: 16)
        #expect(CaptureLayout.meanResultantLength(around) < 0.5)
        #expect(CaptureLayout.classify(around) == .inward)
        #expect(CaptureLayout.classify(Self.arcCameras(degrees: 360, count: 13)) == .inward)
        #expect(CaptureLayout.classify(Self.arcCameras(degrees: 200)) == .inward)
        let forward = Self.forwardCameras()
        #expect(CaptureLayout.meanResultantLength(forward) > 0.99)
        #expect(CaptureLayout.classify(forward) == .forward)
        #expect(CaptureLayout.classify(Self.arcCameras(degrees: 90)) == .forward)
        #expect(CaptureLayout.classify(Array(forward.prefix(1))) == .inward)
        // The forward cameras look at points near the centre: the focus is in front of them, near it.
        let f = CaptureLayout.focus(forward)
        #expect(f != nil && length(f! - SIMD3(0.5, 0.5, 0.5)) < 0.2, "\(String(describing: f))")
    }

    @Test func rotationsRoundTripAndSlerpEnds() {
        for c in ProceduralRadianceScene.cameras(count: 10, width: 8, height: 8) {
            let q = Rotation(camera: c)
            #expect(abs(q.w * q.w + (q.v * q.v).sum() - 1) < 1e-9)
            let m = q.columns
            for (a, b) in [(m.x, c.right), (m.y, c.up), (m.z, c.backward)] {
                #expect(length(SIMD3(Float(a.x), Float(a.y), Float(a.z)) - b) < 1e-5)
            }
        }
        let a = Rotation(camera: Self.arcCameras(degrees: 90)[0]), b = Rotation(camera: Self.arcCameras(degrees: 90)[8])
        #expect(Rotation.slerp(a, b, 0).angle(to: a) < 1e-6)
        #expect(Rotation.slerp(a, b, 1).angle(to: b) < 1e-6)
        #expect(abs(Rotation.slerp(a, b, 0.5).angle(to: a) - a.angle(to: b) / 2) < 1e-6)
    }

    @Test func captureOrderFollowsTheSweep() {
        let arc = Self.arcCameras(degrees: 90)
        let shuffled = [3, 7, 0, 5, 8, 1, 6, 2, 4].map { arc[$0] }
        let order = Camera.captureOrder(shuffled).map { [3, 7, 0, 5, 8, 1, 6, 2, 4][$0] }
        #expect(order == Array(0...8) || order == Array((0...8).reversed()), "\(order)")
    }

    @Test func interpolationPassesThroughTheKeysAndIsSmooth() {
        let keys = Self.forwardCameras()
        let order = Camera.captureOrder(keys)
        let per = 40
        let path = Camera.interpolated(through: keys, count: (keys.count - 1) * per + 1, width: 48, height: 36)
        #expect(path.count == (keys.count - 1) * per + 1)
        for (k, i) in order.enumerated() {
            let c = path[k * per], key = keys[i]
            #expect(length(c.position - key.position) < 1e-5)
            #expect(Rotation(camera: c).angle(to: Rotation(camera: key)) < 1e-3)
            #expect(abs(c.focalX - key.focalX * 48 / 40) < 1e-3)
        }
        // Orthonormal frames (unit quaternions).
        for c in path {
            #expect(abs(length(c.right) - 1) < 1e-5 && abs(length(c.up) - 1) < 1e-5 && abs(dot(c.right, c.up)) < 1e-5)
            #expect(length(cross(c.right, c.up) - c.backward) < 1e-4)
        }
        // C¹: the step between frames changes smoothly, at the keys too (a kink would jump by |Δ|·angle).
        let steps = zip(path.dropFirst(), path).map { $0.position - $1.position }
        let meanStep = steps.map { length($0) }.reduce(0, +) / Float(steps.count)
        let positionJump = zip(steps.dropFirst(), steps).map { length($0 - $1) }.max() ?? 0
        #expect(positionJump < 0.1 * meanStep, "position step changes by \(positionJump), mean step \(meanStep)")
        let spins = zip(path.dropFirst(), path).map { (b, a) -> SIMD3<Double> in (Rotation(camera: b) * Rotation(camera: a).inverse).log }
        let meanSpin = spins.map { ($0 * $0).sum().squareRoot() }.reduce(0, +) / Double(spins.count)
        let spinJump = zip(spins.dropFirst(), spins).map { (($0 - $1) * ($0 - $1)).sum().squareRoot() }.max() ?? 0
        #expect(spinJump < 0.1 * meanSpin, "angular step changes by \(spinJump), mean \(meanSpin)")
        // The ends are the first and last keys; one frame is the first key.
        #expect(length(path.last!.position - keys[order.last!].position) < 1e-5)
        #expect(Camera.interpolated(through: keys, count: 1, width: 8, height: 8)[0].position == keys[order[0]].position)
    }

    @Test func spiralStaysAroundTheMeanPoseLookingAtTheFocus() {
        let keys = Self.forwardCameras()
        let pose = Camera.meanPose(keys)
        let depth = Camera.spiralFocusDepth(keys, sceneCenter: SIMD3(repeating: 0.5))
        // The axes meet in y at depth 1.2 and in x at 1.5 (each camera looks at 0.2·its x offset): between them.
        #expect(depth > 1.15 && depth < 1.5, "focus depth \(depth)")
        let path = Camera.spiral(around: keys, count: 30, focusDepth: depth, width: 40, height: 30)
        #expect(path.count == 30)
        let farthestKey = keys.map { length($0.position - pose.position) }.max()!
        let target = pose.position - depth * pose.backward
        var spread: Float = 0
        for c in path {
            #expect(length(c.position - pose.position) <= farthestKey * 1.01)
            #expect(dot(-c.backward, -pose.backward) > 0.95)
            #expect(length(normalized(target - c.position) + c.backward) < 1e-4)   // looks at the focus
            spread = max(spread, length(c.position - pose.position))
        }
        #expect(spread > 0.3 * farthestKey)   // it does move around
    }
}

/// A tiny deterministic generator for shuffling test cameras (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
