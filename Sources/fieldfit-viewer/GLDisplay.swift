import CGL
import FieldIO
import Foundation
import ViewerShaders

/// The OpenGL side of the viewer: one shader program (Shaders/field.vert, field.frag) that draws a
/// texture into a rectangle, a texture for the field's frame and one for the overlay text, and reading
/// the window's pixels back for screenshots. Needs a current OpenGL 3.3 core context.
final class GLDisplay {
    private let program: GLuint
    private let rectLocation: GLint
    private var vertexArray: GLuint = 0
    private var fieldTexture: GLuint = 0
    private var overlayTexture: GLuint = 0
    /// Sizes of what the textures hold.
    private(set) var fieldSize: (width: Int, height: Int)?
    private(set) var overlaySize: (width: Int, height: Int)?

    /// Compiles the shaders and makes the textures; throws a one-line error when a shader is missing or
    /// does not compile.
    init() throws(FieldError) {
        guard let vs = ViewerShaders.source("field.vert"), let fs = ViewerShaders.source("field.frag") else {
            throw FieldError(file: "Shaders/field.vert, Shaders/field.frag", "the viewer's shader resources are missing next to the executable")
        }
        let v = try GLDisplay.compile(vs, type: GLenum(GL_VERTEX_SHADER), name: "field.vert")
        let f = try GLDisplay.compile(fs, type: GLenum(GL_FRAGMENT_SHADER), name: "field.frag")
        program = glCreateProgram()
        glAttachShader(program, v); glAttachShader(program, f)
        glLinkProgram(program)
        var ok: GLint = 0
        glGetProgramiv(program, GLenum(GL_LINK_STATUS), &ok)
        guard ok != 0 else { throw FieldError(file: "Shaders/field.*", "the shader program does not link: \(GLDisplay.programLog(program))") }
        glDeleteShader(v); glDeleteShader(f)
        rectLocation = glGetUniformLocation(program, "rect")
        glGenVertexArrays(1, &vertexArray)
        glGenTextures(1, &fieldTexture)
        glGenTextures(1, &overlayTexture)
        for t in [fieldTexture, overlayTexture] {
            glBindTexture(GLenum(GL_TEXTURE_2D), t)
            glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), GL_LINEAR)
            glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), t == overlayTexture ? GL_NEAREST : GL_LINEAR)
            glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
            glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
        }
        glPixelStorei(GLenum(GL_UNPACK_ALIGNMENT), 1)
        glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
    }

    private static func compile(_ source: String, type: GLenum, name: String) throws(FieldError) -> GLuint {
        let shader = glCreateShader(type)
        source.withCString { text in
            var p: UnsafePointer<GLchar>? = text
            glShaderSource(shader, 1, &p, nil)
        }
        glCompileShader(shader)
        var ok: GLint = 0
        glGetShaderiv(shader, GLenum(GL_COMPILE_STATUS), &ok)
        guard ok != 0 else {
            var log = [GLchar](repeating: 0, count: 2048)
            glGetShaderInfoLog(shader, 2048, nil, &log)
            let text = GLDisplay.text(log).replacingOccurrences(of: "\n", with: " ")
            throw FieldError(file: "Shaders/\(name)", "does not compile: \(text)")
        }
        return shader
    }

    private static func programLog(_ program: GLuint) -> String {
        var log = [GLchar](repeating: 0, count: 2048)
        glGetProgramInfoLog(program, 2048, nil, &log)
        return text(log).replacingOccurrences(of: "\n", with: " ")
    }

    /// A NUL-terminated info log as a string.
    private static func text(_ log: [GLchar]) -> String {
        String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Uploads an RGBA8 image (top row first) into the field or overlay texture.
    func upload(_ rgba: [UInt8], width: Int, height: Int, overlay: Bool) {
        glBindTexture(GLenum(GL_TEXTURE_2D), overlay ? overlayTexture : fieldTexture)
        rgba.withUnsafeBytes { p in
            glTexImage2D(GLenum(GL_TEXTURE_2D), 0, GL_RGBA8, GLsizei(width), GLsizei(height), 0,
                         GLenum(GL_RGBA), GLenum(GL_UNSIGNED_BYTE), p.baseAddress)
        }
        if overlay { overlaySize = (width, height) } else { fieldSize = (width, height) }
    }

    /// Clears the framebuffer (`width`×`height` pixels) to the background grey.
    func clear(width: Int, height: Int) {
        glViewport(0, 0, GLsizei(width), GLsizei(height))
        glDisable(GLenum(GL_BLEND))
        glClearColor(0.12, 0.12, 0.13, 1)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
    }

    /// Draws the field texture into `rect` (pixels: x, y from the bottom left, width, height) of a
    /// framebuffer `width`×`height`.
    func drawField(in rect: PixelRect, framebufferWidth: Int, framebufferHeight: Int) {
        guard fieldSize != nil else { return }
        draw(texture: fieldTexture, rect: rect, framebufferWidth: framebufferWidth, framebufferHeight: framebufferHeight)
    }

    /// Draws the overlay at the top left corner, alpha-blended.
    func drawOverlay(framebufferWidth: Int, framebufferHeight: Int) {
        guard let s = overlaySize else { return }
        glEnable(GLenum(GL_BLEND))
        glBlendFunc(GLenum(GL_SRC_ALPHA), GLenum(GL_ONE_MINUS_SRC_ALPHA))
        draw(texture: overlayTexture, rect: PixelRect(x: 0, y: framebufferHeight - s.height, width: s.width, height: s.height),
             framebufferWidth: framebufferWidth, framebufferHeight: framebufferHeight)
        glDisable(GLenum(GL_BLEND))
    }

    private func draw(texture: GLuint, rect: PixelRect, framebufferWidth: Int, framebufferHeight: Int) {
        glUseProgram(program)
        let w = Float(framebufferWidth), h = Float(framebufferHeight)
        glUniform4f(rectLocation, 2 * Float(rect.x) / w - 1, 2 * Float(rect.y) / h - 1,
                    2 * Float(rect.x + rect.width) / w - 1, 2 * Float(rect.y + rect.height) / h - 1)
        glActiveTexture(GLenum(GL_TEXTURE0))
        glBindTexture(GLenum(GL_TEXTURE_2D), texture)
        glBindVertexArray(vertexArray)
        glDrawArrays(GLenum(GL_TRIANGLE_STRIP), 0, 4)
    }

    /// Reads `rect` of the back buffer (what was drawn so far this frame) as an RGB image, top row first.
    func readPixels(_ rect: PixelRect) -> Image {
        var bytes = [UInt8](repeating: 0, count: rect.width * rect.height * 4)
        glReadBuffer(GLenum(GL_BACK))
        bytes.withUnsafeMutableBytes { p in
            glReadPixels(GLint(rect.x), GLint(rect.y), GLsizei(rect.width), GLsizei(rect.height), GLenum(GL_RGBA),
                         GLenum(GL_UNSIGNED_BYTE), p.baseAddress)
        }
        var pixels = [Float](repeating: 0, count: rect.width * rect.height * 3)
        for y in 0..<rect.height {
            let source = (rect.height - 1 - y) * rect.width   // GL rows run bottom to top
            for x in 0..<rect.width {
                for k in 0..<3 { pixels[3 * (y * rect.width + x) + k] = Float(bytes[4 * (source + x) + k]) / 255 }
            }
        }
        return Image(width: rect.width, height: rect.height, channels: 3, pixels: pixels)
    }

    /// "OpenGL 4.5 (Core Profile) Mesa …" for messages.
    static var versionString: String {
        guard let v = glGetString(GLenum(GL_VERSION)) else { return "unknown" }
        return String(cString: UnsafeRawPointer(v).assumingMemoryBound(to: CChar.self))
    }
}

/// A rectangle of framebuffer pixels, origin at the bottom left as OpenGL counts.
struct PixelRect: Equatable {
    var x: Int, y: Int, width: Int, height: Int

    /// The largest rectangle of aspect `imageWidth`:`imageHeight` centred in a `width`×`height` framebuffer.
    static func fitting(imageWidth: Int, imageHeight: Int, width: Int, height: Int) -> PixelRect {
        let s = min(Double(width) / Double(imageWidth), Double(height) / Double(imageHeight))
        let w = max(1, Int((Double(imageWidth) * s).rounded())), h = max(1, Int((Double(imageHeight) * s).rounded()))
        return PixelRect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    }

    /// This rectangle scaled by `zoom` about its centre and moved by (`offsetX`, `offsetY`) pixels.
    func zoomed(_ zoom: Double, offsetX: Double, offsetY: Double) -> PixelRect {
        let w = Double(width) * zoom, h = Double(height) * zoom
        let cx = Double(x) + Double(width) / 2 + offsetX, cy = Double(y) + Double(height) / 2 + offsetY
        return PixelRect(x: Int((cx - w / 2).rounded()), y: Int((cy - h / 2).rounded()),
                         width: max(1, Int(w.rounded())), height: max(1, Int(h.rounded())))
    }

    /// The part of this rectangle inside a `width`×`height` framebuffer (empty: zero width or height).
    func clipped(width fw: Int, height fh: Int) -> PixelRect {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(fw, x + width), y1 = min(fh, y + height)
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }
}
