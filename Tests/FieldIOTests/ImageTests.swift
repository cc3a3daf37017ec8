import Testing
@testable import FieldIO

@Suite struct ImageTests {
    @Test func pixelReadsEveryLayoutAsRGBA() {
        #expect(Image(width: 1, height: 1, channels: 1, pixels: [0.25]).pixel(x: 0, y: 0) == SIMD4(0.25, 0.25, 0.25, 1))
        #expect(Image(width: 1, height: 1, channels: 2, pixels: [0.25, 0.5]).pixel(x: 0, y: 0) == SIMD4(0.25, 0.25, 0.25, 0.5))
        #expect(Image(width: 1, height: 1, channels: 3, pixels: [0.1, 0.2, 0.3]).pixel(x: 0, y: 0) == SIMD4(0.1, 0.2, 0.3, 1))
        let rgba = Image(width: 2, height: 1, channels: 4, pixels: [0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4])
        #expect(rgba.pixel(x: 1, y: 0) == SIMD4(0.1, 0.2, 0.3, 0.4))
    }

    @Test func rgbCompositesAlphaAndRepeatsGray() {
        let rgba = Image(width: 1, height: 1, channels: 4, pixels: [1, 0, 0, 0.25])
        let over = rgba.rgb(background: SIMD3(0, 0, 1))
        #expect(over.channels == 3 && over.pixels == [0.25, 0, 0.75])
        let ga = Image(width: 1, height: 1, channels: 2, pixels: [1, 0.5])
        #expect(ga.rgb(background: SIMD3(0, 0, 0)).pixels == [0.5, 0.5, 0.5])
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [0.2, 0.8])
        #expect(gray.rgb().pixels == [0.2, 0.2, 0.2, 0.8, 0.8, 0.8])
        let rgb = Image(width: 1, height: 1, channels: 3, pixels: [0.1, 0.2, 0.3])
        #expect(rgb.rgb() == rgb)
        #expect(rgba.rgb().pixels == [1, 0.75, 0.75])  // white by default
    }

    @Test func alphaAndShapeHelpers() {
        let ga = Image(width: 2, height: 1, channels: 2, pixels: [1, 0.5, 0, 0.25])
        #expect(ga.alpha().pixels == [0.5, 0.25] && ga.hasAlpha && ga.colorChannels == 1)
        let rgb = Image(width: 2, height: 1, channels: 3, fill: 0.5)
        #expect(rgb.alpha().pixels == [1, 1] && !rgb.hasAlpha && rgb.colorChannels == 3)
        var m = rgb
        m[x: 1, y: 0, channel: 2] = 0.9
        #expect(m.pixels[m.index(x: 1, y: 0, channel: 2)] == 0.9)
    }
}
