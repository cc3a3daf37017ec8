import Foundation
import Testing
import TestSupport
import FieldIO
@testable import Render

@Suite struct LinePlotTests {
    func count(_ image: Image, where match: (SIMD4<Float>) -> Bool) -> Int {
        var n = 0
        for y in 0..<image.height { for x in 0..<image.width where match(image.pixel(x: x, y: y)) { n += 1 } }
        return n
    }

    func isColor(_ c: SIMD3<Float>) -> (SIMD4<Float>) -> Bool {
        { p in abs(p.x - c.x) < 1e-3 && abs(p.y - c.y) < 1e-3 && abs(p.z - c.z) < 1e-3 }
    }

    @Test func rendersAPNGOfTheRequestedSizeWithTheSeriesDrawn() throws {
        let dir = temporaryPlotFolder()
        let red = SIMD3<Float>(1, 0, 0), green = SIMD3<Float>(0, 0.8, 0), target = SIMD3<Float>(0.2, 0.2, 0.9)
        var plot = LinePlot(width: 640, height: 400, title: "lego: PSNR over training time", xLabel: "training seconds", yLabel: "PSNR dB")
        var curve: [(x: Double, y: Double)] = []
        for i in 0...50 {
            let t = Double(i)
            curve.append((x: t, y: 10 + 25 * (1 - exp(-t / 10))))
        }
        plot.add(series: LinePlot.Series(name: "hash grid", points: curve, color: red))
        plot.add(series: LinePlot.Series(name: "frequency", points: [(x: 0, y: 8), (x: 25, y: 20), (x: 50, y: 24)], color: (0, 0.8, 0)))
        plot.addTarget(30, label: "30 dB", color: target)
        let path = dir + "/plot.png"
        try plot.writePNG(to: path)
        let image = try Image.read(path)
        #expect(image.width == 640 && image.height == 400 && image.channels == 3)
        // Quantised to 8 bits: compare with the colours as they come back.
        func q(_ c: SIMD3<Float>) -> SIMD3<Float> { (c * 255).rounded(.toNearestOrEven) / 255 }
        #expect(count(image, where: isColor(q(red))) > 200)
        #expect(count(image, where: isColor(q(green))) > 100)
        #expect(count(image, where: isColor(q(target))) > 100)
        #expect(count(image, where: { $0.x < 0.2 && $0.y < 0.2 && $0.z < 0.2 }) > 500)  // text, frame and ticks
        // The red series rises to the right: its pixels on the left sit lower (larger y) than on the right.
        let rendered = plot.render()
        var leftY: [Int] = [], rightY: [Int] = []
        for y in 0..<400 {
            for x in 0..<640 where isColor(red)(rendered.pixel(x: x, y: y)) {
                if x < 160 { leftY.append(y) } else if x > 480 { rightY.append(y) }
            }
        }
        #expect(!leftY.isEmpty && !rightY.isEmpty)
        #expect(Double(leftY.reduce(0, +)) / Double(leftY.count) > Double(rightY.reduce(0, +)) / Double(rightY.count))
    }

    @Test func emptyAndDegenerateDataStillRender() {
        let empty = LinePlot(width: 300, height: 200, title: "nothing").render()
        #expect(empty.width == 300 && empty.height == 200)
        var flat = LinePlot(width: 300, height: 200)
        flat.add(series: LinePlot.Series(name: "", points: [(x: 1, y: 5), (x: 1, y: 5), (x: .nan, y: 3), (x: 2, y: .infinity)], color: SIMD3(1, 0, 0)))
        let image = flat.render()
        #expect(count(image, where: isColor(SIMD3(1, 0, 0))) > 0)
        var fixed = LinePlot(width: 200, height: 150)
        fixed.yRange = 0...10
        fixed.add(series: LinePlot.Series(name: "off the chart", points: [(x: 0, y: -1e300), (x: 1, y: 1e300)], color: SIMD3(1, 0, 0)))
        fixed.addTarget(1e300)
        fixed.addTarget(-.infinity)
        #expect(fixed.render().width == 200)
    }

    @Test func niceTicks() {
        #expect(PlotAxis.niceStep(0.37) == (0.5, 1))
        #expect(PlotAxis.niceStep(1.2) == (2, 0))
        #expect(PlotAxis.niceStep(7) == (10, 0))
        #expect(PlotAxis.niceStep(0.012) == (0.02, 2))
        let axis = PlotAxis.fit(range: nil, values: [3.2, 37.9], targetCount: 6)
        #expect(axis.lower == 0 && axis.upper == 40 && axis.ticks == [0, 10, 20, 30, 40])
        #expect(PlotAxis.format(2.5, decimals: 1) == "2.5" && PlotAxis.format(-0.04, decimals: 1) == "0.0")
        #expect(PlotAxis.format(0.05, decimals: 2) == "0.05" && PlotAxis.format(-12, decimals: 0) == "-12")
    }

    @Test func fontCoversPrintableASCII() {
        for code in 33...126 {
            let c = Character(Unicode.Scalar(UInt8(code)))
            #expect(BitmapFont.rows(c).contains { $0 != 0 }, "\(c) has no ink")
            #expect(BitmapFont.rows(c).count == BitmapFont.glyphHeight)
        }
        #expect(BitmapFont.rows(" ").allSatisfy { $0 == 0 })
        #expect(BitmapFont.rows("é") == BitmapFont.rows("?"))
        #expect(BitmapFont.width(of: "PSNR", scale: 2) == (4 * 6 - 1) * 2)
        #expect(BitmapFont.isInk("1", column: 2, row: 0) && !BitmapFont.isInk("1", column: 0, row: 0))
        // Distinct glyphs for characters that are easy to confuse.
        for (a, b) in [("0", "O"), ("1", "l"), ("5", "S"), ("8", "B"), (",", "."), ("-", "_")] {
            #expect(BitmapFont.rows(Character(a)) != BitmapFont.rows(Character(b)))
        }
    }

    @Test func canvasTextAndLines() {
        var canvas = Canvas(width: 40, height: 20, background: SIMD3(1, 1, 1))
        canvas.text("Hi", x: 1, y: 1, color: SIMD3(0, 0, 0))
        #expect(canvas.image.pixel(x: 1, y: 1) == SIMD4(0, 0, 0, 1))    // H's top-left
        #expect(canvas.image.pixel(x: 2, y: 1) == SIMD4(1, 1, 1, 1))
        canvas.clip = (0, 0, 19, 19)
        canvas.line(from: SIMD2(0, 15), to: SIMD2(39, 15), color: SIMD3(1, 0, 0))
        #expect(canvas.image.pixel(x: 19, y: 15) == SIMD4(1, 0, 0, 1))
        #expect(canvas.image.pixel(x: 20, y: 15) == SIMD4(1, 1, 1, 1))   // clipped
        var vertical = Canvas(width: 20, height: 20)
        vertical.text("A", x: 0, y: 0, color: SIMD3(0, 0, 0), vertical: true)
        // "A" turned a quarter left: its top row (".###.") becomes the left column, read upwards.
        #expect(vertical.image.pixel(x: 0, y: 0) == SIMD4(1, 1, 1, 1) && vertical.image.pixel(x: 0, y: 1) == SIMD4(0, 0, 0, 1))
        #expect(vertical.image.pixel(x: 1, y: 0) == SIMD4(0, 0, 0, 1))
    }
}

/// A fresh temporary folder (removed at the end of the test process).
func temporaryPlotFolder(_ name: String = #function) -> String { TemporaryFolders.make(name) }
