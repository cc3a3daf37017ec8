import Foundation
import Render

/// The text the viewer draws over the field, and its rasterisation with the built-in bitmap font into an
/// RGBA8 bitmap (white text on a translucent dark panel) that the window uploads as a texture.
public enum LiveOverlay {
    /// The keys and what they do (the on-screen list and `--help`).
    public static let keys: [(key: String, action: String)] = [
        ("left drag", "orbit"), ("right drag, shift+drag", "pan"), ("wheel", "zoom"),
        ("W A S D, Q E", "fly forward/left/back/right, down/up"), ("R", "reset the camera"),
        ("N / B", "next / previous training view"), ("[ / ]", "narrower / wider field of view"),
        ("M, 1-6", "next render mode, or pick one"), ("space", "pause / resume training"),
        ("P", "save a screenshot PNG"), ("C", "save a checkpoint"), ("O", "overlay on/off"),
        ("H", "this key list"), ("Esc", "quit"),
    ]

    /// The status lines: training figures, view, frame rate, the latest message.
    public static func lines(stats: LiveWorker.Stats, mode: LiveMode, modes: [LiveMode], frameScale: Double?,
                             uiFramesPerSecond: Double, trainingView: Int?, fieldOfView: Float) -> [String] {
        let state = stats.failure != nil ? "stopped" : stats.finished ? "finished" : stats.paused ? "paused" : "training"
        let loss = stats.loss.isNaN ? "-" : String(format: "%.5f", stats.loss)
        var lines = ["step \(stats.step) (\(state))  loss \(loss)  \(stats.headline ?? "psnr -")",
                     "samples/s \(formatRate(stats.samplesPerSecond))  ui \(String(format: "%.0f", uiFramesPerSecond)) fps"]
        let modeList = modes.enumerated().map { "\($0.offset + 1) \($0.element == mode ? "[\($0.element.rawValue)]" : $0.element.rawValue)" }
        lines.append("mode " + modeList.joined(separator: " "))
        let res = frameScale.map { $0 >= 1 ? "full" : "1/\(Int((1 / $0).rounded()))" } ?? "-"
        if modes.contains(.target) {
            lines.append("image  res \(res)  H: keys")
        } else {
            let view = trainingView.map { "training view \($0)" } ?? "orbit"
            lines.append("\(view)  fov \(String(format: "%.0f", fieldOfView))  res \(res)  H: keys")
        }
        if let m = stats.message { lines.append(m) }
        return lines.map(ascii)
    }

    /// The text with the arrows and signs the ASCII bitmap font lacks spelled out.
    static func ascii(_ text: String) -> String {
        text.replacingOccurrences(of: "→", with: "->").replacingOccurrences(of: "×", with: "x")
            .replacingOccurrences(of: "±", with: "+-")
    }

    /// The key list as overlay lines.
    public static var keyLines: [String] {
        keys.map { $0.key.padding(toLength: 24, withPad: " ", startingAt: 0) + $0.action }
    }

    /// "1.23 M" style rate.
    static func formatRate(_ v: Double) -> String {
        v >= 1e6 ? String(format: "%.2f M", v / 1e6) : v >= 1e3 ? String(format: "%.1f k", v / 1e3) : String(format: "%.0f", v)
    }

    /// A rasterised overlay: RGBA8, top row first.
    public struct Bitmap: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var rgba: [UInt8]
    }

    /// The font scale for a framebuffer `width` pixels wide: 2 from 900 pixels up, else 1.
    public static func fontScale(framebufferWidth width: Int) -> Int { width >= 900 ? 2 : 1 }

    /// Rasterises `lines` at `scale` font pixels per glyph pixel, with a 4-pixel margin.
    public static func bitmap(_ lines: [String], scale: Int = 2) -> Bitmap {
        let margin = 4, lineHeight = (BitmapFont.glyphHeight + 2) * scale
        let width = max(1, (lines.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 2 * margin)
        let height = max(1, lines.count * lineHeight + 2 * margin)
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0..<(width * height) { rgba[4 * i + 3] = 150 }
        for (row, line) in lines.enumerated() {
            var x0 = margin
            let y0 = margin + row * lineHeight
            for ch in line {
                for gy in 0..<BitmapFont.glyphHeight {
                    for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isInk(ch, column: gx, row: gy) {
                        for sy in 0..<scale {
                            for sx in 0..<scale {
                                let x = x0 + gx * scale + sx, y = y0 + gy * scale + sy
                                guard x < width, y < height else { continue }
                                let p = 4 * (y * width + x)
                                rgba[p] = 255; rgba[p + 1] = 255; rgba[p + 2] = 255; rgba[p + 3] = 255
                            }
                        }
                    }
                }
                x0 += BitmapFont.advance * scale
            }
        }
        return Bitmap(width: width, height: height, rgba: rgba)
    }
}
