import FieldIO
import ModelLibrary
import TensorCore

/// Helpers shared by the encoding test suites (a file of this test target, named like them).
enum EncodingTestSupport {
    /// A config object parsed from `json`, located at `encoding` in `test.json`.
    static func config(_ json: String) throws -> ConfigObject {
        try ConfigObject(JSONParser.parse(json, file: "test.json"), file: "test.json", path: "encoding")
    }

    /// The error a throwing config init raises, or nil.
    static func configError(_ json: String, inputWidth: Int = 3,
                            _ make: (ConfigObject, Int) throws(FieldError) -> Void) -> FieldError? {
        do {
            let c = try config(json)
            try make(c, inputWidth)
            return nil
        } catch let e as FieldError {
            return e
        } catch {
            return FieldError("unexpected error \(error)")
        }
    }

    /// `batch` random points in [0, 1)^d whose positions at every level stay at least `margin` (in cells)
    /// away from cell boundaries, so finite differences never cross one.
    static func safePoints(_ grid: GridEncoding, batch: Int, margin: Float, seed: UInt64 = 3) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        var points: [Float] = []
        while points.count < batch * grid.inputWidth {
            let x = rng.nextFloat(0.02, 0.98)
            let ok = grid.geometry.levels.allSatisfy { level in
                let p = x * level.scale + 0.5
                let f = p - p.rounded(.down)
                return f > margin && f < 1 - margin
            }
            if ok { points.append(x) }
        }
        return points
    }

    /// Forward, then backward with a fixed output gradient, on `threads` workers:
    /// (output, parameter gradients, input gradients).
    static func run(_ module: DifferentiableModule, input: [Float], batch: Int, threads: Int,
                    seed: UInt64 = 9) -> ([Float], [Float], [Float]) {
        let pool = WorkerPool(threads: threads)
        let store = ParameterStore(tensors: module.parameterTensors)
        module.bind(store.binding)
        var rng = RandomGenerator(seed: seed)
        module.initializeParameters(&rng)
        for i in 0..<store.count { store.values[i] += rng.nextFloat(-1, 1) }
        let outCount = batch * module.outputWidth
        var dy = [Float](repeating: 0, count: outCount)
        for i in 0..<outCount { dy[i] = rng.nextFloat(-1, 1) }
        var out = [Float](repeating: 0, count: outCount)
        var dx = [Float](repeating: 0, count: batch * module.inputWidth)
        let context = module.makeContext(capacity: batch)
        store.zeroGradients()
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                module.forward(input: x.baseAddress!, output: o.baseAddress!, batch: batch, context: context, pool: pool)
            }
            out.withUnsafeBufferPointer { o in dy.withUnsafeBufferPointer { g in dx.withUnsafeMutableBufferPointer { d in
                module.backward(input: x.baseAddress!, output: o.baseAddress!, outputGradient: g.baseAddress!,
                                inputGradient: d.baseAddress!, batch: batch, context: context, pool: pool)
            } } }
        }
        return (out, store.gradients.array, dx)
    }
}
