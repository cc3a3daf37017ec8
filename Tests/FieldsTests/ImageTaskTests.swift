import Fields
import Testing
import TensorCore

/// The image task's batch sampler, its pixel centres, its error and the Sobel weights, checked against the
/// image they are built from.
@Suite struct ImageTaskTests {
    /// Every sample lies in [0, 1)², sits bit for bit on a pixel centre of `pixelCentres`, and its targets are
    /// that pixel's values, for every channel count and for batches below, at and above the prefetch lookahead.
    @Test(arguments: [1, 2, 3, 4])
    func targetsArePixelsAtTheSampledCentres(channels: Int) {
        for (width, height) in [(37, 23), (5, 3), (64, 32)] {
            let task = distinctImageTask(width: width, height: height, channels: channels)
            let centres = task.pixelCentres()
            let pixels = task.target
            for batch in [1, 7, 31, 32, 33, 100, 1000] {
                let (uv, targets) = imageBatch(task, batch: batch, seed: UInt64(batch * 10 + channels))
                for k in 0..<batch {
                    let u = uv[2 * k], v = uv[2 * k + 1]
                    #expect(u >= 0 && u < 1 && v >= 0 && v < 1, "\(width)×\(height) batch \(batch) sample \(k): uv \(u), \(v)")
                    let (x, y) = pixelAt(task, u: u, v: v)
                    guard x >= 0 && x < width && y >= 0 && y < height else { continue }
                    let p = y * width + x
                    #expect(u.bitPattern == centres[2 * p].bitPattern && v.bitPattern == centres[2 * p + 1].bitPattern,
                            "\(width)×\(height) batch \(batch) sample \(k): uv is not pixel (\(x), \(y))'s centre")
                    for c in 0..<channels {
                        #expect(targets[k * channels + c] == pixels[p * channels + c],
                                "\(width)×\(height) batch \(batch) sample \(k) channel \(c)")
                    }
                }
            }
        }
    }

    /// With batch = number of strata (a power-of-two square), sample k falls in the stratum whose Morton index
    /// is k: every stratum gets exactly one sample, in Z-curve order.
    @Test func batchOfOnePerStratumHitsEveryStratumOnceInMortonOrder() {
        // 64×32 with 256 samples: 16×16 strata of 4×2 pixels.
        let task = distinctImageTask(width: 64, height: 32, channels: 3)
        for seed in [UInt64(1), 2, 3] {
            let (uv, _) = imageBatch(task, batch: 256, seed: seed)
            var hits = [Int](repeating: 0, count: 256)
            for k in 0..<256 {
                let (x, y) = pixelAt(task, u: uv[2 * k], v: uv[2 * k + 1])
                let stratum = mortonIndex(x / 4, y / 2)
                #expect(stratum == k, "seed \(seed): sample \(k) in stratum \(stratum)")
                hits[stratum] += 1
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
        // An image smaller than the strata grid (5×3, 1024 samples: 32×32 strata of one pixel each) still
        // gets every pixel.
        let small = distinctImageTask(width: 5, height: 3, channels: 1)
        let (uv, _) = imageBatch(small, batch: 1024, seed: 9)
        var seen = Set<Int>()
        for k in 0..<1024 {
            let (x, y) = pixelAt(small, u: uv[2 * k], v: uv[2 * k + 1])
            seen.insert(y * 5 + x)
        }
        #expect(seen == Set(0..<15))
    }

    /// A batch that is not a power-of-two square takes distinct strata, in increasing Morton order.
    @Test(arguments: [3, 5, 12, 33, 100, 255, 1000])
    func batchesThatAreNotSquaresTakeDistinctStrataInOrder(batch: Int) {
        var side = 1
        while side * side < batch { side *= 2 }
        // 128×64 divides evenly into the strata grid for every side up to 32.
        let task = distinctImageTask(width: 128, height: 64, channels: 1)
        let cellW = 128 / side, cellH = 64 / side
        let (uv, _) = imageBatch(task, batch: batch, seed: UInt64(batch))
        var previous = -1
        for k in 0..<batch {
            let (x, y) = pixelAt(task, u: uv[2 * k], v: uv[2 * k + 1])
            let stratum = mortonIndex(x / cellW, y / cellH)
            #expect(stratum > previous && stratum < side * side, "batch \(batch) sample \(k): stratum \(stratum) after \(previous)")
            previous = stratum
        }
    }

    /// The same seed gives the same batch bit for bit; another seed gives another batch.
    @Test func batchesAreDeterministicPerSeed() {
        let task = distinctImageTask(width: 37, height: 23, channels: 3)
        let a = imageBatch(task, batch: 500, seed: 42), b = imageBatch(task, batch: 500, seed: 42)
        #expect(a.uv.map(\.bitPattern) == b.uv.map(\.bitPattern))
        #expect(a.targets.map(\.bitPattern) == b.targets.map(\.bitPattern))
        let c = imageBatch(task, batch: 500, seed: 43)
        #expect(a.uv != c.uv)
        #expect(a.targets != c.targets)
    }

    /// `pixelCentres` is row-major, one (u, v) per pixel, at ((x + ½) / width, (y + ½) / height).
    @Test func pixelCentresAreRowMajorPixelCentres() {
        let task = distinctImageTask(width: 7, height: 4, channels: 2)
        let uv = task.pixelCentres()
        #expect(uv.count == 2 * 28)
        for y in 0..<4 {
            for x in 0..<7 {
                let i = y * 7 + x
                #expect(abs(uv[2 * i] - (Float(x) + 0.5) / 7) < 1e-6)
                #expect(abs(uv[2 * i + 1] - (Float(y) + 0.5) / 4) < 1e-6)
            }
        }
    }

    /// Zero for the exact target, the square of a constant offset, and predictions clamped to [0, 1] first.
    @Test func meanSquaredErrorOfKnownPredictions() {
        let n = 9 * 5 * 3
        let values = (0..<n).map { Float($0 % 13) / 16 }                         // in [0, 0.75]
        let task = ImageTask(width: 9, height: 5, channels: 3, pixels: values)
        #expect(task.meanSquaredError(values) == 0)
        let shifted = values.map { $0 + 0.125 }
        #expect(abs(task.meanSquaredError(shifted) - 0.015625) < 1e-7)
        let lowered = values.map { $0 - 0.0625 }                                  // clamped at 0 where below
        let expected = values.reduce(0.0) { $0 + Double(min($1, 0.0625) * min($1, 0.0625)) } / Double(n)
        #expect(abs(task.meanSquaredError(lowered) - expected) < 1e-7)
        // Out-of-range predictions count only as far as the range.
        let white = ImageTask(width: 4, height: 4, channels: 1, pixels: [Float](repeating: 1, count: 16))
        #expect(white.meanSquaredError([Float](repeating: 3, count: 16)) == 0)
        let gray = ImageTask(width: 4, height: 4, channels: 1, pixels: [Float](repeating: 0.25, count: 16))
        #expect(gray.meanSquaredError([Float](repeating: -5, count: 16)) == 0.0625)
    }

    /// A constant image has no gradient; a horizontal ramp of slope a has magnitude a·√channels inside and
    /// half that on the replicated left and right borders.
    @Test func sobelMagnitudeOfConstantAndRampImages() {
        let flat = ImageTask(width: 6, height: 4, channels: 3, pixels: [Float](repeating: 0.4, count: 72))
        #expect(flat.sobelMagnitude().count == 24 && flat.sobelMagnitude().allSatisfy { $0 < 1e-6 })   // zero up to rounding
        let a: Float = 0.1
        var ramp: [Float] = []
        for _ in 0..<4 { for x in 0..<6 { ramp += [a * Float(x), a * Float(x)] } }
        let magnitude = ImageTask(width: 6, height: 4, channels: 2, pixels: ramp).sobelMagnitude()
        #expect(magnitude.count == 24)
        for y in 0..<4 {
            for x in 0..<6 {
                let expected = (x == 0 || x == 5 ? a / 2 : a) * Float(2).squareRoot()
                #expect(abs(magnitude[y * 6 + x] - expected) < 1e-6, "pixel (\(x), \(y)): \(magnitude[y * 6 + x])")
            }
        }
    }
}
