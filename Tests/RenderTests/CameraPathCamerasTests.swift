import Foundation
import Testing
import FieldIO
import Geometry
@testable import Render

/// Cameras of a nerfstudio camera path agree with dataset cameras of the same pose.
@Suite struct CameraPathCamerasTests {
    /// A camera-to-world pose turned about y and x, at (0.3, −0.8, 2.5), row-major.
    let pose: [Double] = {
        let a = 0.4, b = -0.3
        let ry = [[cos(a), 0, sin(a)], [0, 1, 0], [-sin(a), 0, cos(a)]]
        let rx = [[1, 0, 0], [0, cos(b), -sin(b)], [0, sin(b), cos(b)]]
        var m = [Double](repeating: 0, count: 16)
        for i in 0..<3 { for j in 0..<3 { m[4 * i + j] = (0..<3).reduce(0) { $0 + ry[i][$1] * rx[$1][j] } } }
        m[3] = 0.3; m[7] = -0.8; m[11] = 2.5; m[15] = 1
        return m
    }()

    @Test func sameRayAsDatasetCamera() {
        let fov = 40.0, w = 64, h = 48
        let focal = 0.5 * Double(h) / tan(fov * .pi / 360)
        let frame = PosedFrame(imagePath: "x.png", sourceFile: "t.json", sourceIndex: 0, cameraToWorld: pose,
                               fileIntrinsics: CameraIntrinsics(width: w, height: h, focalX: focal, focalY: focal,
                                                                centerX: Double(w) / 2, centerY: Double(h) / 2))
        let path = CameraPath(width: w, height: h, frames: [CameraPathFrame(cameraToWorld: pose, verticalFOVDegrees: fov)])
        let scene = SceneTransform(aabbScale: 2, scale: 0.33, offset: SIMD3(0.5, 0.5, 0.5))
        for s in [nil, scene] {
            let expected = Camera(frame: frame, scene: s)
            let got = Camera.path(path, scene: s, width: nil, height: nil)
            #expect(got.count == 1)
            #expect(length(got[0].position - expected.position) < 1e-6)
            #expect(length(got[0].direction(x: w / 2, y: h / 2) - expected.direction(x: w / 2, y: h / 2)) < 1e-6)
            #expect(length(got[0].direction(x: 3, y: 40) - expected.direction(x: 3, y: 40)) < 1e-5)
        }
        #expect(length(Camera.path(path, scene: scene, width: nil, height: nil)[0].position
                       - SIMD3(Float(0.3 * 0.33 + 0.5), Float(-0.8 * 0.33 + 0.5), Float(2.5 * 0.33 + 0.5))) < 1e-6)
    }

    @Test func sizeOverridesKeepTheFieldOfView() {
        let path = CameraPath(width: 64, height: 48, frames: [CameraPathFrame(cameraToWorld: pose, verticalFOVDegrees: 60)])
        let base = Camera.path(path, scene: nil, width: nil, height: nil)[0]
        let big = Camera.path(path, scene: nil, width: 128, height: nil)[0]
        #expect(big.width == 128 && big.height == 96)
        #expect(abs(big.focalY - 2 * base.focalY) < 1e-4 && big.focalX == big.focalY)
        #expect(abs(base.focalY - Float(24 / tan(Double.pi / 6))) < 1e-4)
        let tall = Camera.path(path, scene: nil, width: nil, height: 24)[0]
        #expect(tall.width == 32 && tall.height == 24)
        // The image's top edge is 30° above the view axis at any size.
        let top = big.rayDirection(pixelX: 64, pixelY: 0)
        #expect(abs(dot(top, -big.backward) - Float(cos(Double.pi / 6))) < 1e-5)
    }
}
