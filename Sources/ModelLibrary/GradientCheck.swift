import TensorCore

/// Finite-difference checks of a module's backward pass, for tests.
///
/// The scalar checked is L = Σ output ⊙ R for a fixed random R, so dL/doutput = R. Each analytic
/// gradient (parameters and inputs) is compared with a central difference computed in Float.
public enum GradientCheck {
    /// The outcome of a check: the worst relative error, and where it happened.
    public struct Report: CustomStringConvertible {
        /// max |analytic − numeric| / max(|analytic|, |numeric|, floor) over parameters.
        public var parameterError: Float = 0
        /// The same over inputs (0 when inputs were not checked).
        public var inputError: Float = 0
        /// Where the worst error was found.
        public var worst = ""
        /// How many entries were compared.
        public var checked = 0
        public var description: String { "param \(parameterError), input \(inputError), worst at \(worst), \(checked) checked" }
    }

    /// Checks `module` on `input` (`batch` rows). Binds fresh parameters initialised from `seed`
    /// (then perturbed by `parameterJitter` so that zero-initialised layers are exercised too).
    /// Checks at most `maxParameters` parameters (spread evenly) and every input unless `checkInputs` is false.
    public static func check(_ module: DifferentiableModule, input: [Float], batch: Int, seed: UInt64 = 1,
                             epsilon: Float = 1e-2, floor: Float = 1e-2, parameterJitter: Float = 0,
                             maxParameters: Int = 200, checkInputs: Bool = true,
                             prepare: ((ParameterStore) -> Void)? = nil) -> Report {
        let pool = WorkerPool(threads: 1)
        let store = ParameterStore(tensors: module.parameterTensors)
        module.bind(store.binding)
        var rng = RandomGenerator(seed: seed)
        module.initializeParameters(&rng)
        if parameterJitter > 0 { for i in 0..<store.count { store.values[i] += parameterJitter * rng.nextFloat(-1, 1) } }
        prepare?(store)
        let outCount = batch * module.outputWidth
        var weights = [Float](repeating: 0, count: outCount)
        for i in 0..<outCount { weights[i] = rng.nextFloat(-1, 1) }
        var x = input
        var out = [Float](repeating: 0, count: outCount)
        let context = module.makeContext(capacity: batch)
        // The differences evaluate the training forward, the function the backward differentiates (for most
        // modules the same as inference; a mixture of experts drops over-capacity samples only in training).
        let differenceContext = module.makeContext(capacity: batch)

        func loss(_ x: [Float]) -> Float {
            var o = [Float](repeating: 0, count: outCount)
            x.withUnsafeBufferPointer { xp in o.withUnsafeMutableBufferPointer { op in
                module.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: differenceContext,
                               pool: pool)
            } }
            var s: Double = 0
            for i in 0..<outCount { s += Double(o[i]) * Double(weights[i]) }
            return Float(s)
        }

        store.zeroGradients()
        var dx = [Float](repeating: 0, count: batch * module.inputWidth)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            module.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: context, pool: pool)
        } }
        x.withUnsafeBufferPointer { xp in out.withUnsafeBufferPointer { op in weights.withUnsafeBufferPointer { wp in
            dx.withUnsafeMutableBufferPointer { dxp in
                module.backward(input: xp.baseAddress!, output: op.baseAddress!, outputGradient: wp.baseAddress!,
                                inputGradient: checkInputs ? dxp.baseAddress! : nil, batch: batch, context: context, pool: pool)
            } } } }

        var report = Report()
        func compare(_ analytic: Float, _ numeric: Float, _ label: String, isInput: Bool) {
            let err = abs(analytic - numeric) / max(abs(analytic), abs(numeric), floor)
            report.checked += 1
            if isInput {
                if err > report.inputError { report.inputError = err; if err >= report.parameterError { report.worst = label } }
            } else if err > report.parameterError {
                report.parameterError = err
                if err >= report.inputError { report.worst = label }
            }
            _ = numeric
        }

        let n = store.count
        let stride = max(1, n / max(1, maxParameters))
        var i = 0
        while i < n {
            let saved = store.values[i]
            store.values[i] = saved + epsilon
            let lp = loss(x)
            store.values[i] = saved - epsilon
            let lm = loss(x)
            store.values[i] = saved
            compare(store.gradients[i], (lp - lm) / (2 * epsilon), "parameter \(i) \(segmentName(store, i))", isInput: false)
            i += stride
        }
        if checkInputs {
            for j in 0..<x.count {
                let saved = x[j]
                x[j] = saved + epsilon
                let lp = loss(x)
                x[j] = saved - epsilon
                let lm = loss(x)
                x[j] = saved
                compare(dx[j], (lp - lm) / (2 * epsilon), "input \(j)", isInput: true)
            }
        }
        return report
    }

    private static func segmentName(_ store: ParameterStore, _ i: Int) -> String {
        store.segments.first { i >= $0.offset && i < $0.offset + $0.count }?.name ?? "?"
    }
}
