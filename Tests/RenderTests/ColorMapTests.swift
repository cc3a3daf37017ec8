import Testing
import FieldIO
@testable import Render

@Suite struct ColorMapTests {
    @Test func turboRunsFromDarkVioletToDarkRed() {
        let cold = ColorMap.turbo(0), hot = ColorMap.turbo(1), middle = ColorMap.turbo(0.5)
        #expect(cold.z > cold.x && cold.z > cold.y && cold.x < 0.3)        // dark, bluish violet
        #expect(hot.x > hot.y && hot.x > hot.z && hot.x < 0.6)            // dark red
        #expect(middle.y > 0.9 && middle.z < 0.4)                         // yellow-green
        #expect(ColorMap.turbo(-1) == cold && ColorMap.turbo(7) == hot && ColorMap.turbo(.nan) == cold)
        // Continuous: neighbouring inputs give neighbouring colours, all in [0, 1].
        for k in 0..<1000 {
            let a = ColorMap.turbo(Float(k) / 1000), b = ColorMap.turbo(Float(k + 1) / 1000)
            #expect(((a - b) * (a - b)).sum() < 0.001)
            #expect(a.min() >= 0 && a.max() <= 1)
        }
    }

    @Test func heatMapSizeAndColours() {
        let w = 6, h = 4
        let target = Image(width: w, height: h, channels: 3, fill: 0.5)
        var prediction = target
        // pixel (1, 0): error 0.05 on every channel → half scale; pixel (2, 0): 0.3 → clipped to full scale.
        for c in 0..<3 { prediction[x: 1, y: 0, channel: c] = 0.55; prediction[x: 2, y: 0, channel: c] = 0.8 }
        let map = errorHeatmap(prediction: prediction, target: target)
        #expect(map.width == w && map.height == h && map.channels == 3)
        func near(_ p: SIMD4<Float>, _ c: SIMD3<Float>) -> Bool { abs(p.x - c.x) < 0.01 && abs(p.y - c.y) < 0.01 && abs(p.z - c.z) < 0.01 }
        #expect(near(map.pixel(x: 0, y: 0), ColorMap.turbo(0)))
        #expect(near(map.pixel(x: 1, y: 0), ColorMap.turbo(0.5)))
        #expect(near(map.pixel(x: 2, y: 0), ColorMap.turbo(1)))
        #expect(near(map.pixel(x: 5, y: 3), ColorMap.turbo(0)))
        // A custom scale: the same 0.05 error is the full scale at 0.05.
        #expect(near(errorHeatmap(prediction: prediction, target: target, scale: 0.05).pixel(x: 1, y: 0), ColorMap.turbo(1)))
        // Error averaged over the colour channels: 0.15 on one channel of three = 0.05 mean.
        var one = target
        one[x: 0, y: 0, channel: 1] = 0.65
        #expect(near(errorHeatmap(prediction: one, target: target).pixel(x: 0, y: 0), ColorMap.turbo(0.5)))
        // Mismatched sizes: black, the prediction's size.
        let odd = errorHeatmap(prediction: Image(width: 3, height: 2, channels: 3, fill: 0), target: target)
        #expect(odd.width == 3 && odd.height == 2 && odd.pixels.allSatisfy { $0 == 0 })
    }
}
