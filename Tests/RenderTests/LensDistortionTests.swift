import FieldIO
import Foundation
import Geometry
import Render
import Testing
import TestSupport

/// Lens distortion (distort ∘ undistort), distorted ray directions, and cameras made from each
/// transforms.json dialect giving the same rays.
struct LensDistortionTests {
    static let lenses: [LensDistortion] = [
        LensDistortion(k1: -0.28, k2: 0.07, p1: 0.0012, p2: -0.0009),          // barrel, typical phone/COLMAP
        LensDistortion(k1: 0.12, k2: -0.03, k3: 0.01, p1: -0.002, p2: 0.003),  // pincushion with k3
        LensDistortion(k1: 0.05, k2: 0.01, k3: -0.004, k4: 0.001),             // nerfstudio's four radial terms
    ]

    @Test func distortUndistortRoundTrip() {
        for lens in Self.lenses {
            for i in -8...8 {
                for j in -6...6 {
                    let p = SIMD2<Float>(Float(i) * 0.08, Float(j) * 0.08)
                    let back = lens.undistort(lens.distort(p))
                    #expect(abs(back.x - p.x) < 2e-6 && abs(back.y - p.y) < 2e-6, "\(lens) \(p) → \(back)")
                    let q = lens.distort(lens.undistort(p))
                    #expect(abs(q.x - p.x) < 2e-6 && abs(q.y - p.y) < 2e-6, "\(lens) \(p) → \(q)")
                }
            }
        }
    }

    @Test func distortionMatchesTheOpenCVFormula() {
        let lens = LensDistortion(k1: 0.1, k2: 0.02, k3: 0.003, p1: 0.004, p2: 0.005)
        let x: Float = 0.3, y: Float = -0.2, r2 = x * x + y * y
        let radial = 1 + 0.1 * r2 + 0.02 * r2 * r2 + 0.003 * r2 * r2 * r2
        let d = lens.distort(SIMD2(x, y))
        #expect(abs(d.x - (x * radial + 2 * 0.004 * x * y + 0.005 * (r2 + 2 * x * x))) < 1e-7)
        #expect(abs(d.y - (y * radial + 0.004 * (r2 + 2 * y * y) + 2 * 0.005 * x * y)) < 1e-7)
        #expect(LensDistortion(DistortionCoefficients()) == nil)
        #expect(LensDistortion(DistortionCoefficients(k1: 0.1, p2: 0.005)) == LensDistortion(k1: 0.1, p2: 0.005))
    }

    /// A camera turned about y and x, at an arbitrary position, with distinct focal lengths.
    func camera(_ lens: LensDistortion?) -> Camera {
        var c = Camera.lookAt(position: SIMD3(1, 2, 3), target: SIMD3(0.2, -0.1, 0.4), worldUp: SIMD3(0, 1, 0),
                              fieldOfViewX: 60, width: 64, height: 48)
        c.focalY = c.focalX * 1.1
        c.centerX = 31.2; c.centerY = 24.7
        c.distortion = lens
        return c
    }

    @Test func rayDirectionWithoutDistortionMatchesPixelCentres() {
        let c = camera(nil)
        for (x, y) in [(0, 0), (63, 47), (17, 30)] {
            let a = c.direction(x: x, y: y), b = c.rayDirection(pixelX: Float(x) + 0.5, pixelY: Float(y) + 0.5)
            #expect(length(a - b) < 1e-6)
        }
    }

    @Test func distortedRayProjectsBackToItsPixel() {
        for lens in Self.lenses {
            let c = camera(lens)
            for (px, py) in [(0.25, 0.5), (63.9, 47.5), (20.3, 11.1), (31.2, 24.7)] as [(Float, Float)] {
                let d = c.rayDirection(pixelX: px, pixelY: py)
                #expect(abs(length(d) - 1) < 1e-5)
                let depth = -dot(d, c.backward)
                let ideal = SIMD2(dot(d, c.right) / depth, -dot(d, c.up) / depth)
                let seen = lens.distort(ideal)
                #expect(abs(seen.x * c.focalX + c.centerX - px) < 1e-3 && abs(seen.y * c.focalY + c.centerY - py) < 1e-3,
                        "\(px), \(py)")
            }
            // The principal point is not moved by the lens: its ray is the camera's −z axis.
            #expect(length(c.rayDirection(pixelX: c.centerX, pixelY: c.centerY) + c.backward) < 1e-6)
        }
    }

    // MARK: cameras from datasets

    static let poses: [[[Double]]] = [
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]],
        [[0, 0, 1, 4], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1]],
    ]
    static let angleX = 0.9, width = 8, height = 6
    static var focal: Double { 0.5 * Double(width) / tan(angleX / 2) }

    /// A temporary folder with two RGBA images and the same two cameras written in all three dialects
    /// (the nerfstudio one with a distortion); returns the three json paths.
    func writeThreeForms() throws -> [String] {
        let dir = TemporaryFolders.make("render-nerf")
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        for i in 0..<2 {
            try Image(width: Self.width, height: Self.height, channels: 4, fill: 0.5).writePNG(to: "\(dir)/images/img_\(i).png")
        }
        func matrix(_ m: [[Double]]) -> String { "[" + m.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]" }
        func frames(_ ext: String, _ extra: String) -> String {
            "[" + (0..<2).map { "{\"file_path\": \"images/img_\($0)\(ext)\", \"transform_matrix\": \(matrix(Self.poses[$0]))\(extra)}" }
                .joined(separator: ",") + "]"
        }
        let f = Self.focal
        let texts = [
            "{\"camera_angle_x\": \(Self.angleX), \"frames\": \(frames("", ""))}",
            "{\"fl_x\": \(f), \"fl_y\": \(f), \"cx\": 4, \"cy\": 3, \"w\": 8, \"h\": 6, \"aabb_scale\": 2, \"frames\": \(frames(".png", ""))}",
            "{\"camera_model\": \"OPENCV\", \"frames\": \(frames(".png", ", \"fl_x\": \(f), \"fl_y\": \(f), \"cx\": 4, \"cy\": 3, \"w\": 8, \"h\": 6, \"k1\": -0.2, \"k2\": 0.05, \"p1\": 0.001, \"p2\": -0.002"))}",
        ]
        return texts.enumerated().map { i, t in
            let path = "\(dir)/form\(i).json"
            try! t.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    @Test func threeFormsGiveTheSameRays() throws {
        let paths = try writeThreeForms()
        let sets = try paths.map { p throws(FieldError) in try PosedImageDataset.read(p).cameras(inUnitCube: false) }
        #expect(sets[2][0].distortion == LensDistortion(k1: -0.2, k2: 0.05, p1: 0.001, p2: -0.002))
        #expect(sets[0][0].distortion == nil && sets[1][0].distortion == nil)
        for cams in sets {
            #expect(cams.count == 2)
            // Camera 0 sits at (0, 0, 4) looking down −z; camera 1 at (4, 0, 0) looking down −x.
            #expect(length(cams[0].position - SIMD3(0, 0, 4)) < 1e-6)
            #expect(length(cams[1].position - SIMD3(4, 0, 0)) < 1e-6)
            #expect(length(cams[0].rayDirection(pixelX: 4, pixelY: 3) - SIMD3(0, 0, -1)) < 1e-6)
            #expect(length(cams[1].rayDirection(pixelX: 4, pixelY: 3) - SIMD3(-1, 0, 0)) < 1e-6)
            // The top-left pixel centre of camera 0: left (−x), up (+y), forward (−z) in the ideal pinhole.
            let expected = normalized(SIMD3(Float((0.5 - 4) / Self.focal), Float((3 - 0.5) / Self.focal), -1))
            let corner = cams[0].distortion == nil
                ? cams[0].direction(x: 0, y: 0)
                : cams[0].rayDirection(pixelX: 0.5, pixelY: 0.5)
            if cams[0].distortion == nil {
                #expect(length(corner - expected) < 1e-6)
            } else {
                // Barrel distortion (k1 < 0) pulls the image inwards: the true ray is further out than the pinhole's.
                #expect(abs(corner.x) > abs(expected.x) && abs(corner.y) > abs(expected.y))
            }
        }
        // Without distortion, every pixel's ray agrees between the Blender and instant-ngp forms.
        for y in 0..<Self.height {
            for x in 0..<Self.width {
                #expect(length(sets[0][1].direction(x: x, y: y) - sets[1][1].direction(x: x, y: y)) < 1e-6)
            }
        }
    }

    @Test func unitCubePlacementFollowsInstantNGP() throws {
        let paths = try writeThreeForms()
        let ngp = try PosedImageDataset.read(paths[1])
        let cams = ngp.cameras()
        #expect(length(cams[0].position - SIMD3(0.5, 0.5, 0.5 + 4 * 0.33)) < 1e-6)
        #expect(length(cams[1].position - SIMD3(0.5 + 4 * 0.33, 0.5, 0.5)) < 1e-6)
        #expect(length(cams[1].rayDirection(pixelX: 4, pixelY: 3) - SIMD3(-1, 0, 0)) < 1e-6)
        let box = ngp.scene.unitCubeBox
        #expect(box.min == SIMD3(repeating: -0.5) && box.max == SIMD3(repeating: 1.5))
        let half = try PosedImageDataset.read(paths[0], options: DatasetOptions(downscale: 2))
        let small = half.cameras(.train)
        #expect(small.count == 1 && small[0].width == 4 && small[0].height == 3)
        #expect(abs(small[0].focalX - Float(Self.focal / 2)) < 1e-5)
    }
}
