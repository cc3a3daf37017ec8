import Foundation

/// The separable 11×11 Gaussian window (σ = 1.5) of SSIM and the per-channel mean SSIM over it.
enum SSIMWindow {
    /// Window side in pixels.
    static let size = 11
    /// SSIM's stabilising constants for a data range of 1: (K1·1)², (K2·1)².
    static let c1: Float = 0.01 * 0.01
    static let c2: Float = 0.03 * 0.03

    /// The normalised 1-D Gaussian taps.
    static let taps: [Float] = {
        let radius = (size - 1) / 2
        let raw = (0..<size).map { i -> Double in
            let d = Double(i - radius)
            return exp(-d * d / (2 * 1.5 * 1.5))
        }
        let sum = raw.reduce(0, +)
        return raw.map { Float($0 / sum) }
    }()

    /// Mean SSIM of two planes over every window that lies inside the image. A horizontal pass fills a
    /// ring of 11 filtered rows (five moments each), a vertical pass turns them into one SSIM row.
    static func meanSSIM(_ a: [Float], _ b: [Float], width: Int, height: Int) -> Double {
        let n = size, outWidth = width - n + 1, outHeight = height - n + 1
        let g = taps
        // ring[slot][moment][x]: moments are a, b, a², b², ab.
        var ring = [Float](repeating: 0, count: n * 5 * outWidth)
        var total = 0.0
        a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
        g.withUnsafeBufferPointer { pg in
        ring.withUnsafeMutableBufferPointer { pr in
            let sa = pa.baseAddress!, sb = pb.baseAddress!, w = pg.baseAddress!, r = pr.baseAddress!
            func filterRow(_ y: Int) {
                let base = r + (y % n) &* 5 &* outWidth
                let rowA = sa + y &* width, rowB = sb + y &* width
                for x in 0..<outWidth {
                    var ma: Float = 0, mb: Float = 0, maa: Float = 0, mbb: Float = 0, mab: Float = 0
                    for k in 0..<n {
                        let wk = w[k], va = rowA[x &+ k], vb = rowB[x &+ k]
                        ma += wk * va
                        mb += wk * vb
                        maa += wk * va * va
                        mbb += wk * vb * vb
                        mab += wk * va * vb
                    }
                    base[x] = ma
                    base[outWidth &+ x] = mb
                    base[2 &* outWidth &+ x] = maa
                    base[3 &* outWidth &+ x] = mbb
                    base[4 &* outWidth &+ x] = mab
                }
            }
            for y in 0..<(n - 1) { filterRow(y) }
            let moments = 5 &* outWidth
            let acc = UnsafeMutablePointer<Float>.allocate(capacity: moments)
            defer { acc.deallocate() }
            for oy in 0..<outHeight {
                filterRow(oy + n - 1)
                acc.initialize(repeating: 0, count: moments)
                for k in 0..<n {
                    let slot = r + ((oy &+ k) % n) &* moments
                    let wk = w[k]
                    for i in 0..<moments { acc[i] += wk * slot[i] }
                }
                var rowTotal = 0.0
                for x in 0..<outWidth {
                    let ma = acc[x], mb = acc[outWidth &+ x]
                    let maa = acc[2 &* outWidth &+ x], mbb = acc[3 &* outWidth &+ x], mab = acc[4 &* outWidth &+ x]
                    let va = maa - ma * ma, vb = mbb - mb * mb, cov = mab - ma * mb
                    let numerator = (2 * ma * mb + c1) * (2 * cov + c2)
                    let denominator = (ma * ma + mb * mb + c1) * (va + vb + c2)
                    rowTotal += Double(numerator / denominator)
                }
                total += rowTotal
            }
        }
        }
        }
        }
        return total / Double(outWidth * outHeight)
    }
}
