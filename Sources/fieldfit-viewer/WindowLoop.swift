import App
import CGL
import CGLFW
import FieldIO
import Foundation
import Render
import TensorCore

/// The window thread: input → camera and mode, the newest frame from the worker → texture, overlay,
/// screenshots, at up to 60 frames a second (it sleeps in `glfwWaitEventsTimeout` for the rest, so it
/// leaves the cores to training). It never waits on a training step or a render.
final class WindowLoop {
    private let window: OpaquePointer
    private let gl: GLDisplay
    private let session: LiveSession
    private let options: ViewerOptions
    private let worker: LiveWorker
    private let start: Date
    private var camera: OrbitCamera
    private var mode: LiveMode
    private var showOverlay = true
    private var showKeys = false
    private var paused: Bool
    private var shownFrame: LiveFrame?
    private var drag: (button: Int32, x: Double, y: Double)?
    private var screenshotWanted = false
    private var quitRequested = false
    private var screenshots = 0
    private var message: String?
    /// UI frame timing: presents in the current second, and the frame-time sum and maximum.
    private var frameCount = 0, frameSum = 0.0, frameMax = 0.0, secondStart = monotonicSeconds()
    private var uiFramesPerSecond = 0.0
    private var overlayText: [String] = []
    private var overlayScale = 0
    /// Image scenes: the picture's zoom and its offset in framebuffer pixels (the camera is for 3D scenes).
    private var imageZoom = 1.0
    private var imageOffset = (x: 0.0, y: 0.0)
    /// A fixed picture (an image task) that the window pans and zooms, rather than a camera view.
    private var isImage: Bool { !session.usesCamera }
    private var firstFullFrameLogged = false

    init(window: OpaquePointer, gl: GLDisplay, session: LiveSession, options: ViewerOptions, start: Date) {
        self.window = window
        self.gl = gl
        self.session = session
        self.options = options
        self.start = start
        camera = OrbitCamera(home: session.home)
        mode = session.modes.contains(options.mode) ? options.mode : session.modes[0]
        paused = options.paused || !session.trainsToLimit
        worker = LiveWorker(session: session, camera: camera, mode: mode, paused: paused, renderShare: options.renderShare)
    }

    /// Runs until the window closes, Esc, `--quit-after` or a finished `--snapshot`; returns the exit status.
    func run() -> Int32 {
        glfwSetWindowUserPointer(window, Unmanaged.passUnretained(self).toOpaque())
        installCallbacks()
        worker.start()
        defer { worker.stop() }
        let frameBudget = 1.0 / 60
        var last = monotonicSeconds()
        while glfwWindowShouldClose(window) == 0 && !quitRequested {
            let frameStart = monotonicSeconds()
            flyWithHeldKeys(seconds: frameStart - last)
            last = frameStart
            worker.setView(camera: camera, mode: mode)
            if let f = worker.frame(newerThan: shownFrame?.serial ?? 0) {
                gl.upload(f.rgba, width: f.width, height: f.height, overlay: false)
                shownFrame = f
            }
            let stats = worker.currentStats
            var fbWidth: Int32 = 0, fbHeight: Int32 = 0
            glfwGetFramebufferSize(window, &fbWidth, &fbHeight)
            let fw = Int(fbWidth), fh = Int(fbHeight)
            gl.clear(width: fw, height: fh)
            var fieldRect: PixelRect?
            if let f = shownFrame {
                let full = camera.camera(scale: 1, trainingCameras: session.trainingCameras)
                var rect = PixelRect.fitting(imageWidth: full.width, imageHeight: full.height, width: fw, height: fh)
                if isImage { rect = rect.zoomed(imageZoom, offsetX: imageOffset.x, offsetY: imageOffset.y) }
                gl.drawField(in: rect, framebufferWidth: fw, framebufferHeight: fh)
                fieldRect = rect.clipped(width: fw, height: fh)
                if f.scale >= 1 && f.viewVersion == worker.currentViewVersion && !firstFullFrameLogged {
                    firstFullFrameLogged = true
                    if options.stats {
                        say("viewer: first full-resolution frame after \(String(format: "%.2f", Date().timeIntervalSince(start))) s (render \(String(format: "%.0f", f.seconds * 1000)) ms)")
                    }
                }
            }
            // Screenshots read the field as drawn in the window, before the overlay goes on top.
            if let rect = fieldRect, rect.width > 0, rect.height > 0, let f = shownFrame {
                // A fit: once its limit is reached and checkpointed; a reopened run without a limit: before training.
                let settled = session.trainsToLimit ? stats.finished && stats.checkpointCurrent : !stats.training && stats.trainedSteps == 0
                if let path = options.snapshot, settled, f.scale >= 1,
                   f.fieldVersion == stats.fieldVersion, f.viewVersion == worker.currentViewVersion {
                    do {
                        try gl.readPixels(rect).writePNG(to: path)
                        say("fieldfit-viewer: step \(stats.step): screenshot → \(path); checkpoint → \(session.folder)/checkpoint")
                        return 0
                    } catch {
                        FileHandle.standardError.write(Data("fieldfit-viewer: \(error.description)\n".utf8))
                        return 1
                    }
                }
                if screenshotWanted {
                    screenshotWanted = false
                    screenshots += 1
                    let path = (session.folder as NSString).appendingPathComponent(String(format: "screenshot_%06d_%02d.png", stats.step, screenshots))
                    do {
                        try FileAccess.makeFolder(session.folder)
                        try gl.readPixels(rect).writePNG(to: path)
                        message = "screenshot → \(path)"
                    } catch { message = "screenshot failed: \(error.description)" }
                    if let message { say("fieldfit-viewer: " + message) }
                }
            }
            if showOverlay { updateOverlay(stats, scale: LiveOverlay.fontScale(framebufferWidth: fw)); gl.drawOverlay(framebufferWidth: fw, framebufferHeight: fh) }
            glfwSwapBuffers(window)
            countFrame(seconds: monotonicSeconds() - frameStart, stats: stats)
            if let q = options.quitAfter, Date().timeIntervalSince(start) >= q { break }
            let left = frameBudget - (monotonicSeconds() - frameStart)
            if left > 0 { glfwWaitEventsTimeout(left) } else { glfwPollEvents() }
        }
        return 0
    }

    private func countFrame(seconds: Double, stats: LiveWorker.Stats) {
        frameCount += 1; frameSum += seconds; frameMax = max(frameMax, seconds)
        let now = monotonicSeconds()
        guard now - secondStart >= 1 else { return }
        uiFramesPerSecond = Double(frameCount) / (now - secondStart)
        if options.stats {
            let state = stats.training ? "training" : (stats.finished ? "finished" : "idle")
            let render = shownFrame.map { String(format: "  render %dx%d in %.0f ms", $0.width, $0.height, 1000 * $0.seconds) } ?? ""
            say(String(format: "viewer: t %.1f s  ui %.1f fps  frame %.1f ms mean %.1f ms max  step %d (%@)  samples/s %.0f",
                       Date().timeIntervalSince(start), uiFramesPerSecond, 1000 * frameSum / Double(frameCount), 1000 * frameMax,
                       stats.step, state, stats.samplesPerSecond) + render)
        }
        frameCount = 0; frameSum = 0; frameMax = 0; secondStart = now
    }

    private func updateOverlay(_ stats: LiveWorker.Stats, scale: Int) {
        var s = stats
        if let message { s.message = message }
        var lines = LiveOverlay.lines(stats: s, mode: mode, modes: session.modes, frameScale: shownFrame?.scale,
                                      uiFramesPerSecond: uiFramesPerSecond, trainingView: camera.trainingView,
                                      fieldOfView: camera.fieldOfView)
        if showKeys { lines += [""] + LiveOverlay.keyLines }
        guard lines != overlayText || scale != overlayScale else { return }
        overlayText = lines; overlayScale = scale
        let bitmap = LiveOverlay.bitmap(lines, scale: scale)
        gl.upload(bitmap.rgba, width: bitmap.width, height: bitmap.height, overlay: true)
    }

    private func flyWithHeldKeys(seconds: Double) {
        func held(_ key: Int32) -> Float { glfwGetKey(window, key) == GLFW_PRESS ? 1 : 0 }
        let forward = held(GLFW_KEY_W) - held(GLFW_KEY_S), right = held(GLFW_KEY_D) - held(GLFW_KEY_A)
        let up = held(GLFW_KEY_E) - held(GLFW_KEY_Q)
        guard forward != 0 || right != 0 || up != 0 else { return }
        // Half the home distance a second.
        let step = Float(min(seconds, 0.1)) * 0.5
        camera.fly(forward: forward * step, right: right * step, up: up * step)
    }

    /// Writes a line to stdout at once (stdout is block-buffered when piped).
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    // MARK: input

    fileprivate func key(_ key: Int32, action: Int32, mods: Int32) {
        guard action == GLFW_PRESS || action == GLFW_REPEAT else { return }
        switch key {
        case GLFW_KEY_ESCAPE: quitRequested = true
        case GLFW_KEY_R: camera.reset(); imageZoom = 1; imageOffset = (0, 0)
        case GLFW_KEY_N: camera.stepTrainingView(by: 1, count: session.trainingCameras.count)
        case GLFW_KEY_B: camera.stepTrainingView(by: -1, count: session.trainingCameras.count)
        case GLFW_KEY_LEFT_BRACKET: camera.changeFieldOfView(by: -5)
        case GLFW_KEY_RIGHT_BRACKET: camera.changeFieldOfView(by: 5)
        case GLFW_KEY_M:
            let i = session.modes.firstIndex(of: mode) ?? 0
            mode = session.modes[(i + 1) % session.modes.count]
        case GLFW_KEY_1...GLFW_KEY_6:
            let i = Int(key - GLFW_KEY_1)
            if i < session.modes.count { mode = session.modes[i] }
        case GLFW_KEY_SPACE:
            guard action == GLFW_PRESS else { return }
            paused.toggle()
            worker.setPaused(paused)
        case GLFW_KEY_P, GLFW_KEY_F12: if action == GLFW_PRESS { screenshotWanted = true }
        case GLFW_KEY_C: if action == GLFW_PRESS { worker.requestCheckpoint(); message = nil }
        case GLFW_KEY_O: if action == GLFW_PRESS { showOverlay.toggle() }
        case GLFW_KEY_H: if action == GLFW_PRESS { showKeys.toggle() }
        default: break
        }
    }

    fileprivate func mouseButton(_ button: Int32, action: Int32, mods: Int32) {
        if action == GLFW_PRESS {
            var x = 0.0, y = 0.0
            glfwGetCursorPos(window, &x, &y)
            let pan = button == GLFW_MOUSE_BUTTON_RIGHT || button == GLFW_MOUSE_BUTTON_MIDDLE || (mods & GLFW_MOD_SHIFT) != 0
            drag = (pan ? GLFW_MOUSE_BUTTON_RIGHT : GLFW_MOUSE_BUTTON_LEFT, x, y)
        } else if action == GLFW_RELEASE {
            drag = nil
        }
    }

    fileprivate func cursor(x: Double, y: Double) {
        guard let d = drag else { return }
        let dx = x - d.x, dy = y - d.y
        drag = (d.button, x, y)
        var w: Int32 = 0, h: Int32 = 0
        glfwGetWindowSize(window, &w, &h)
        if isImage {
            var fw: Int32 = 0, fh: Int32 = 0
            glfwGetFramebufferSize(window, &fw, &fh)
            let k = Double(fw) / Double(max(w, 1))
            imageOffset = (imageOffset.x + dx * k, imageOffset.y - dy * k)
        } else if d.button == GLFW_MOUSE_BUTTON_LEFT {
            camera.orbit(dx: dx, dy: dy)
        } else {
            camera.pan(dx: dx, dy: dy, windowHeight: Int(h))
        }
    }

    fileprivate func scroll(_ dy: Double) {
        if isImage {
            let z = min(64, max(0.1, imageZoom * pow(1.1, dy)))
            imageOffset = (imageOffset.x * z / imageZoom, imageOffset.y * z / imageZoom)
            imageZoom = z
        } else {
            camera.zoom(clicks: dy)
        }
    }

    private func installCallbacks() {
        glfwSetKeyCallback(window) { w, key, _, action, mods in
            WindowLoop.owner(w)?.key(key, action: action, mods: mods)
        }
        glfwSetMouseButtonCallback(window) { w, button, action, mods in
            WindowLoop.owner(w)?.mouseButton(button, action: action, mods: mods)
        }
        glfwSetCursorPosCallback(window) { w, x, y in
            WindowLoop.owner(w)?.cursor(x: x, y: y)
        }
        glfwSetScrollCallback(window) { w, _, dy in
            WindowLoop.owner(w)?.scroll(dy)
        }
    }

    private static func owner(_ window: OpaquePointer?) -> WindowLoop? {
        guard let window, let p = glfwGetWindowUserPointer(window) else { return nil }
        return Unmanaged<WindowLoop>.fromOpaque(p).takeUnretainedValue()
    }
}
