import Foundation
import ModelLibrary
import TensorCore

/// Hash-grid kernel throughput (M points/s) against 60 % of the C reference limits measured on this machine
/// in the same run (`MachineLimits`): 2D, 16 levels × 2 features, T = 2^19, base 16, per-level scale (2048/16)^(1/15)
/// (finest resolution 2048), 2^18 points; forward in random and Morton order, backward (table scatter-add,
/// no input gradient). 3D figures and the 2D input-gradient pass are reported for information.
func encodingBenchmarks(threads: Int, limits machine: MachineLimits) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    let batch = 1 << 18
    let growth = pow(2048.0 / 16.0, 1.0 / 15.0)
    // C limits (M pts/s): forward random, forward Morton, backward.
    let limits = (machine.hashForwardRandom, machine.hashForwardMorton, machine.hashBackwardRandom)
    var figures: [BenchFigure] = []

    func figure(_ name: String, seconds: Double, limit: Double?) -> BenchFigure {
        let rate = Double(batch) / seconds / 1e6
        guard let limit else { return BenchFigure(name: name, value: rate, unit: "M pts/s", target: "", met: nil) }
        let target = 0.6 * limit
        return BenchFigure(name: name, value: rate, unit: "M pts/s",
                           target: String(format: "≥ %.2f (60 %% of %.1f)", target, limit), met: rate >= target)
    }

    for dims in [2, 3] {
        guard let grid = try? GridEncoding(inputWidth: dims, type: .hash, levels: 16, featuresPerLevel: 2,
                                           log2HashmapSize: 19, baseResolution: 16, perLevelScale: growth) else { continue }
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        var rng = RandomGenerator(seed: 7)
        grid.initializeParameters(&rng)
        var points = [Float](repeating: 0, count: batch * dims)
        for i in 0..<points.count { points[i] = rng.nextFloat() }
        let sorted = mortonSorted(points, dimensions: dims)
        let output = FloatBuffer(count: batch * grid.outputWidth)
        let outputGradient = FloatBuffer(count: batch * grid.outputWidth)
        for i in 0..<outputGradient.count { outputGradient[i] = rng.nextFloat(-1, 1) }
        let inputGradient = FloatBuffer(count: batch * dims)
        let context = grid.makeContext(capacity: batch)
        let tag = "hash grid \(dims)D 16×2 T=2^19"

        points.withUnsafeBufferPointer { x in
            let t = bestTime { grid.forward(input: x.baseAddress!, output: output.pointer, batch: batch, context: context, pool: pool) }
            figures.append(figure("\(tag) forward, random order", seconds: t, limit: dims == 2 ? limits.0 : nil))
        }
        sorted.withUnsafeBufferPointer { x in
            let t = bestTime { grid.forward(input: x.baseAddress!, output: output.pointer, batch: batch, context: context, pool: pool) }
            figures.append(figure("\(tag) forward, Morton order", seconds: t, limit: dims == 2 ? limits.1 : nil))
        }
        points.withUnsafeBufferPointer { x in
            let t = bestTime {
                grid.backward(input: x.baseAddress!, output: output.pointer, outputGradient: outputGradient.pointer,
                              inputGradient: nil, batch: batch, context: context, pool: pool)
            }
            figures.append(figure("\(tag) backward, random order", seconds: t, limit: dims == 2 ? limits.2 : nil))
        }
        sorted.withUnsafeBufferPointer { x in
            let t = bestTime {
                grid.backward(input: x.baseAddress!, output: output.pointer, outputGradient: outputGradient.pointer,
                              inputGradient: nil, batch: batch, context: context, pool: pool)
            }
            figures.append(figure("\(tag) backward, Morton order", seconds: t, limit: nil))
            let tx = bestTime {
                grid.backward(input: x.baseAddress!, output: output.pointer, outputGradient: outputGradient.pointer,
                              inputGradient: inputGradient.pointer, batch: batch, context: context, pool: pool)
            }
            figures.append(figure("\(tag) backward with input gradient, Morton order", seconds: tx, limit: nil))
        }
    }
    return figures
}

/// `points` (rows of `dimensions` floats in [0, 1)) reordered along a Morton (Z-order) curve.
func mortonSorted(_ points: [Float], dimensions: Int) -> [Float] {
    let n = points.count / dimensions
    let bits = 63 / dimensions
    func spread(_ v: UInt64) -> UInt64 {
        var r: UInt64 = 0
        for b in 0..<bits where v >> UInt64(b) & 1 == 1 { r |= 1 << UInt64(b * dimensions) }
        return r
    }
    let scale = Float(1 << min(bits, 20))
    var keyed: [(UInt64, Int)] = (0..<n).map { i in
        var key: UInt64 = 0
        for d in 0..<dimensions {
            let q = UInt64(max(0, min(scale - 1, points[i * dimensions + d] * scale)))
            key |= spread(q) << UInt64(d)
        }
        return (key, i)
    }
    keyed.sort { $0.0 < $1.0 }
    var out = [Float](repeating: 0, count: points.count)
    for (j, (_, i)) in keyed.enumerated() {
        for d in 0..<dimensions { out[j * dimensions + d] = points[i * dimensions + d] }
    }
    return out
}
