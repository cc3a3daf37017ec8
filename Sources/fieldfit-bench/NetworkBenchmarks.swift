import Foundation
import ModelLibrary
import TensorCore

/// Dense-network figures on 2^18 rows: sgemm throughput on the MLP's shapes (our row-split / slot-reduction
/// wrappers over `Gemm`, against plain OpenBLAS measured in the same run), MLP forward + backward (with input gradient, as
/// when an encoding sits in front) as GFLOP/s and as a percentage of plain sgemm on exactly the same GEMM
/// shapes (target ≥ 70 %), and Adam step throughput.
func networkBenchmarks(threads: Int, limits: MachineLimits) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    let batch = 1 << 18
    var figures: [BenchFigure] = []
    var rng = RandomGenerator(seed: 11)
    let widest = 64
    let a = FloatBuffer(count: batch * widest), b = FloatBuffer(count: batch * widest), c = FloatBuffer(count: batch * widest)
    for i in 0..<a.count { a[i] = rng.nextFloat(-1, 1); b[i] = rng.nextFloat(-1, 1) }
    let w = FloatBuffer(count: widest * widest)
    for i in 0..<w.count { w[i] = rng.nextFloat(-0.2, 0.2) }
    let workspace = GemmWorkspace(capacity: widest * widest)

    // Times of the three GEMMs of one dense layer in→out on the whole batch.
    func forwardGemm(_ i: Int, _ o: Int) -> Double {
        bestTime { Gemm.parallelMultiply(.none, .none, m: batch, n: o, k: i, a: a.pointer, b: w.pointer, c: c.pointer, pool: pool) }
    }
    func weightGradientGemm(_ i: Int, _ o: Int) -> Double {
        bestTime {
            Gemm.parallelReduceMultiply(.transpose, .none, m: i, n: o, k: batch, a: a.pointer, b: b.pointer,
                                        c: w.pointer, workspace: workspace, pool: pool)
        }
    }
    func inputGradientGemm(_ i: Int, _ o: Int) -> Double {
        bestTime { Gemm.parallelMultiply(.none, .transpose, m: batch, n: i, k: o, a: b.pointer, b: w.pointer, c: c.pointer, pool: pool) }
    }

    let square = Gemm.flops(m: batch, n: 64, k: 64) / 1e9
    let fwd = forwardGemm(64, 64), dw = weightGradientGemm(64, 64), dx = inputGradientGemm(64, 64)
    let reference = (String(format: "%.1f", limits.sgemmForward), String(format: "%.1f", limits.sgemmWeightGradient),
                     String(format: "%.1f", limits.sgemmInputGradient))
    figures.append(BenchFigure(name: "sgemm Y = X·W (2^18×64)·(64×64)", value: square / fwd, unit: "GFLOP/s",
                               target: "OpenBLAS \(reference.0)", met: nil))
    figures.append(BenchFigure(name: "sgemm dW = Xᵀ·dY (64×2^18)·(2^18×64)", value: square / dw, unit: "GFLOP/s",
                               target: "OpenBLAS \(reference.1)", met: nil))
    figures.append(BenchFigure(name: "sgemm dX = dY·Wᵀ (2^18×64)·(64×64)", value: square / dx, unit: "GFLOP/s",
                               target: "OpenBLAS \(reference.2)", met: nil))

    // MLP forward + backward against plain sgemm on the same shapes.
    let models: [(String, MLP)] = [
        ("MLP 32→64→64→3 ReLU, sigmoid out", MLP(inputWidth: 32, outputWidth: 3, width: 64, hiddenLayers: 2,
                                                 activation: .relu, outputActivation: .sigmoid)),
        ("MLP 64→64→64→64 ReLU", MLP(inputWidth: 64, outputWidth: 64, width: 64, hiddenLayers: 2,
                                     activation: .relu, outputActivation: .none)),
    ]
    for (name, mlp) in models {
        let store = ParameterStore(tensors: mlp.parameterTensors)
        mlp.bind(store.binding)
        mlp.initializeParameters(&rng)
        let context = mlp.makeContext(capacity: batch)
        let output = FloatBuffer(count: batch * mlp.outputWidth)
        let outputGradient = FloatBuffer(count: batch * mlp.outputWidth)
        for i in 0..<outputGradient.count { outputGradient[i] = rng.nextFloat(-1, 1) }
        let inputGradient = FloatBuffer(count: batch * mlp.inputWidth)
        let time = bestTime {
            mlp.forward(input: a.pointer, output: output.pointer, batch: batch, context: context, pool: pool)
            mlp.backward(input: a.pointer, output: output.pointer, outputGradient: outputGradient.pointer,
                         inputGradient: inputGradient.pointer, batch: batch, context: context, pool: pool)
        }
        let forwardTime = bestTime {
            mlp.forward(input: a.pointer, output: output.pointer, batch: batch, context: context, pool: pool)
        }
        var flops = 0.0, gemmTime = 0.0
        for t in mlp.parameterTensors where t.kind == .matrix {
            let (i, o) = (t.shape[0], t.shape[1])
            flops += 3 * Gemm.flops(m: batch, n: o, k: i)
            gemmTime += forwardGemm(i, o) + weightGradientGemm(i, o) + inputGradientGemm(i, o)
        }
        let share = 100 * gemmTime / time
        figures.append(BenchFigure(name: "\(name) fwd+bwd, 2^18 rows", value: time * 1e3, unit: "ms", target: "", met: nil))
        figures.append(BenchFigure(name: "\(name) forward only", value: forwardTime * 1e3, unit: "ms", target: "", met: nil))
        figures.append(BenchFigure(name: "\(name) fwd+bwd throughput", value: flops / time / 1e9, unit: "GFLOP/s",
                                   target: "", met: nil))
        figures.append(BenchFigure(name: "\(name) fwd+bwd vs sgemm on the same shapes", value: share, unit: "%",
                                   target: "≥ 70", met: share >= 70))
    }

    // Adam: one matrix tensor (an MLP's worth) and the rest non-matrix (a grid), every gradient non-zero.
    for total in [1_400_000, 16_000_000] {
        let store = ParameterStore(tensors: [ParameterTensor("weights", shape: [10_240], kind: .matrix),
                                             ParameterTensor("table", shape: [total - 10_240], kind: .nonMatrix)])
        for i in 0..<store.count { store.values[i] = rng.nextFloat(-1, 1); store.gradients[i] = rng.nextFloat(-1, 1) }
        let adam = Adam()
        adam.allocate(for: store)
        let t = bestTime { adam.step(store, pool: pool) }
        let label = total >= 10_000_000 ? "16M" : "1.4M"
        figures.append(BenchFigure(name: "Adam step, \(label) params", value: Double(total) / t / 1e6, unit: "M params/s",
                                   target: "", met: nil))
        // Bytes moved per parameter: gradient, value, two moments, step counter in; value, moments, counter out.
        figures.append(BenchFigure(name: "Adam step, \(label) params, memory traffic", value: Double(total) * 36 / t / 1e9,
                                   unit: "GB/s", target: String(format: "STREAM triad %.1f", limits.triad), met: nil))
    }
    return figures
}
