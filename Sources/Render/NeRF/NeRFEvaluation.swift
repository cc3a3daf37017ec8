import FieldIO
import Foundation

/// The scores of one predicted test view.
public struct ViewScore: Equatable, Sendable {
    /// The view's index (in the test split).
    public var index: Int
    /// PSNR in dB and SSIM of the prediction against the ground truth.
    public var psnr: Double
    public var ssim: Double
    /// Rays (pixels) rendered per second for this view, and views per second (nerfstudio's `fps`).
    public var raysPerSecond: Double
    public var fps: Double

    /// A score from its values.
    public init(index: Int, psnr: Double, ssim: Double, raysPerSecond: Double = 0, fps: Double = 0) {
        self.index = index
        self.psnr = psnr
        self.ssim = ssim
        self.raysPerSecond = raysPerSecond
        self.fps = fps
    }

    /// Scores `prediction` against `groundTruth`, both composited over `background` first (white by
    /// default, as nerfstudio's Blender dataparser does), with `seconds` the time the prediction took to
    /// render (0 or less leaves the speeds at 0). Sizes must agree, else PSNR and SSIM are NaN.
    public static func score(index: Int, groundTruth: Image, prediction: Image, seconds: Double = 0,
                             background: SIMD3<Float> = SIMD3(repeating: 1)) -> ViewScore {
        let gt = groundTruth.rgb(background: background), pred = prediction.rgb(background: background)
        let rays = Double(prediction.width * prediction.height)
        return ViewScore(index: index, psnr: ImageMetrics.psnr(pred, gt), ssim: ImageMetrics.ssim(pred, gt),
                         raysPerSecond: seconds > 0 ? rays / seconds : 0, fps: seconds > 0 ? 1 / seconds : 0)
    }
}

/// The mean and standard deviation of the view scores, as nerfstudio's `ns-eval` reports them
/// (`torch.std_mean`: the sample standard deviation, dividing by n − 1; 0 for a single view).
public struct NeRFEvaluationSummary: Equatable, Sendable {
    /// The per-view scores in order.
    public var views: [ViewScore]
    /// PSNR mean and standard deviation (dB).
    public var psnr: Double, psnrStd: Double
    /// SSIM mean and standard deviation.
    public var ssim: Double, ssimStd: Double
    /// Rendering speed in rays per second, mean and standard deviation.
    public var raysPerSecond: Double, raysPerSecondStd: Double
    /// Views per second, mean and standard deviation.
    public var fps: Double, fpsStd: Double

    /// The summary of `views` (all statistics NaN when there are none).
    public init(views: [ViewScore]) {
        self.views = views
        (psnr, psnrStd) = Self.meanAndStd(views.map(\.psnr))
        (ssim, ssimStd) = Self.meanAndStd(views.map(\.ssim))
        (raysPerSecond, raysPerSecondStd) = Self.meanAndStd(views.map(\.raysPerSecond))
        (fps, fpsStd) = Self.meanAndStd(views.map(\.fps))
    }

    /// Mean and sample standard deviation (n − 1; 0 for one value, NaN for none).
    public static func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        guard values.count > 1 else { return (mean, 0) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / (n - 1)).squareRoot())
    }

    /// nerfstudio's eval JSON: `experiment_name`, `method_name`, `checkpoint` and `results` with `psnr`,
    /// `psnr_std`, `ssim`, `ssim_std`, `num_rays_per_sec`, `num_rays_per_sec_std`, `fps`, `fps_std` (no
    /// LPIPS). With `includeViews`, a top-level `views` list adds each view's scores. Non-finite values
    /// (PSNR of a perfect view) are written as null.
    public func nerfstudioJSON(experimentName: String, methodName: String, checkpoint: String,
                               includeViews: Bool = false) -> JSONValue {
        let results: JSONValue = .object([
            ("psnr", .double(psnr)), ("psnr_std", .double(psnrStd)),
            ("ssim", .double(ssim)), ("ssim_std", .double(ssimStd)),
            ("num_rays_per_sec", .double(raysPerSecond)), ("num_rays_per_sec_std", .double(raysPerSecondStd)),
            ("fps", .double(fps)), ("fps_std", .double(fpsStd)),
        ])
        var members: [(key: String, value: JSONValue)] = [
            ("experiment_name", .string(experimentName)), ("method_name", .string(methodName)),
            ("checkpoint", .string(checkpoint)), ("results", results),
        ]
        if includeViews {
            members.append(("views", .array(views.map { v in
                .object([("index", .int(v.index)), ("psnr", .double(v.psnr)), ("ssim", .double(v.ssim)),
                         ("num_rays_per_sec", .double(v.raysPerSecond)), ("fps", .double(v.fps))])
            })))
        }
        return .object(members)
    }
}

/// Evaluation helpers for predicted test views.
public enum NeRFEvaluation {
    /// Ground truth | prediction side by side as one RGB image, each composited over `background`, with a
    /// 2-pixel white separator; the height is the taller one's (the shorter padded with white below).
    public static func comparisonImage(groundTruth: Image, prediction: Image,
                                       background: SIMD3<Float> = SIMD3(repeating: 1)) -> Image {
        let a = groundTruth.rgb(background: background), b = prediction.rgb(background: background)
        let gap = 2
        let w = a.width + gap + b.width, h = max(a.height, b.height)
        var out = Image(width: w, height: h, channels: 3, fill: 1)
        func paste(_ src: Image, at x0: Int) {
            for y in 0..<src.height {
                let s = src.index(x: 0, y: y), d = out.index(x: x0, y: y)
                out.pixels.replaceSubrange(d..<(d + src.width * 3), with: src.pixels[s..<(s + src.width * 3)])
            }
        }
        paste(a, at: 0)
        paste(b, at: a.width + gap)
        return out
    }
}
