import FieldIO
import Foundation
import Render
import Testing
@testable import App

/// `fieldfit process` and its pieces: the Laplacian sharpness, the resize to `--max-size`, the video window
/// choice, each bad input's one error line, and (when colmap is installed) the whole pipeline on a textured
/// room rendered here, whose recovered cameras must match the known ones after a similarity alignment.
@Suite struct ProcessTests {
    static let colmapInstalled = ExternalTool.locate("colmap") != nil
    static let ffmpegInstalled = ExternalTool.locate("ffmpeg") != nil

    @Test func laplacianSharpness() {
        #expect(Image(width: 16, height: 16, channels: 3, fill: 0.4).laplacianSharpness == 0)
        // A one-pixel checkerboard: every interior Laplacian is ±4·255·... = ±1020 grey levels.
        var board = Image(width: 17, height: 17, channels: 1, fill: 0)
        for y in 0..<17 { for x in 0..<17 where (x + y) % 2 == 0 { board.pixels[y * 17 + x] = 1 } }
        let sharp = board.laplacianSharpness
        #expect(abs(sharp - 1020 * 1020) / (1020 * 1020) < 0.01, "\(sharp)")
        // Blurring (a 2×2 box, then back up) makes it far less sharp.
        let blurred = board.downscaled(by: 2)
        #expect(blurred.laplacianSharpness < 0.1 * sharp)
        #expect(VideoFrames.sharpestPerWindow([1, 5, 2, 7, 3, 0], target: 2) == [1, 3])
        #expect(VideoFrames.sharpestPerWindow([1, 5], target: 4) == [0, 1])
    }

    @Test func resizeToMaxSize() {
        #expect(Image.fittedSize(width: 2832, height: 2128, maxSize: 1600) == (1600, 1202))
        #expect(Image.fittedSize(width: 800, height: 1200, maxSize: 1600) == (800, 1200))
        #expect(Image.fittedSize(width: 1080, height: 1920, maxSize: 1600) == (900, 1600))
        var image = Image(width: 37, height: 23, channels: 3)
        for i in image.pixels.indices { image.pixels[i] = Float((i * 7919) % 101) / 100 }
        let small = image.areaResized(width: 16, height: 10)
        #expect(small.width == 16 && small.height == 10)
        // Area averaging keeps the mean, and a constant stays constant.
        let mean = { (im: Image) in im.pixels.reduce(0, +) / Float(im.pixels.count) }
        #expect(abs(mean(small) - mean(image)) < 1e-3)
        #expect(Image(width: 9, height: 9, channels: 1, fill: 0.25).areaResized(width: 4, height: 4).pixels.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }

    /// Several COLMAP models: the one with the most images is moved to sparse/0, the others keep a folder.
    @Test func largestModelEndsUpInSparseZero() throws {
        let sparse = temporaryFolder()
        let camera = COLMAPCamera(id: 1, model: .pinhole, width: 8, height: 6, parameters: [8, 8, 4, 3])
        func model(_ images: Int) -> COLMAPModel {
            COLMAPModel(cameras: [camera], images: (0..<images).map {
                .init(id: $0 + 1, rotation: SIMD4(1, 0, 0, 0), translation: SIMD3(Double($0), 0, 0), cameraID: 1, name: "m\(images)_\($0).png")
            }, points: [])
        }
        for (folder, images) in [("0", 1), ("1", 3), ("2", 2)] {
            try FileAccess.makeFolder(sparse + "/" + folder)
            try COLMAPBinaryFormat.write(model(images), to: sparse + "/" + folder)
        }
        let (best, count) = try COLMAPReconstruction.keepLargestModel(in: sparse)
        #expect(best?.images.count == 3 && count == 3)
        #expect(try COLMAPModel.read(sparse + "/0").images.count == 3)
        #expect(try COLMAPModel.read(sparse + "/1").images.count == 1)
        #expect(try COLMAPModel.read(sparse + "/2").images.count == 2)
        #expect(try COLMAPReconstruction.keepLargestModel(in: temporaryFolder("none")).model == nil)
    }

    /// Runs `fieldfit ARGS`, expecting exit status 1 and one error line holding every one of `words`.
    func expectOneLine(_ arguments: [String], _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        var lines: [String] = []
        let status = Fieldfit.run(arguments) { lines.append($0) }
        #expect(status != 0, sourceLocation: sourceLocation)
        #expect(lines.count == 1 && !(lines.first ?? "").contains("\n"), "\(lines)", sourceLocation: sourceLocation)
        for w in words { #expect(lines.first?.contains(w) == true, "\(lines)", sourceLocation: sourceLocation) }
    }

    @Test func badInputGivesOneLine() throws {
        let dir = temporaryFolder()
        let out = dir + "/out"
        let empty = dir + "/empty"
        try FileAccess.makeFolder(empty)
        writeFile(empty, "notes.txt", "no photos here")
        expectOneLine(["process", empty, "--out", out], ["fieldfit: \(empty): holds no images", ".jpg"])
        expectOneLine(["process", dir + "/nothing", "--out", out], ["no such file or folder"])

        let mixed = dir + "/mixed"
        try FileAccess.makeFolder(mixed)
        try Image(width: 32, height: 24, channels: 3, fill: 0.5).writePNG(to: mixed + "/a.png")
        try Image(width: 24, height: 32, channels: 3, fill: 0.5).writePNG(to: mixed + "/b.png")
        expectOneLine(["process", mixed, "--out", out], ["b.png: is 24×32 but a.png is 32×24", "one size"])
        expectOneLine(["process", mixed + "/a.png", "--out", out], ["is one image"])

        let broken = dir + "/broken"
        try FileAccess.makeFolder(broken)
        try Image(width: 32, height: 24, channels: 3, fill: 0.5).writePNG(to: broken + "/a.png")
        writeFile(broken, "b.jpg", "not a jpeg at all")
        expectOneLine(["process", broken, "--out", out], ["b.jpg: unreadable image"])
        try FileAccess.makeFolder(dir + "/capture/images")
        expectOneLine(["process", dir + "/capture/images", "--out", dir + "/capture"], ["is where --out would write"])

        expectOneLine(["process", mixed, "--out", out, "--matcher", "vocab"], ["--matcher: expected exhaustive or sequential"])
        expectOneLine(["process", mixed, "--out", out, "--camera-model", "FISHEYE"], ["--camera-model"])
        expectOneLine(["process", mixed, "--out", out, "--aabb-scale", "3"], ["power of two"])
        expectOneLine(["process", mixed], ["--out"])
        var missing: FieldError?
        do { _ = try ExternalTool.find("fieldfit-no-such-tool", package: "colmap") } catch { missing = error }
        #expect(missing?.description == "fieldfit-no-such-tool: not found on PATH: `tools/setup` installs it (or: apt-get install colmap)")
        #expect(!FileAccess.exists(out + "/transforms.json"))
    }

    @Test(.enabled(if: colmapInstalled && ffmpegInstalled, "colmap and ffmpeg are not installed (tools/setup installs them)"))
    func unreadableVideo() throws {
        let dir = temporaryFolder()
        let video = writeFile(dir, "clip.mp4", "this is not a video")
        expectOneLine(["process", video, "--out", dir + "/out"], ["clip.mp4: ffmpeg cannot read this video"])
    }

    /// Photos that share nothing (independent noise): COLMAP finds no model, said in one line with what to try.
    @Test(.enabled(if: colmapInstalled, "colmap is not installed (tools/setup installs it)"))
    func colmapFailureIsExplained() throws {
        let dir = temporaryFolder()
        let photos = dir + "/photos"
        try FileAccess.makeFolder(photos)
        for k in 0..<3 {
            var im = Image(width: 96, height: 72, channels: 3)
            var state = UInt64(k + 1) &* 0x9E37_79B9_7F4A_7C15
            for i in im.pixels.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                im.pixels[i] = Float(state >> 40) / Float(1 << 24)
            }
            try im.writePNG(to: photos + "/n\(k).png")
        }
        expectOneLine(["process", photos, "--out", dir + "/out", "--threads", "2", "-q"], ["COLMAP", "images", "overlap"])
        #expect(!FileAccess.exists(dir + "/out/transforms.json"))
    }

    /// 16 views of 320×240 of a textured room rendered here, processed with COLMAP: every view is posed,
    /// and after a similarity alignment the cameras sit within 3 % of the orbit radius and 1° of the truth
    /// (measured: 0.4–0.9 % and 0.2–0.3°, focal length within 0.4 %; COLMAP's threads make runs differ slightly).
    /// COLMAP's random draws are not the same from run to run (not even with one thread), and about one run in
    /// seven mis-poses some views (4–28 % of the radius, seen on 2026-12-08): a run whose positions miss the bound
    /// is repeated once, and every check below applies to the run that is kept.
    @Test(.enabled(if: colmapInstalled, "colmap is not installed (tools/setup installs it)"))
    func recoversTheCamerasOfARenderedRoom() throws {
        let dir = temporaryFolder()
        let photos = dir + "/photos", out = dir + "/data"
        try FileAccess.makeFolder(photos)
        let room = TexturedRoom()
        let cameras = (0..<16).map { i -> Camera in
            let a = Float(i) * 2 * .pi / 16
            let position = SIMD3<Float>(2.2 * cos(a), 2.2 * sin(a), 0.5 + 0.3 * sin(2 * a))
            return Camera.lookAt(position: position, target: SIMD3(0, 0, 0.1), worldUp: SIMD3(0, 0, 1), fieldOfViewX: 60, width: 320, height: 240)
        }
        for (i, c) in cameras.enumerated() { try room.render(c).writePNG(to: photos + String(format: "/view_%02d.png", i)) }

        var processing = CaptureProcessing(input: photos, output: out, threads: 2)
        processing.quiet = true
        // The renders are ideal pinhole images: OPENCV's four free distortion terms would only trade against the focal length.
        processing.cameraModel = "PINHOLE"
        var summary = try processing.run()
        let truth = cameras.map { SIMD3<Double>(Double($0.position.x), Double($0.position.y), Double($0.position.z)) }
        func worstPositionError() throws -> Double {
            let found = try PosedImageDataset.read(out, options: DatasetOptions(testEvery: 0)).frames.map(\.position)
            guard found.count == truth.count else { return .infinity }
            let align = Similarity.umeyama(from: found, to: truth)
            return zip(found, truth).map { length(align.apply($0) - $1) / 2.2 }.max() ?? .infinity
        }
        if try worstPositionError() >= 0.03 {
            print("room test: COLMAP mis-posed views in this run; processing once more")
            try FileManager.default.removeItem(atPath: out)
            summary = try processing.run()
        }
        #expect(summary.registeredImages == 16 && summary.inputImages == 16)
        #expect(summary.meanReprojectionError > 0 && summary.meanReprojectionError < 1)

        // The transforms.json reads back (as fieldfit reads it) with the processed images and copies.
        let dataset = try PosedImageDataset.read(out, options: DatasetOptions(testEvery: 0))
        #expect(dataset.frames.count == 16)
        let json = try ConfigObject(JSONParser.parse(String(decoding: try FileAccess.readBytes(out + "/transforms.json"), as: UTF8.self), file: "t"), file: "t")
        #expect(try json.string("camera_model") == "OPENCV" && json.has("fl_x") && json.has("k1") && json.has("aabb_scale"))
        #expect(dataset.frames[0].fileIntrinsics.distortion.isZero)
        #expect(dataset.frames.allSatisfy { $0.sharpness != nil })
        for f in [2, 4, 8] { #expect(try ImageHeader.size(ofFile: out + "/images_\(f)/view_00.png") == (320 / f, 240 / f)) }
        #expect(FileAccess.exists(out + "/sparse_pc.ply") && FileAccess.exists(out + "/colmap/sparse/0/cameras.bin"))
        let focal = dataset.frames[0].fileIntrinsics.focalX
        #expect(abs(focal - Double(cameras[0].focalX)) / Double(cameras[0].focalX) < 0.02, "focal \(focal) vs \(cameras[0].focalX)")

        // Cameras after a similarity alignment (Umeyama) of the recovered positions onto the true ones.
        let found = dataset.frames.map(\.position)
        let align = Similarity.umeyama(from: found, to: truth)
        // Orientations are aligned by their own best rotation (Umeyama on every camera axis, ± so the mean is 0):
        // the positions lie near one plane, so their alignment pins the tilt less well than the axes do.
        let trueAxes = cameras.map { c in [c.right, c.up, c.backward].map { SIMD3<Double>(Double($0.x), Double($0.y), Double($0.z)) } }
        let foundAxes = dataset.frames.map { f in (0..<3).map { f.column($0) } }
        let turn = Similarity.umeyama(from: foundAxes.flatMap { $0 + $0.map { -$0 } }, to: trueAxes.flatMap { $0 + $0.map { -$0 } })
        for (i, frame) in dataset.frames.enumerated() {
            let error = length(align.apply(found[i]) - truth[i]) / 2.2
            #expect(error < 0.03, "view \(i): position error \(error) of the radius")
            for k in 0..<3 {
                let axis = turn.rotate(frame.column(k))
                let angle = acos(min(1, (axis * trueAxes[i][k]).sum() / length(axis))) * 180 / .pi
                #expect(angle < 1, "view \(i) axis \(k): \(angle)°")
            }
        }
        // The COLMAP model read as a dataset gives the same frames as the transforms.json (one code path).
        let direct = try PosedImageDataset.read(colmap: out + "/colmap/sparse/0", images: out + "/images", options: DatasetOptions(testEvery: 0))
        #expect(direct.scene.aabbScale == dataset.scene.aabbScale)
        for (a, b) in zip(direct.frames, dataset.frames) {
            #expect(zip(a.cameraToWorld, b.cameraToWorld).allSatisfy { abs($0 - $1) < 1e-9 })
        }
        // A scene trains straight from the COLMAP folder (a few steps at 80×60).
        let scene = writeFile(dir, "room.json", """
        {"task": "nerf", "data": {"colmap": "data/colmap/sparse/0", "images": "data/images", "downscale": 4, "test_every": 8},
         "encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8},
         "nerf": {"grid_resolution": 32, "steps_per_diagonal": 256}, "training": {"steps": 30, "batch_size": 16384, "eval_every_steps": 30},
         "render": {"orbit": 1, "width": 40, "height": 30}}
        """)
        let fit = runFieldfit([scene, "--out", dir + "/run", "--quiet", "--threads", "2"])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(number(try finalMetrics(dir + "/run")["test_psnr"]) > 8)
        let noImages = writeFile(dir, "bad.json", "{\"task\": \"nerf\", \"data\": {\"colmap\": \"data/colmap/sparse/0\"}}")
        let bad = runFieldfit([noImages, "--out", dir + "/bad", "--quiet"])
        #expect(bad.status != 0 && bad.stderr.contains("data.images: missing") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }
}

/// A room (the inside of a box of side 8, z up) with a textured box in the middle, every surface covered
/// in multi-scale coloured value noise so that SIFT finds plenty of features; unlit (colour is view-independent).
struct TexturedRoom {
    /// The colour seen along the ray from `o` in direction `d`.
    func trace(_ o: SIMD3<Float>, _ d: SIMD3<Float>) -> SIMD3<Float> {
        // The inner box (half-size 0.45, centred at the origin), seen from outside: its nearest face.
        let h: Float = 0.45
        var tNear = -Float.infinity, tFar = Float.infinity, axis = 0
        for k in 0..<3 {
            let inv = 1 / d[k]
            var t0 = (-h - o[k]) * inv, t1 = (h - o[k]) * inv
            if t0 > t1 { swap(&t0, &t1) }
            if t0 > tNear { tNear = t0; axis = k }
            tFar = min(tFar, t1)
        }
        if tNear <= tFar && tNear > 0 {
            let p = o + tNear * d
            return texture(p, axis: axis, seed: 11 + UInt32(axis), frequency: 6)
        }
        // The room's walls from inside: the nearest exit.
        let r: Float = 4
        var tExit = Float.infinity, wall = 0
        for k in 0..<3 {
            let t = ((d[k] > 0 ? r : -r) - o[k]) / d[k]
            if t < tExit { tExit = t; wall = k }
        }
        let p = o + tExit * d
        return texture(p, axis: wall, seed: 3 + UInt32(wall) * 2 + (p[wall] > 0 ? 1 : 0), frequency: 2)
    }

    /// Noise on the plane across `axis` at `p`, `frequency` cycles per unit at the coarsest of three octaves
    /// per channel, plus sharp-edged bright and dark blobs at twice that frequency.
    func texture(_ p: SIMD3<Float>, axis: Int, seed: UInt32, frequency: Float) -> SIMD3<Float> {
        let u = p[(axis + 1) % 3], v = p[(axis + 2) % 3]
        let blob = noise(u * 2 * frequency, v * 2 * frequency, seed &+ 101)
        let spot: Float = blob > 0.7 ? 0.45 : blob < 0.25 ? -0.45 : 0
        var c = SIMD3<Float>()
        for ch in 0..<3 {
            var s: Float = 0, amp: Float = 0.5
            for octave in 0..<3 {
                let f = frequency * Float(1 << octave)
                s += amp * noise(u * f, v * f, seed &* 31 &+ UInt32(ch * 7 + octave))
                amp *= 0.5
            }
            c[ch] = min(1, max(0, (s / 0.875 - 0.5) * 1.6 + 0.5 + spot))
        }
        return c
    }

    /// Smooth value noise in [0, 1) on the integer lattice.
    func noise(_ x: Float, _ y: Float, _ seed: UInt32) -> Float {
        let xi = Int32(floor(x)), yi = Int32(floor(y))
        let fx = x - floor(x), fy = y - floor(y)
        func lattice(_ i: Int32, _ j: Int32) -> Float {
            var h = UInt32(bitPattern: i) &* 0x8DA6_B343 ^ UInt32(bitPattern: j) &* 0xD816_3841 ^ seed &* 0xCB1A_B31F
            h ^= h >> 13; h = h &* 0x5BD1_E995; h ^= h >> 15
            return Float(h & 0xFFFF) / 65536
        }
        let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
        let a = lattice(xi, yi) + sx * (lattice(xi + 1, yi) - lattice(xi, yi))
        let b = lattice(xi, yi + 1) + sx * (lattice(xi + 1, yi + 1) - lattice(xi, yi + 1))
        return a + sy * (b - a)
    }

    /// The camera's image, 2×2 supersampled.
    func render(_ camera: Camera) -> Image {
        var image = Image(width: camera.width, height: camera.height, channels: 3)
        for y in 0..<camera.height {
            for x in 0..<camera.width {
                var c = SIMD3<Float>()
                for sy in 0..<2 { for sx in 0..<2 {
                    c += trace(camera.position, camera.rayDirection(pixelX: Float(x) + 0.25 + 0.5 * Float(sx), pixelY: Float(y) + 0.25 + 0.5 * Float(sy)))
                } }
                for k in 0..<3 { image.pixels[(y * camera.width + x) * 3 + k] = c[k] / 4 }
            }
        }
        return image
    }
}

/// A similarity transform `p ↦ s·R·p + t`, fitted by Umeyama's least squares.
struct Similarity {
    var rotation: [Double], scale: Double, translation: SIMD3<Double>

    func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((0..<3).map { i in rotation[3 * i] * v.x + rotation[3 * i + 1] * v.y + rotation[3 * i + 2] * v.z })
    }
    func apply(_ p: SIMD3<Double>) -> SIMD3<Double> { scale * rotate(p) + translation }

    /// The similarity taking `x` onto `y` in the least-squares sense (Umeyama 1991), via the symmetric
    /// eigen-decomposition of ΣᵀΣ (Jacobi) for the SVD of the 3×3 cross-covariance Σ.
    static func umeyama(from x: [SIMD3<Double>], to y: [SIMD3<Double>]) -> Similarity {
        let n = Double(x.count)
        let mx = x.reduce(SIMD3(), +) / n, my = y.reduce(SIMD3(), +) / n
        var sigma = [Double](repeating: 0, count: 9), varX = 0.0
        for (a, b) in zip(x, y) {
            let p = a - mx, q = b - my
            varX += (p * p).sum() / n
            for i in 0..<3 { for j in 0..<3 { sigma[3 * i + j] += q[i] * p[j] / n } }
        }
        // ΣᵀΣ = V D² Vᵀ; U = Σ V D⁻¹ (third column from the cross product, keeping det U = det V = 1).
        var ata = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { ata[3 * i + j] += sigma[3 * k + i] * sigma[3 * k + j] } } }
        let (values, vectors) = jacobi(ata)
        let order = (0..<3).sorted { values[$0] > values[$1] }
        func column(_ k: Int) -> SIMD3<Double> { SIMD3(vectors[order[k]], vectors[3 + order[k]], vectors[6 + order[k]]) }
        let v1 = column(0), v2 = column(1), v3 = cross(v1, v2)
        func times(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3((0..<3).map { i in sigma[3 * i] * v.x + sigma[3 * i + 1] * v.y + sigma[3 * i + 2] * v.z }) }
        let u1 = times(v1) / length(times(v1)), u2raw = times(v2)
        let u2 = normalize(u2raw - (u2raw * u1).sum() * u1), u3 = cross(u1, u2)
        let us = [u1, u2, u3], vs = [v1, v2, v3]
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { r[3 * i + j] = (0..<3).reduce(0) { $0 + us[$1][i] * vs[$1][j] } } }
        let trace = (0..<3).reduce(0.0) { $0 + (us[$1] * times(vs[$1])).sum() }
        let s = trace / varX
        var sim = Similarity(rotation: r, scale: s, translation: SIMD3())
        sim.translation = my - s * sim.rotate(mx)
        return sim
    }

    /// Eigenvalues and eigenvectors (columns, row-major 3×3) of a symmetric 3×3 matrix by cyclic Jacobi.
    static func jacobi(_ m: [Double]) -> ([Double], [Double]) {
        var a = m, v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        for _ in 0..<50 {
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[3 * p + q]) > 1e-300 {
                let theta = (a[3 * q + q] - a[3 * p + p]) / (2 * a[3 * p + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<3 {
                    let akp = a[3 * k + p], akq = a[3 * k + q]
                    a[3 * k + p] = c * akp - s * akq; a[3 * k + q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[3 * p + k], aqk = a[3 * q + k]
                    a[3 * p + k] = c * apk - s * aqk; a[3 * q + k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[3 * k + p], vkq = v[3 * k + q]
                    v[3 * k + p] = c * vkp - s * vkq; v[3 * k + q] = s * vkp + c * vkq
                }
            }
        }
        return ([a[0], a[4], a[8]], v)
    }
}

private func length(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }
private func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / length(v) }
private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
