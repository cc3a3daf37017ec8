import Foundation
import Testing
import FieldIO
@testable import Render

/// Test-view scores, their summary as nerfstudio reports it, and the GT | prediction image.
@Suite struct NeRFEvaluationTests {
    @Test func summaryMeansAndSampleStds() {
        let views = [ViewScore(index: 0, psnr: 20, ssim: 0.5, raysPerSecond: 1000, fps: 1),
                     ViewScore(index: 8, psnr: 24, ssim: 0.7, raysPerSecond: 3000, fps: 3),
                     ViewScore(index: 16, psnr: 28, ssim: 0.9, raysPerSecond: 2000, fps: 2)]
        let s = NeRFEvaluationSummary(views: views)
        #expect(abs(s.psnr - 24) < 1e-12 && abs(s.psnrStd - 4) < 1e-12)          // sqrt((16 + 0 + 16) / 2)
        #expect(abs(s.ssim - 0.7) < 1e-12 && abs(s.ssimStd - 0.2) < 1e-12)
        #expect(abs(s.raysPerSecond - 2000) < 1e-9 && abs(s.raysPerSecondStd - 1000) < 1e-9)
        #expect(abs(s.fps - 2) < 1e-12 && abs(s.fpsStd - 1) < 1e-12)
        let one = NeRFEvaluationSummary(views: [views[1]])
        #expect(one.psnr == 24 && one.psnrStd == 0)
        #expect(NeRFEvaluationSummary(views: []).psnr.isNaN)
    }

    @Test func scoreCompositesOverTheBackground() {
        // GT: transparent everywhere (white once composited); prediction: white RGB. Identical: PSNR ∞, SSIM 1.
        let gt = Image(width: 16, height: 12, channels: 4, fill: 0)
        let pred = Image(width: 16, height: 12, channels: 3, fill: 1)
        let s = ViewScore.score(index: 3, groundTruth: gt, prediction: pred, seconds: 0.5)
        #expect(s.index == 3 && s.psnr == .infinity && abs(s.ssim - 1) < 1e-9)
        #expect(s.raysPerSecond == 16 * 12 * 2 && s.fps == 2)
        // Over black the transparent GT is black: every colour differs by 1, PSNR 0 dB.
        let black = ViewScore.score(index: 0, groundTruth: gt, prediction: pred, background: .zero)
        #expect(abs(black.psnr) < 1e-9 && black.raysPerSecond == 0)
        // A prediction off by 0.1 everywhere: 20 dB.
        let grey = ViewScore.score(index: 0, groundTruth: Image(width: 16, height: 12, channels: 3, fill: 0.5),
                                   prediction: Image(width: 16, height: 12, channels: 3, fill: 0.6))
        #expect(abs(grey.psnr - 20) < 1e-4)
    }

    @Test func comparisonImageSideBySide() {
        var gt = Image(width: 3, height: 2, channels: 4, fill: 0)
        gt[x: 0, y: 0, channel: 0] = 0.2; gt[x: 0, y: 0, channel: 3] = 1        // one opaque dark-red pixel
        let pred = Image(width: 3, height: 2, channels: 3, fill: 0.25)
        let c = NeRFEvaluation.comparisonImage(groundTruth: gt, prediction: pred)
        #expect(c.width == 3 + 2 + 3 && c.height == 2 && c.channels == 3)
        #expect(c.pixel(x: 0, y: 0) == SIMD4(0.2, 0, 0, 1))
        #expect(c.pixel(x: 1, y: 0) == SIMD4(1, 1, 1, 1))                       // transparent → white
        #expect(c.pixel(x: 3, y: 1) == SIMD4(1, 1, 1, 1) && c.pixel(x: 4, y: 0) == SIMD4(1, 1, 1, 1))
        #expect(c.pixel(x: 5, y: 0) == SIMD4(0.25, 0.25, 0.25, 1) && c.pixel(x: 7, y: 1) == SIMD4(0.25, 0.25, 0.25, 1))
        let tall = NeRFEvaluation.comparisonImage(groundTruth: Image(width: 2, height: 4, channels: 1, fill: 0), prediction: pred)
        #expect(tall.width == 7 && tall.height == 4)
        #expect(tall.pixel(x: 0, y: 3) == SIMD4(0, 0, 0, 1) && tall.pixel(x: 4, y: 3) == SIMD4(1, 1, 1, 1))
    }

    @Test func nerfstudioJSONLayout() throws {
        let s = NeRFEvaluationSummary(views: [ViewScore(index: 0, psnr: 30, ssim: 0.9, raysPerSecond: 5e5, fps: 4),
                                              ViewScore(index: 8, psnr: 32, ssim: 0.95, raysPerSecond: 7e5, fps: 6)])
        let json = s.nerfstudioJSON(experimentName: "lego", methodName: "fieldfit-ngp", checkpoint: "runs/lego/checkpoint.safetensors")
        guard case .object(let top) = json else { Issue.record("not an object"); return }
        #expect(top.map(\.key) == ["experiment_name", "method_name", "checkpoint", "results"])
        #expect(json["experiment_name"] == .string("lego") && json["method_name"] == .string("fieldfit-ngp"))
        #expect(json["checkpoint"] == .string("runs/lego/checkpoint.safetensors"))
        guard case .object(let results)? = json["results"] else { Issue.record("no results"); return }
        #expect(results.map(\.key) == ["psnr", "psnr_std", "ssim", "ssim_std", "num_rays_per_sec", "num_rays_per_sec_std", "fps", "fps_std"])
        #expect(json["results"]?["psnr"] == .double(31) && json["results"]?["fps_std"] == .double(2.0.squareRoot()))
        // Written and parsed back.
        let text = JSONWriter.string(json)
        #expect(try JSONParser.parse(text) == json)
        let withViews = s.nerfstudioJSON(experimentName: "e", methodName: "m", checkpoint: "c", includeViews: true)
        guard case .array(let views)? = withViews["views"] else { Issue.record("no views"); return }
        #expect(views.count == 2 && views[1]["index"] == .int(8) && views[1]["psnr"] == .double(32))
    }
}
