import FieldIO
import Testing
import TensorCore

/// Each loss matches tiny-cuda-nn's (or instant-ngp's) definition in value and gradient, its gradient
/// matches finite differences, and results do not depend on the thread count.
struct LossTests {
    /// The losses with a Double reference of (value, gradient) per element, before the mean.
    static var references: [(String, () -> Loss, (Double, Double) -> (Double, Double))] { [
        ("L2", { L2() }, { p, t in let d = p - t; return (d * d, 2 * d) }),
        ("L1", { L1() }, { p, t in let d = p - t; return (abs(d), d >= 0 ? 1 : -1) }),
        ("Huber", { Huber() }, { p, t in
            let d = p - t, a = abs(d), delta = 0.1
            return a > delta ? ((a - delta / 2) / 5, (d > 0 ? 1 : -1) / 5) : (d * d / (2 * delta) / 5, d / delta / 5)
        }),
        ("RelativeL2", { RelativeL2() }, { p, t in let d = p - t, q = p * p + 0.01; return (d * d / q, 2 * d / q) }),
        ("MAPE", { MAPE() }, { p, t in let d = p - t, s = 1 / (abs(t) + 0.01); return (abs(d) * s, d >= 0 ? s : -s) }),
    ] }

    func data(_ n: Int, seed: UInt64) -> ([Float], [Float]) {
        var rng = RandomGenerator(seed: seed)
        let p = (0..<n).map { _ in rng.nextFloat(-1, 1) }
        let t = (0..<n).map { _ in rng.nextFloat(-1, 1) }
        return (p, t)
    }

    func evaluate(_ loss: Loss, _ p: [Float], _ t: [Float], threads: Int) -> (Float, [Float]) {
        var g = [Float](repeating: .nan, count: p.count)
        let v = p.withUnsafeBufferPointer { pp in t.withUnsafeBufferPointer { tp in g.withUnsafeMutableBufferPointer { gp in
            loss.evaluate(prediction: pp.baseAddress!, target: tp.baseAddress!, gradient: gp.baseAddress!, count: p.count,
                          pool: WorkerPool(threads: threads))
        } } }
        return (v, g)
    }

    @Test(arguments: 0..<5) func valueAndGradientMatchTheDefinition(_ index: Int) {
        let (name, make, reference) = LossTests.references[index]
        let loss = make()
        #expect(loss.name == name)
        for n in [1, 13, 1029, 70_001] {
            let (p, t) = data(n, seed: UInt64(n))
            let (v, g) = evaluate(loss, p, t, threads: 2)
            var sum = 0.0
            for i in 0..<n {
                let (rv, rg) = reference(Double(p[i]), Double(t[i]))
                sum += rv
                #expect(abs(Double(g[i]) - rg / Double(n)) <= 1e-6 * abs(rg / Double(n)) + 1e-12, "\(name) gradient \(i) of \(n)")
            }
            #expect(abs(Double(v) - sum / Double(n)) <= 1e-5 * abs(sum / Double(n)) + 1e-9, "\(name) value, n = \(n)")
        }
    }

    @Test(arguments: 0..<5) func gradientMatchesFiniteDifferences(_ index: Int) {
        let (name, make, _) = LossTests.references[index]
        let loss = make()
        let n = 24
        var (p, t) = data(n, seed: 99)
        // Keep away from kinks (|d| = 0, Huber's |d| = δ) so central differences are meaningful.
        for i in 0..<n where abs(p[i] - t[i]) < 0.02 || abs(abs(p[i] - t[i]) - 0.1) < 0.02 { p[i] = t[i] + 0.3 }
        let (_, g) = evaluate(loss, p, t, threads: 1)
        let eps: Float = 1e-3
        for i in 0..<n {
            var pp = p, pm = p
            pp[i] += eps
            pm[i] -= eps
            var numeric: Double
            if name == "RelativeL2" {
                // tcnn's gradient holds the denominator p² + 0.01 fixed: differentiate with it frozen.
                let q = Double(p[i]) * Double(p[i]) + 0.01
                let dp = Double(pp[i]) - Double(t[i]), dm = Double(pm[i]) - Double(t[i])
                numeric = (dp * dp - dm * dm) / q / (Double(pp[i]) - Double(pm[i])) / Double(n)
            } else {
                numeric = Double(evaluate(loss, pp, t, threads: 1).0 - evaluate(loss, pm, t, threads: 1).0) / Double(pp[i] - pm[i])
            }
            #expect(abs(Double(g[i]) - numeric) <= 2e-3 * max(abs(numeric), 1.0 / Double(n)), "\(name) element \(i)")
        }
    }

    @Test func huberEqualsL2NearZero() {
        let p: [Float] = [0.01, -0.05, 0.09, 0.0]
        let t: [Float] = [0, 0, 0, 0]
        let (hv, hg) = evaluate(Huber(), p, t, threads: 1)
        let (lv, lg) = evaluate(L2(), p, t, threads: 1)
        #expect(abs(hv - lv) <= 1e-6 * lv)
        for i in 0..<4 { #expect(abs(hg[i] - lg[i]) <= 1e-6) }
    }

    @Test(arguments: 0..<5) func resultsDoNotDependOnThreadCount(_ index: Int) {
        let loss = LossTests.references[index].1()
        let (p, t) = data(300_007, seed: 5)
        let one = evaluate(loss, p, t, threads: 1)
        let two = evaluate(loss, p, t, threads: 2)
        let three = evaluate(loss, p, t, threads: 3)
        #expect(one.0 == two.0 && one.0 == three.0)
        #expect(one.1 == two.1 && one.1 == three.1)
    }

    @Test func configInitsAcceptEmptyObjects() throws {
        let config = try ConfigObject(try JSONParser.parse(#"{"otype": "L2"}"#), file: "s.json", path: "loss")
        config.ignore("otype")
        _ = try L2(config: config); _ = try L1(config: config); _ = try Huber(config: config)
        _ = try RelativeL2(config: config); _ = try MAPE(config: config)
        try config.finish()
    }

    @Test func emptyBatchIsZero() {
        let p = FloatBuffer(count: 1), t = FloatBuffer(count: 1), g = FloatBuffer(count: 1)
        #expect(L2().evaluate(prediction: p.pointer, target: t.pointer, gradient: g.pointer, count: 0,
                                  pool: WorkerPool(threads: 2)) == 0)
    }
}
