import App
import CGL
import CGLFW
import FieldIO
import Foundation
import Render

/// `fieldfit-viewer`: checks the display, opens the field (training it when given a scene), opens a
/// GLFW window with an OpenGL 3.3 core context and runs the window loop until the user quits. Every
/// error is one line on stderr and a non-zero exit status.
enum ViewerApp {
    /// Runs the viewer with `arguments` (without the program name); returns the exit status.
    static func run(_ arguments: [String]) -> Int32 {
        let start = Date()
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data(("fieldfit-viewer: " + message + "\n").utf8))
            return 1
        }
        let options: ViewerOptions
        do { options = try ViewerOptions.parse(arguments) } catch { return fail(error.description) }
        if options.help { print(ViewerOptions.usage); return 0 }
        if let (a, b) = options.compare {
            do {
                print(try ImageComparison.compare(a, b).line)
                return 0
            } catch { return fail(error.description) }
        }
        do { try LiveSession.check(options.source) } catch { return fail(error.description) }
        guard let display = ProcessInfo.processInfo.environment["DISPLAY"], !display.isEmpty else {
            return fail("no display: DISPLAY is not set (run it on an X display, or under xvfb-run)")
        }
        guard glfwInit() != 0 else { return fail("cannot open the display \(display): \(lastGLFWError())") }
        defer { glfwTerminate() }
        let session: LiveSession
        do { session = try LiveSession(options.source, options: options.fit) } catch { return fail(error.description) }
        guard options.mode == .rgb || session.modes.contains(options.mode) else {
            return fail("--mode: \(options.mode.rawValue) is not a mode of a \(session.taskName) scene (\(session.modes.map(\.rawValue).joined(separator: ", ")))")
        }

        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3)
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3)
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE)
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE)
        let size = windowSize(options, session: session)
        guard let window = glfwCreateWindow(Int32(size.width), Int32(size.height), "fieldfit-viewer", nil, nil) else {
            return fail("no OpenGL 3.3 core context on display \(display): \(lastGLFWError())")
        }
        defer { glfwDestroyWindow(window) }
        glfwMakeContextCurrent(window)
        glfwSwapInterval(0)
        let gl: GLDisplay
        do { gl = try GLDisplay() } catch { return fail(error.description) }
        if options.stats {
            FileHandle.standardOutput.write(Data("viewer: \(session.summary); OpenGL \(GLDisplay.versionString); window \(size.width)×\(size.height); opened in \(String(format: "%.2f", Date().timeIntervalSince(start))) s\n".utf8))
        }
        let loop = WindowLoop(window: window, gl: gl, session: session, options: options, start: start)
        return loop.run()
    }

    /// The window size: `--size`, else the full render size enlarged by a whole factor to about 640 pixels
    /// (1:1 in `--snapshot` mode, so the screenshot has the render's pixels).
    static func windowSize(_ options: ViewerOptions, session: LiveSession) -> (width: Int, height: Int) {
        if let w = options.windowWidth, let h = options.windowHeight { return (w, h) }
        let w = session.home.width, h = session.home.height
        let factor = options.snapshot != nil ? 1 : max(1, 640 / max(w, h))
        return (w * factor, h * factor)
    }

    /// GLFW's description of its last error.
    static func lastGLFWError() -> String {
        var description: UnsafePointer<CChar>?
        _ = glfwGetError(&description)
        return description.map { String(cString: $0) } ?? "unknown GLFW error"
    }
}
