import FieldIO
import Foundation
import Render
import Testing
@testable import App

/// The live viewer's GL-free parts: camera controller, progressive resolution, train/render balance,
/// options, overlay, and the session and worker that train and render (no window needed).
@Suite(.serialized) struct LiveViewerTests {
    static let home = OrbitCamera.Home(center: SIMD3(repeating: 0.5), distance: 2.2, elevation: 20, worldUp: SIMD3(0, 1, 0),
                                       fieldOfView: 40, width: 64, height: 48)

    @Test func homeIsTheRenderOrbitsFirstView() {
        let h = LiveViewerTests.home
        let orbit = Camera.orbit(count: 1, center: h.center, distance: h.distance, elevation: h.elevation, worldUp: h.worldUp,
                                 fieldOfViewX: h.fieldOfView, width: h.width, height: h.height)[0]
        #expect(OrbitCamera(home: h).camera(scale: 1, trainingCameras: []) == orbit)
    }

    @Test func orbitPanZoomFlyAndReset() {
        var c = OrbitCamera(home: LiveViewerTests.home)
        let start = c.camera(scale: 1, trainingCameras: [])
        c.orbit(dx: 100, dy: 1000)
        #expect(c.elevation == 89)
        #expect(c.camera(scale: 1, trainingCameras: []).position != start.position)
        let before = c.distance
        c.zoom(clicks: 2)
        #expect(abs(c.distance - before * 0.81) < 1e-4)
        c.pan(dx: 10, dy: 0, windowHeight: 480)
        c.fly(forward: 0.1, right: 0, up: 0)
        #expect(c.center != LiveViewerTests.home.center)
        c.changeFieldOfView(by: 500)
        #expect(c.fieldOfView == 150)
        let v = c.version
        c.reset()
        #expect(c.version > v)
        #expect(c.camera(scale: 1, trainingCameras: []) == start)
        let half = c.camera(scale: 0.5, trainingCameras: [])
        #expect(half.width == 32 && half.height == 24)
    }

    @Test func stepsThroughTrainingViews() {
        var c = OrbitCamera(home: LiveViewerTests.home)
        let views = (0..<3).map { i in
            Camera.lookAt(position: SIMD3(Float(i), 1, 3), target: SIMD3(repeating: 0.5), worldUp: SIMD3(0, 1, 0),
                          fieldOfViewX: 50, width: 80, height: 60)
        }
        c.stepTrainingView(by: -1, count: 3)
        #expect(c.trainingView == 2)
        c.stepTrainingView(by: 1, count: 3)
        #expect(c.trainingView == 0)
        #expect(c.camera(scale: 1, trainingCameras: views) == views[0])
        let quarter = c.camera(scale: 0.25, trainingCameras: views)
        #expect(quarter.width == 20 && quarter.height == 15 && quarter.position == views[0].position)
        c.orbit(dx: 1, dy: 0)
        #expect(c.trainingView == nil)
    }

    @Test func progressiveResolutionRefinesWhenStill() {
        var p = ProgressiveResolution(movingBudget: 0.05, refreshSeconds: 0.5)
        var scales: [Double] = []
        var now = 0.0
        while let s = p.nextScale(cameraVersion: 1, fieldVersion: 0, fullPixels: 10_000, now: now) {
            scales.append(s)
            now += 0.01
            p.frameShown(cameraVersion: 1, fieldVersion: 0, scale: s, pixels: Int(10_000 * s * s), seconds: 1e-7 * 10_000 * s * s, now: now)
        }
        #expect(scales == [0.125, 0.25, 0.5, 1])
        // The field changed: redrawn at full resolution, but not before the refresh interval.
        #expect(p.nextScale(cameraVersion: 1, fieldVersion: 1, fullPixels: 10_000, now: now + 0.1) == nil)
        #expect(p.nextScale(cameraVersion: 1, fieldVersion: 1, fullPixels: 10_000, now: now + 0.6) == 1)
        // The camera moved: back to the finest scale that fits the budget (1e-7 s a pixel → all fit).
        #expect(p.nextScale(cameraVersion: 2, fieldVersion: 0, fullPixels: 10_000, now: now) == 1)
        // A slow renderer: 1e-5 s a pixel, 10^6 pixels → only 1/8 (0.16 s)… none fits, so the coarsest.
        p.frameShown(cameraVersion: 2, fieldVersion: 0, scale: 1, pixels: 1_000_000, seconds: 10, now: now)
        p.frameShown(cameraVersion: 2, fieldVersion: 0, scale: 1, pixels: 1_000_000, seconds: 10, now: now)
        p.frameShown(cameraVersion: 2, fieldVersion: 0, scale: 1, pixels: 1_000_000, seconds: 10, now: now)
        #expect(p.nextScale(cameraVersion: 3, fieldVersion: 0, fullPixels: 1_000_000, now: now) == 0.125)
    }

    @Test func balanceKeepsRenderShare() {
        for share in [0.1, 0.3, 0.7] {
            var b = TrainingBalance(renderShare: share)
            var render = 0.0, total = 0.0
            for _ in 0..<2000 {
                let a = b.next(renderWanted: true, training: true)
                let cost = a == .render ? 0.02 : 0.05
                b.spent(cost, on: a)
                if a == .render { render += cost }
                total += cost
            }
            #expect(abs(render / total - share) < 0.05, "share \(share): got \(render / total)")
        }
        let b = TrainingBalance(renderShare: 0.3)
        #expect(b.next(renderWanted: true, training: false) == .render)
        #expect(b.next(renderWanted: false, training: false) == .idle)
        #expect(b.next(renderWanted: false, training: true) == .train)
    }

    @Test func parsesViewerOptions() throws {
        let o = try ViewerOptions.parse(["scene.json", "--steps", "20", "--render-share", "0.5", "--size", "320x200",
                                         "--mode", "depth", "--paused", "--snapshot", "s.png", "--stats", "--quit-after", "3", "--out", "x"])
        #expect(o.target == "scene.json" && o.fit.steps == 20 && o.fit.outputFolder == "x")
        #expect(o.renderShare == 0.5 && o.windowWidth == 320 && o.windowHeight == 200 && o.mode == .depth)
        #expect(o.paused && o.snapshot == "s.png" && o.stats && o.quitAfter == 3)
        #expect(try ViewerOptions.parse([]).source == .defaultScene)
        let dir = temporaryFolder()
        #expect(try ViewerOptions.parse([dir]).source == .run(dir))
        #expect(try ViewerOptions.parse(["demo-sdf"]).source == .scene("demo-sdf"))
        for (args, fragment) in [(["--render-share", "2"], "--render-share"), (["--size", "10"], "--size"),
                                 (["--mode", "sparkle"], "--mode"), (["--bogus"], "--bogus"), (["a", "b"], "Unexpected argument"),
                                 (["--steps", "-1"], "--steps")] {
            #expect(throws: FieldError.self) { _ = try ViewerOptions.parse(args) }
            do { _ = try ViewerOptions.parse(args) } catch { #expect(error.description.contains(fragment), "\(error)") }
        }
        #expect(ViewerOptions.usage.contains("--render-share") && ViewerOptions.usage.contains("pause / resume training"))
    }

    @Test func overlayLinesAndBitmap() {
        var s = LiveWorker.Stats()
        s.step = 42; s.loss = 0.0123; s.headline = "psnr 27.50 dB"; s.samplesPerSecond = 1.5e6; s.training = true
        let lines = LiveOverlay.lines(stats: s, mode: .depth, modes: [.rgb, .depth], frameScale: 0.25, uiFramesPerSecond: 59.6,
                                      trainingView: nil, fieldOfView: 40)
        #expect(lines[0].contains("step 42") && lines[0].contains("psnr 27.50 dB") && lines[0].contains("training"))
        #expect(lines[1].contains("1.50 M") && lines[1].contains("60 fps"))
        #expect(lines[2].contains("[depth]") && lines[3].contains("1/4"))
        let bitmap = LiveOverlay.bitmap(["AB"], scale: 2)
        #expect(bitmap.width == BitmapFont.width(of: "AB", scale: 2) + 8 && bitmap.height == 11 * 2 + 8)
        #expect(bitmap.rgba.count == bitmap.width * bitmap.height * 4)
        #expect(bitmap.rgba.contains(255))
    }

    /// The session trains exactly as `fieldfit` does: same steps → the same parameters in the checkpoint.
    @Test func sessionTrainsLikeFieldfit() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "scene.json", sceneText(training: "\"steps\": 15, \"batch_size\": 2048, \"eval_every_steps\": 4"))
        #expect(runFieldfit([scene, "--out", dir + "/cli", "--quiet"]).status == 0)
        var options = Options()
        options.outputFolder = dir + "/live"
        let session = try LiveSession(.scene(scene), options: options)
        #expect(session.modes == [.rgb, .target, .error] && !session.reopened)
        while !session.trainingFinished { try session.trainStep() }
        #expect(session.step == 15 && session.headline != nil)
        try session.saveCheckpoint()
        let a = try FileAccess.readBytes(dir + "/cli/checkpoint/parameters.safetensors")
        let b = try FileAccess.readBytes(dir + "/live/checkpoint/parameters.safetensors")
        #expect(a == b)
        let camera = OrbitCamera(home: session.home).camera(scale: 1, trainingCameras: [])
        let target = session.render(camera, mode: .target, fieldVersion: 15)
        #expect(target.width == 64 && target.height == 64 && target.channels == 3)
        let error = session.render(camera, mode: .error, fieldVersion: 15)
        #expect(error.pixels.count == 64 * 64 * 3)
        // Reopened from the run folder: no training until asked, the same field.
        let reopened = try LiveSession(.run(dir + "/live"), options: Options())
        #expect(reopened.reopened && !reopened.trainingFinished && reopened.step == 15)
        #expect(reopened.render(camera, mode: .rgb, fieldVersion: 0) == session.render(camera, mode: .rgb, fieldVersion: 15))
        #expect(!reopened.trainsToLimit)
        // Reopened with a new total: trains on exactly as `fieldfit --resume RUN --steps 20`.
        var more = Options()
        more.steps = 20
        let continued = try LiveSession(.run(dir + "/live"), options: more)
        #expect(continued.trainsToLimit && !continued.trainingFinished)
        while !continued.trainingFinished { try continued.trainStep() }
        try continued.saveCheckpoint()
        #expect(runFieldfit(["--resume", dir + "/cli", "--steps", "20", "--quiet"]).status == 0)
        #expect(try FileAccess.readBytes(dir + "/cli/checkpoint/parameters.safetensors")
                == FileAccess.readBytes(dir + "/live/checkpoint/parameters.safetensors"))
    }

    /// A NeRF session makes its occupancy grid as the fit loop does, so its steps are fieldfit's too.
    @Test func nerfSessionTrainsLikeFieldfit() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "nerf.json", """
        {"task": "nerf", "data": {"procedural": "shapes", "views": 8, "width": 16, "height": 16, "test_every": 4},
         "encoding": {"otype": "HashGrid", "n_levels": 4, "n_features_per_level": 2, "log2_hashmap_size": 12, "base_resolution": 8},
         "nerf": {"grid_resolution": 16, "steps_per_diagonal": 128},
         "training": {"steps": 4, "batch_size": 4096, "seed": 3},
         "render": {"orbit": 1, "width": 16, "height": 16, "test_views": false}}
        """)
        #expect(runFieldfit([scene, "--out", dir + "/cli", "--quiet"]).status == 0)
        var options = Options()
        options.outputFolder = dir + "/live"
        let session = try LiveSession(.scene(scene), options: options)
        #expect(session.modes == [.rgb, .depth, .normals, .alpha] && session.trainingCameras.count == 6)
        let camera = OrbitCamera(home: session.home).camera(scale: 0.5, trainingCameras: session.trainingCameras)
        for mode in session.modes { #expect(session.render(camera, mode: mode, fieldVersion: 0).width == 8) }
        while !session.trainingFinished { try session.trainStep() }
        try session.saveCheckpoint()
        let a = try FileAccess.readBytes(dir + "/cli/checkpoint/parameters.safetensors")
        let b = try FileAccess.readBytes(dir + "/live/checkpoint/parameters.safetensors")
        #expect(a == b)
    }

    /// The worker trains to the limit, checkpoints, and publishes a full-resolution frame of the final field.
    @Test func workerTrainsAndPublishesFrames() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "scene.json", sceneText(training: "\"steps\": 12, \"batch_size\": 2048, \"eval_every_steps\": 4"))
        var options = Options()
        options.outputFolder = dir + "/run"
        let session = try LiveSession(.scene(scene), options: options)
        let worker = LiveWorker(session: session, camera: OrbitCamera(home: session.home), mode: .rgb, paused: false, renderShare: 0.3)
        worker.start()
        defer { worker.stop() }
        let deadline = Date().addingTimeInterval(120)
        var frame: LiveFrame?
        while Date() < deadline {
            let s = worker.currentStats
            if s.finished && s.checkpointCurrent, let f = worker.frame(newerThan: 0), f.fieldVersion == s.fieldVersion, f.scale == 1 {
                frame = f
                break
            }
            usleep(10_000)
        }
        let f = try #require(frame)
        #expect(f.width == 64 && f.height == 64 && f.rgba.count == 64 * 64 * 4)
        #expect(worker.currentStats.step == 12)
        #expect(FileAccess.exists(dir + "/run/checkpoint/parameters.safetensors"))
    }
}
