import FieldIO
import Foundation

/// A line chart rendered to an RGB image: title, labelled axes with round-number ticks, a light grid,
/// one or more coloured series, optional dashed horizontal target lines, and a legend.
public struct LinePlot: Sendable {
    /// One curve: (x, y) points joined in order; non-finite points break the line.
    public struct Series: Sendable {
        /// Name shown in the legend (empty: not listed).
        public var name: String
        /// The points in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Line colour, RGB in [0, 1].
        public var color: SIMD3<Float>

        /// A series with a SIMD colour.
        public init(name: String, points: [(x: Double, y: Double)], color: SIMD3<Float>) {
            self.name = name
            self.points = points
            self.color = color
        }

        /// A series with an (r, g, b) colour.
        public init(name: String, points: [(x: Double, y: Double)], color: (Float, Float, Float)) {
            self.init(name: name, points: points, color: SIMD3(color.0, color.1, color.2))
        }
    }

    /// A dashed horizontal line at `value` (e.g. a target PSNR), labelled at its right end.
    public struct TargetLine: Sendable {
        /// The y value.
        public var value: Double
        /// Text drawn above the line's right end (may be empty).
        public var label: String
        /// Line colour.
        public var color: SIMD3<Float>

        /// A target line.
        public init(value: Double, label: String = "", color: SIMD3<Float> = SIMD3(0.55, 0.55, 0.55)) {
            self.value = value
            self.label = label
            self.color = color
        }
    }

    /// Distinct colours for series, in order.
    public static let palette: [SIMD3<Float>] = [
        SIMD3(0.15, 0.40, 0.85), SIMD3(0.90, 0.35, 0.10), SIMD3(0.15, 0.65, 0.30),
        SIMD3(0.75, 0.15, 0.55), SIMD3(0.45, 0.35, 0.20), SIMD3(0.10, 0.65, 0.75),
    ]

    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Title above the chart.
    public var title: String
    /// Label under the x axis.
    public var xLabel: String
    /// Label beside the y axis (drawn reading upwards).
    public var yLabel: String
    /// The curves.
    public var series: [Series] = []
    /// Horizontal reference lines.
    public var targetLines: [TargetLine] = []
    /// Fixed x range; nil fits the data, rounded out to whole ticks.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range; nil fits the data and the target lines, rounded out to whole ticks.
    public var yRange: ClosedRange<Double>?

    /// An empty plot of the given size (at least 120×90 is sensible).
    public init(width: Int = 800, height: Int = 480, title: String = "", xLabel: String = "", yLabel: String = "") {
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Adds a curve.
    public mutating func add(series: Series) { self.series.append(series) }

    /// Adds a dashed horizontal line at `value`.
    public mutating func addTarget(_ value: Double, label: String = "", color: SIMD3<Float> = SIMD3(0.55, 0.55, 0.55)) {
        targetLines.append(TargetLine(value: value, label: label, color: color))
    }

    /// Renders the chart as an RGB image of `width`×`height`.
    public func render() -> Image {
        let w = max(width, 1), h = max(height, 1)
        var canvas = Canvas(width: w, height: h)
        let ink = SIMD3<Float>(0.1, 0.1, 0.1), gridColor = SIMD3<Float>(0.88, 0.88, 0.88)
        let s = max(1, min(w, h) / 240)          // text scale for labels and ticks
        let ts = s + 1                            // title scale
        let pad = 6 * s, tick = 4 * s, gap = 4 * s
        let lineHeight = BitmapFont.capHeight * s

        let xAxis = PlotAxis.fit(range: xRange, values: series.flatMap { $0.points.map(\.x) }, targetCount: max(2, w / (70 * s)))
        let yAxis = PlotAxis.fit(range: yRange, values: series.flatMap { $0.points.map(\.y) } + targetLines.map(\.value),
                                 targetCount: max(2, h / (45 * s)))
        let yLabels = yAxis.ticks.map { yAxis.label($0) }
        let yLabelWidth = yLabels.map { BitmapFont.width(of: $0, scale: s) }.max() ?? 0

        let top = pad + (title.isEmpty ? 0 : BitmapFont.capHeight * ts + 2 * pad)
        let left = pad + (yLabel.isEmpty ? 0 : lineHeight + 2 * gap) + yLabelWidth + gap + tick
        let bottom = tick + gap + lineHeight + (xLabel.isEmpty ? 0 : 3 * gap + lineHeight) + pad
        let lastXLabel = xAxis.ticks.last.map { xAxis.label($0) } ?? ""
        let right = pad + max(BitmapFont.width(of: lastXLabel, scale: s) / 2, 2 * s)
        let x0 = left, x1 = max(left + 1, w - 1 - right), y0 = top, y1 = max(top + 1, h - 1 - bottom)

        func px(_ x: Double) -> Double { Double(x0) + (x - xAxis.lower) / (xAxis.upper - xAxis.lower) * Double(x1 - x0) }
        func py(_ y: Double) -> Double { Double(y1) - (y - yAxis.lower) / (yAxis.upper - yAxis.lower) * Double(y1 - y0) }
        /// A pixel coordinate as Int, kept within a safe distance of the image (data may lie far outside).
        func pixel(_ v: Double) -> Int { v.isNaN ? -1_000_000 : Int(max(-1e6, min(1e6, v)).rounded()) }

        // Grid, tick marks and tick labels.
        for t in xAxis.ticks {
            let x = pixel(px(t))
            canvas.fill(x: x, y: y0, width: 1, height: y1 - y0, color: gridColor)
            canvas.fill(x: x, y: y1, width: 1, height: tick, color: ink)
            let label = xAxis.label(t)
            canvas.text(label, x: x - BitmapFont.width(of: label, scale: s) / 2, y: y1 + tick + gap, scale: s, color: ink)
        }
        for (t, label) in zip(yAxis.ticks, yLabels) {
            let y = pixel(py(t))
            canvas.fill(x: x0, y: y, width: x1 - x0, height: 1, color: gridColor)
            canvas.fill(x: x0 - tick, y: y, width: tick, height: 1, color: ink)
            canvas.text(label, x: x0 - tick - gap - BitmapFont.width(of: label, scale: s), y: y - lineHeight / 2, scale: s, color: ink)
        }

        // Target lines (dashed) and the series, clipped to the plot area.
        canvas.clip = (x0 + 1, y0 + 1, x1 - 1, y1 - 1)
        for target in targetLines where target.value.isFinite {
            let y = pixel(py(target.value))
            var x = x0
            while x < x1 {
                canvas.fill(x: x, y: y, width: min(8 * s, x1 - x), height: max(1, s), color: target.color)
                x += 13 * s
            }
            if !target.label.isEmpty {
                let lw = BitmapFont.width(of: target.label, scale: s)
                canvas.text(target.label, x: x1 - gap - lw, y: y - gap - lineHeight, scale: s, color: target.color)
            }
        }
        for curve in series {
            var previous: SIMD2<Double>?
            let markers = curve.points.count <= 40
            for p in curve.points {
                guard p.x.isFinite, p.y.isFinite else { previous = nil; continue }
                let q = SIMD2(px(p.x), py(p.y))
                if let a = previous { canvas.line(from: a, to: q, color: curve.color, thickness: max(2, s)) }
                if markers { canvas.fill(x: pixel(q.x) - s - 1, y: pixel(q.y) - s - 1, width: 2 * s + 3, height: 2 * s + 3, color: curve.color) }
                previous = q
            }
        }
        canvas.clip = nil

        // Frame, axis labels, title.
        canvas.fill(x: x0, y: y0, width: x1 - x0 + 1, height: 1, color: ink)
        canvas.fill(x: x0, y: y1, width: x1 - x0 + 1, height: 1, color: ink)
        canvas.fill(x: x0, y: y0, width: 1, height: y1 - y0 + 1, color: ink)
        canvas.fill(x: x1, y: y0, width: 1, height: y1 - y0 + 1, color: ink)
        if !xLabel.isEmpty {
            canvas.text(xLabel, x: (x0 + x1) / 2 - BitmapFont.width(of: xLabel, scale: s) / 2,
                        y: h - pad - BitmapFont.glyphHeight * s, scale: s, color: ink)
        }
        if !yLabel.isEmpty {
            canvas.text(yLabel, x: pad, y: (y0 + y1) / 2 - BitmapFont.width(of: yLabel, scale: s) / 2, scale: s, color: ink, vertical: true)
        }
        if !title.isEmpty {
            canvas.text(title, x: w / 2 - BitmapFont.width(of: title, scale: ts) / 2, y: pad, scale: ts, color: ink)
        }

        // Legend in the lower right corner of the plot area.
        let named = series.filter { !$0.name.isEmpty }
        if !named.isEmpty {
            let swatch = 16 * s, rowHeight = BitmapFont.glyphHeight * s + gap
            let boxWidth = 3 * gap + swatch + (named.map { BitmapFont.width(of: $0.name, scale: s) }.max() ?? 0) + gap
            let boxHeight = named.count * rowHeight + 2 * gap
            let bx = x1 - 2 * gap - boxWidth, by = y1 - 2 * gap - boxHeight
            canvas.fill(x: bx, y: by, width: boxWidth, height: boxHeight, color: SIMD3(repeating: 0.6))
            canvas.fill(x: bx + 1, y: by + 1, width: boxWidth - 2, height: boxHeight - 2, color: SIMD3(repeating: 1))
            for (i, curve) in named.enumerated() {
                let ry = by + gap + i * rowHeight
                canvas.fill(x: bx + gap, y: ry + lineHeight / 2 - s / 2, width: swatch, height: max(2, s), color: curve.color)
                canvas.text(curve.name, x: bx + 2 * gap + swatch, y: ry, scale: s, color: ink)
            }
        }
        return canvas.image
    }

    /// Renders the chart and writes it as an 8-bit PNG, atomically.
    public func writePNG(to path: String) throws(FieldError) {
        try render().writePNG(to: path)
    }
}

/// One axis of a plot: its range and round-number ticks (steps of 1, 2 or 5 × 10^k).
struct PlotAxis {
    var lower: Double
    var upper: Double
    var step: Double
    var decimals: Int

    /// The tick values inside the range.
    var ticks: [Double] {
        let first = (lower / step - 1e-9).rounded(.up), last = (upper / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// A tick value as text with just enough decimals for the step.
    func label(_ value: Double) -> String { PlotAxis.format(value, decimals: decimals) }

    /// An axis for `values` (or the fixed `range`), with about `targetCount` ticks.
    static func fit(range: ClosedRange<Double>?, values: [Double], targetCount: Int) -> PlotAxis {
        var lo: Double, hi: Double
        if let r = range, r.lowerBound.isFinite, r.upperBound.isFinite {
            lo = r.lowerBound; hi = r.upperBound
        } else {
            let finite = values.filter(\.isFinite)
            lo = finite.min() ?? 0; hi = finite.max() ?? 1
        }
        if hi - lo <= abs(hi) * 1e-12 {  // one value: open a window around it
            let d = max(abs(lo) * 0.1, 1)
            lo -= d; hi += d
        }
        let (step, decimals) = niceStep((hi - lo) / Double(max(1, targetCount)))
        if range == nil {
            lo = (lo / step + 1e-9).rounded(.down) * step
            hi = (hi / step - 1e-9).rounded(.up) * step
        }
        return PlotAxis(lower: lo, upper: hi, step: step, decimals: decimals)
    }

    /// The round step (1, 2 or 5 × 10^k) at or above `raw`, and the decimals its labels need.
    static func niceStep(_ raw: Double) -> (Double, Int) {
        guard raw.isFinite, raw > 0 else { return (1, 0) }
        var exponent = Int(log10(raw).rounded(.down))
        let fraction = raw / pow(10, Double(exponent))
        let mantissa: Double
        if fraction <= 1 { mantissa = 1 } else if fraction <= 2 { mantissa = 2 } else if fraction <= 5 { mantissa = 5 } else { mantissa = 1; exponent += 1 }
        return (mantissa * pow(10, Double(exponent)), max(0, -exponent))
    }

    /// `value` with exactly `decimals` digits after the point ("-0" is written "0").
    static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "?" }
        let scaled = (abs(value) * pow(10, Double(decimals))).rounded()
        guard scaled < 9e15 else { return value < 0 ? "-big" : "big" }
        var digits = String(Int64(scaled))
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (value < 0 && scaled != 0 ? "-" : "") + digits
    }
}
