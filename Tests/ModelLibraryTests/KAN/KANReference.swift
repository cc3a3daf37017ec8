import Foundation
import ModelLibrary
import TensorCore

/// The KAN networks' functions written out plainly in Double from the documented parameter layouts, for
/// checking the Float kernels' forward pass and (by Double central differences) their backward pass.
struct KANReference {
    let network: KANNetwork

    /// The network's output for `batch` rows of `x`, with parameters `p` (the network's slice, in Double).
    func forward(_ x: [Double], batch: Int, _ p: [Double]) -> [Double] {
        var current = x
        var width = network.inputWidth
        var offset = 0
        let layers = network.hiddenLayers + 1
        for l in 0..<layers {
            let out = l == network.hiddenLayers ? network.outputWidth : network.width
            var next = [Double](repeating: 0, count: batch * out)
            for r in 0..<batch {
                let row = Array(current[(r * width)..<((r + 1) * width)])
                let y = layer(l, row, out, p, &offset, advance: r == batch - 1)
                for j in 0..<out { next[r * out + j] = y[j] }
            }
            current = next
            width = out
        }
        return current.map { network.outputActivation.value($0) }
    }

    /// One layer on one row; `offset` moves past the layer's parameters when `advance`.
    func layer(_ l: Int, _ x: [Double], _ out: Int, _ p: [Double], _ offset: inout Int, advance: Bool) -> [Double] {
        let n = x.count
        var y = [Double](repeating: 0, count: out)
        var used = 0
        let o = offset
        switch network.variant {
        case .bSpline(let opt):
            let g = opt.gridSize, k = opt.splineOrder, jCount = g + k
            let lo = Double(opt.gridRange.lowerBound), h = (Double(opt.gridRange.upperBound) - lo) / Double(g)
            let knots = (0...(g + 2 * k)).map { lo + Double($0 - k) * h }
            func basis(_ i: Int, _ degree: Int, _ t: Double) -> Double {
                if degree == 0 { return knots[i] <= t && t < knots[i + 1] ? 1 : 0 }
                let left = (t - knots[i]) / (knots[i + degree] - knots[i]) * basis(i, degree - 1, t)
                let right = (knots[i + degree + 1] - t) / (knots[i + degree + 1] - knots[i + 1]) * basis(i + 1, degree - 1, t)
                return left + right
            }
            for d in 0..<n {
                let a = opt.baseActivation.value(x[d])
                for j in 0..<out { y[j] += a * p[o + d * out + j] }
                for i in 0..<jCount {
                    let b = basis(i, k, x[d])
                    if b == 0 { continue }
                    for j in 0..<out { y[j] += b * p[o + n * out + (i * n + d) * out + j] }
                }
            }
            used = n * out * (1 + jCount)
        case .groupRational(let opt):
            let groups = l == 0 ? gcd(opt.groups, n) : opt.groups
            let size = n / groups
            let w = o + 10 * groups
            for d in 0..<n {
                let g = d / size
                let a = (0..<6).map { Float(p[o + 6 * g + $0]) }, b = (0..<4).map { Float(p[o + 6 * groups + 4 * g + $0]) }
                // Coefficients in Double: evaluate directly rather than through Float-rounded arrays.
                var num = 0.0, den = 0.0
                for i in stride(from: 5, through: 0, by: -1) { num = num * x[d] + p[o + 6 * g + i] }
                for i in stride(from: 3, through: 0, by: -1) { den = den * abs(x[d]) + abs(p[o + 6 * groups + 4 * g + i]) }
                _ = (a, b)
                let f = num / (1 + den * abs(x[d]))
                for j in 0..<out { y[j] += f * p[w + d * out + j] }
            }
            used = 10 * groups + n * out
            if opt.useBiases {
                for j in 0..<out { y[j] += p[o + used + j] }
                used += out
            }
        case .activationFunction(let opt):
            let jCount = opt.gridSize + opt.order
            let low = o + n * out, high = low + jCount, att = high + jCount, temp = att + jCount, gamma = temp + 1, beta = gamma + n
            let act = opt.baseActivation
            var f = [[Double]](repeating: [Double](repeating: 0, count: jCount), count: n)
            for d in 0..<n {
                for j in 0..<jCount {
                    let s1 = act.value(x[d] - p[low + j]), s2 = act.value(p[high + j] - x[d])
                    switch opt.function {
                    case .quad1: f[d][j] = (s1 * s2) * (s1 * s2)
                    case .quad2: f[d][j] = s1 * s2 + s1 * s1 + s2 * s2
                    case .sum: f[d][j] = s1 + s2
                    case .prod: f[d][j] = s1 * s2
                    case .sumProd: f[d][j] = s1 + s2 + s1 * s2
                    case .cubic1: f[d][j] = (s1 + s2) * (s1 * s1 + s2 * s2)
                    case .cubic2: f[d][j] = pow(s1 * s2, 3)
                    }
                }
            }
            if opt.normalization == .sample {
                let all = f.flatMap { $0 }
                let mn = all.min()!, mx = all.max()!
                f = f.map { $0.map { mx > mn ? ($0 - mn) / (mx - mn) : 0 } }
            }
            let tau = max(p[temp], 1)
            let e = (0..<n).map { d in (0..<jCount).reduce(0.0) { $0 + p[att + $1] * f[d][$1] } / tau }
            let top = e.max()!
            let ex = e.map { Foundation.exp($0 - top) }
            let total = ex.reduce(0, +)
            let z = (0..<n).map { d in ex[d] / total * f[d].reduce(0, +) }
            let mean = z.reduce(0, +) / Double(n)
            let variance = z.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let inv = 1 / (variance + 1e-5).squareRoot()
            for d in 0..<n {
                let a = act.value(p[gamma + d] * (z[d] - mean) * inv + p[beta + d])
                for j in 0..<out { y[j] += a * p[o + d * out + j] }
            }
            used = n * out + 3 * jCount + 1 + 2 * n
        case .singleParameter(let opt):
            for j in 0..<out {
                let basis = opt.bases[j % opt.bases.count]
                for d in 0..<n { y[j] += basis.value(x[d], p[o + d * out + j]) }
                if opt.useBiases { y[j] += basis.value(1, p[o + n * out + j]) }
            }
            used = (n + (opt.useBiases ? 1 : 0)) * out
        }
        if advance { offset += used }
        return y
    }

    func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Compares the Float network with this reference on `x`: the largest forward difference, and the worst
    /// relative gradient error (analytic Float backward vs Double central differences of the reference,
    /// relative to max(|a|, |n|, floor)) over parameters and inputs, with L = Σ y ⊙ R.
    static func compare(_ network: KANNetwork, _ store: ParameterStore, _ x: [Float], batch: Int, floor: Double = 1e-3)
        -> (forward: Double, parameter: Double, input: Double, worst: String) {
        let ref = KANReference(network: network)
        let pool = WorkerPool(threads: 2)
        var rng = RandomGenerator(seed: 99)
        let weights = (0..<(batch * network.outputWidth)).map { _ in Double(rng.nextFloat(-1, 1)) }
        var y = [Float](repeating: 0, count: weights.count), dx = [Float](repeating: 0, count: x.count)
        let context = network.makeContext(capacity: batch)
        store.zeroGradients()
        let dy = weights.map(Float.init)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            network.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: batch, context: context, pool: pool)
        } }
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in dx.withUnsafeMutableBufferPointer { dxp in
            network.backward(input: xp.baseAddress!, output: yp.baseAddress!, outputGradient: dyp.baseAddress!,
                             inputGradient: dxp.baseAddress!, batch: batch, context: context, pool: pool)
        } } } }
        var p = store.values.array.map(Double.init)
        var xd = x.map(Double.init)
        let expected = ref.forward(xd, batch: batch, p)
        var forward = 0.0
        for i in 0..<expected.count { forward = max(forward, abs(expected[i] - Double(y[i])) / max(1, abs(expected[i]))) }
        func loss() -> Double { zip(ref.forward(xd, batch: batch, p), weights).reduce(0) { $0 + $1.0 * $1.1 } }
        var worst = "", pe = 0.0, ie = 0.0
        let names = store.segments
        for i in 0..<p.count {
            let saved = p[i], h = 1e-6 * max(1, abs(saved))
            p[i] = saved + h; let lp = loss()
            p[i] = saved - h; let lm = loss()
            p[i] = saved
            let numeric = (lp - lm) / (2 * h), analytic = Double(store.gradients[i])
            let err = abs(numeric - analytic) / max(abs(numeric), abs(analytic), floor)
            if err > pe { pe = err; worst = "\(names.first { i >= $0.offset && i < $0.offset + $0.count }!.name)[\(i)] a=\(analytic) n=\(numeric)" }
        }
        for i in 0..<xd.count {
            let saved = xd[i], h = 1e-6 * max(1, abs(saved))
            xd[i] = saved + h; let lp = loss()
            xd[i] = saved - h; let lm = loss()
            xd[i] = saved
            let numeric = (lp - lm) / (2 * h), analytic = Double(dx[i])
            let err = abs(numeric - analytic) / max(abs(numeric), abs(analytic), floor)
            if err > ie { ie = err; if err > pe { worst = "input \(i) a=\(analytic) n=\(numeric)" } }
        }
        return (forward, pe, ie, worst)
    }
}
