import FieldIO
import ModelLibrary
import TensorCore

/// Helpers shared by the network tests (MLP, HourglassMLP, GLU, PolyMLP, QuadraticMLP, KANNetwork).
enum DecoderTestSupport {
    /// `count` uniform values in [−1, 1).
    static func randomInput(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(-1, 1) }
    }

    /// A network config object parsed from `json` (file "scene.json", path "network").
    static func config(_ json: String) throws -> ConfigObject {
        try ConfigObject(try JSONParser.parse(json, file: "scene.json"), file: "scene.json", path: "network")
    }

    /// The factory's error for `json`, or nil when it builds.
    static func factoryError(_ json: String, inputWidth: Int = 8, outputWidth: Int = 3) -> FieldError? {
        do {
            _ = try ModelFactory.makeNetwork(try config(json), inputWidth: inputWidth, outputWidth: outputWidth)
            return nil
        } catch let e as FieldError {
            return e
        } catch {
            return FieldError(file: "?", location: "?", "\(error)")
        }
    }

    /// Binds `module` to a fresh store initialised from `seed`, plus `jitter`·U(−1, 1) on every parameter.
    static func bound(_ module: DifferentiableModule, seed: UInt64 = 5, jitter: Float = 0) -> ParameterStore {
        let store = ParameterStore(tensors: module.parameterTensors)
        module.bind(store.binding)
        var rng = RandomGenerator(seed: seed)
        module.initializeParameters(&rng)
        if jitter > 0 { for i in 0..<store.count { store.values[i] += jitter * rng.nextFloat(-1, 1) } }
        return store
    }

    /// Forward (with a context or for inference) on `threads` workers.
    static func forward(_ module: DifferentiableModule, _ x: [Float], batch: Int, context: ModuleContext?, threads: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: batch * module.outputWidth)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            module.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: batch, context: context,
                           pool: WorkerPool(threads: threads))
        } }
        return y
    }

    /// Forward + backward `passes` times; returns (output, parameter gradients, input gradient).
    static func trainingPass(_ module: DifferentiableModule, _ store: ParameterStore, _ x: [Float], batch: Int, threads: Int,
                             passes: Int = 1) -> ([Float], [Float], [Float]) {
        let pool = WorkerPool(threads: threads)
        let context = module.makeContext(capacity: batch)
        var rng = RandomGenerator(seed: 77)
        let dy = (0..<(batch * module.outputWidth)).map { _ in rng.nextFloat(-1, 1) }
        var y = [Float](repeating: 0, count: batch * module.outputWidth)
        var dx = [Float](repeating: .nan, count: batch * module.inputWidth)
        store.zeroGradients()
        for _ in 0..<passes { pass(module, x, &y, dy, &dx, batch: batch, context: context, pool: pool) }
        return (y, store.gradients.array, dx)
    }

    /// One training forward into `y` and backward of `dy` (input gradient into `dx`).
    static func pass(_ module: DifferentiableModule, _ x: [Float], _ y: inout [Float], _ dy: [Float], _ dx: inout [Float],
                     batch: Int, context: ModuleContext, pool: WorkerPool) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            module.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: batch, context: context, pool: pool)
        } }
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in
            dx.withUnsafeMutableBufferPointer { dxp in
                module.backward(input: xp.baseAddress!, output: yp.baseAddress!, outputGradient: dyp.baseAddress!,
                                inputGradient: dxp.baseAddress!, batch: batch, context: context, pool: pool)
            } } } }
    }

    /// A layered network's function in Double, row by row: `layer(l, h, offset)` maps layer l's input `h` to
    /// its output (layers 0 ..< `layers`), where `offset(name)` is where tensor `name` starts in `segments`.
    static func referenceRows(_ x: [Double], batch: Int, inputWidth: Int, layers: Int, segments: [ParameterSegment],
                              _ layer: (Int, [Double], (String) -> Int) -> [Double]) -> [Double] {
        func offset(_ name: String) -> Int { segments.first { $0.name == name }!.offset }
        var out: [Double] = []
        for r in 0..<batch {
            var h = (0..<inputWidth).map { x[r * inputWidth + $0] }
            for l in 0..<layers { h = layer(l, h, offset) }
            out += h
        }
        return out
    }

    /// A finite-difference check of every parameter (up to `maxParameters`) and input.
    static func check(_ module: DifferentiableModule, batch: Int, jitter: Float, epsilon: Float = 1e-2,
                      maxParameters: Int = 400, seed: UInt64 = 21) -> GradientCheck.Report {
        let x = randomInput(batch * module.inputWidth, seed: seed)
        return GradientCheck.check(module, input: x, batch: batch, seed: 3, epsilon: epsilon, parameterJitter: jitter,
                                   maxParameters: maxParameters)
    }

    /// The common checks of a decoder: the training forward equals inference, repeated runs and 1 vs 2
    /// threads agree bit for bit, and parameter gradients accumulate while input gradients overwrite.
    /// Returns a description of the first failure, or nil.
    static func contractFailure(_ module: DifferentiableModule, batch: Int = 1_003) -> String? {
        let store = bound(module, jitter: 0.05)
        let x = randomInput(batch * module.inputWidth, seed: 4)
        let training = forward(module, x, batch: batch, context: module.makeContext(capacity: batch + 5), threads: 2)
        let inference = forward(module, x, batch: batch, context: nil, threads: 2)
        if training != inference { return "training forward differs from inference" }
        if training.contains(where: { !$0.isFinite }) { return "non-finite output" }
        let a = trainingPass(module, store, x, batch: batch, threads: 2)
        let b = trainingPass(module, store, x, batch: batch, threads: 2)
        let c = trainingPass(module, store, x, batch: batch, threads: 1)
        if !(a.0 == b.0 && a.1 == b.1 && a.2 == b.2) { return "two runs differ" }
        if !(a.0 == c.0 && a.1 == c.1 && a.2 == c.2) { return "1 and 2 threads differ" }
        let twice = trainingPass(module, store, x, batch: batch, threads: 2, passes: 2)
        for i in 0..<a.1.count where abs(twice.1[i] - 2 * a.1[i]) > 1e-5 * max(1, abs(a.1[i])) {
            return "parameter gradient \(i) does not accumulate: \(a.1[i]) then \(twice.1[i])"
        }
        if twice.2 != a.2 { return "input gradient does not overwrite" }
        return nil
    }
}

extension DecoderTestSupport {
    /// Compares the module's analytic gradients (parameters and inputs) of L = Σ output ⊙ R with central
    /// differences of a Double reference `reference(parameters, input)` (step 1e-6, so kinks such as ReLU's are
    /// almost never straddled). Returns the worst relative errors (floor 1e-3) and where.
    static func doubleCheck(_ module: DifferentiableModule, batch: Int, jitter: Float, seed: UInt64 = 21,
                            reference: ([Double], [Double]) -> [Double]) -> (parameter: Double, input: Double, worst: String) {
        let store = bound(module, seed: 3, jitter: jitter)
        let x = randomInput(batch * module.inputWidth, seed: seed)
        var rng = RandomGenerator(seed: 99)
        let weights = (0..<(batch * module.outputWidth)).map { _ in Double(rng.nextFloat(-1, 1)) }
        let pool = WorkerPool(threads: 1)
        let context = module.makeContext(capacity: batch)
        var y = [Float](repeating: 0, count: batch * module.outputWidth)
        var dx = [Float](repeating: 0, count: x.count)
        let dy = weights.map(Float.init)
        store.zeroGradients()
        pass(module, x, &y, dy, &dx, batch: batch, context: context, pool: pool)
        var p = store.values.array.map(Double.init)
        var xd = x.map(Double.init)
        func loss() -> Double { zip(reference(p, xd), weights).reduce(0) { $0 + $1.0 * $1.1 } }
        let h = 1e-6
        var worst = (0.0, 0.0, "")
        for i in 0..<p.count {
            let saved = p[i]
            p[i] = saved + h; let lp = loss()
            p[i] = saved - h; let lm = loss()
            p[i] = saved
            let numeric = (lp - lm) / (2 * h), analytic = Double(store.gradients[i])
            let err = abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-3)
            if err > worst.0 { worst.0 = err; worst.2 = "parameter \(i): \(analytic) vs \(numeric)" }
        }
        for i in 0..<xd.count {
            let saved = xd[i]
            xd[i] = saved + h; let lp = loss()
            xd[i] = saved - h; let lm = loss()
            xd[i] = saved
            let numeric = (lp - lm) / (2 * h), analytic = Double(dx[i])
            let err = abs(numeric - analytic) / max(abs(numeric), abs(analytic), 1e-3)
            if err > worst.1 { worst.1 = err; if err > worst.0 { worst.2 = "input \(i): \(analytic) vs \(numeric)" } }
        }
        return (worst.0, worst.1, worst.2)
    }
}
