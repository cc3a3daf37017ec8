import FieldIO
import Foundation
import Geometry
import ModelLibrary
import TensorCore

/// Marching cubes at 256³ over the unit cube on a sphere SDF (radius 0.3), with normals, against the
/// ≤ 5 s target:
/// - with an emulated network: the analytic SDF plus a spin on the calling thread until 0.25 µs per point
///   have passed (the cost of a hash-grid + MLP evaluation on 2 threads), sparse (Lipschitz 1) and, for
///   reference, dense; plus the evaluation counts and this code's own time with a free evaluator;
/// - with a real network: an instant-ngp-style hash grid (16 levels × 2, T = 2^19) + 64-wide 2-hidden-layer
///   MLP, freshly initialised, run on every point through `Trainer.infer` on the same pool; its output is
///   discarded and the analytic SDF returned, so the mesh (and the sparse work) is the sphere's.
func marchingCubesBenchmarks(threads: Int) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    let resolution = 256
    var figures: [BenchFigure] = []

    func sphere(_ p: UnsafePointer<Float>, _ n: Int, _ out: UnsafeMutablePointer<Float>) {
        for i in 0..<n {
            let x = p[3 * i] - 0.5, y = p[3 * i + 1] - 0.5, z = p[3 * i + 2] - 0.5
            out[i] = (x * x + y * y + z * z).squareRoot() - 0.3
        }
    }
    let emulated: MarchingCubes.Evaluator = { p, n, out in
        let end = monotonicSeconds() + Double(n) * 0.25e-6
        sphere(p, n, out)
        while monotonicSeconds() < end {}
    }
    let free: MarchingCubes.Evaluator = { p, n, out in sphere(p, n, out) }

    func target(_ seconds: Double) -> (String, Bool) { ("≤ 5", seconds <= 5) }

    let sparse = MarchingCubes(resolution: resolution)
    var stats: MarchingCubes.Statistics?
    let tSparse = bestTime(repeats: 3) { stats = sparse.extractWithStatistics(pool: pool, evaluate: emulated).statistics }
    let (sparseTarget, sparseMet) = target(tSparse)
    figures.append(BenchFigure(name: "marching cubes 256³ sphere SDF + normals, sparse, emulated net 0.25 µs/pt",
                               value: tSparse, unit: "s", target: sparseTarget, met: sparseMet))
    let tOwn = bestTime(repeats: 3) { _ = sparse.extract(pool: pool, evaluate: free) }
    figures.append(BenchFigure(name: "marching cubes 256³ sparse, own work (free analytic evaluator)", value: tOwn, unit: "s",
                               target: "", met: nil))
    if let s = stats {
        let sparseEvaluations = Double(s.gridEvaluations + s.normalEvaluations)
        figures.append(BenchFigure(name: "marching cubes 256³ sparse: evaluated points (grid + normals)",
                                   value: sparseEvaluations / 1e6, unit: "M", target: "", met: nil))
        figures.append(BenchFigure(name: "marching cubes 256³ sparse: fewer evaluations than dense",
                                   value: Double(s.denseEvaluations + s.normalEvaluations) / sparseEvaluations, unit: "×",
                                   target: "5–10", met: Double(s.denseEvaluations + s.normalEvaluations) / sparseEvaluations >= 5))
    }
    let dense = MarchingCubes(resolution: resolution, lipschitz: nil)
    let t0 = monotonicSeconds()
    _ = dense.extract(pool: pool, evaluate: emulated)
    figures.append(BenchFigure(name: "marching cubes 256³ sphere SDF + normals, dense, emulated net 0.25 µs/pt",
                               value: monotonicSeconds() - t0, unit: "s", target: "", met: nil))

    // A real network's cost on every evaluated point.
    let encoding = try? JSONParser.parse("""
        {"otype": "HashGrid", "n_levels": 16, "n_features_per_level": 2, "log2_hashmap_size": 19,
         "base_resolution": 16, "per_level_scale": 1.3819}
        """)
    let network = try? JSONParser.parse("""
        {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 64, "n_hidden_layers": 2}
        """)
    let loss = try? JSONParser.parse(#"{"otype": "L2"}"#), optimizer = try? JSONParser.parse(#"{"otype": "Adam"}"#)
    guard let encoding, let network, let loss, let optimizer,
          let trainer = try? ModelFactory.makeTrainer(encoding: encoding, network: network, loss: loss, optimizer: optimizer,
                                                      inputWidth: 3, outputWidth: 1, batchCapacity: 65_536, seed: 1,
                                                      file: "marching-cubes benchmark") else {
        figures.append(BenchFigure(name: "marching cubes 256³ with a hash-grid + MLP network", value: .nan, unit: "s",
                                   target: "network could not be built", met: false))
        return figures
    }
    let scratch = FloatBuffer(count: 65_536)
    let networked: MarchingCubes.Evaluator = { p, n, out in
        trainer.infer(input: p, output: scratch.pointer, batch: n, pool: pool)
        sphere(p, n, out)
    }
    let tNet = bestTime(repeats: 3) { _ = sparse.extract(pool: pool, evaluate: networked) }
    let (netTarget, netMet) = target(tNet)
    figures.append(BenchFigure(name: "marching cubes 256³ sphere SDF + normals, sparse, hash grid + MLP 64×2",
                               value: tNet, unit: "s", target: netTarget, met: netMet))
    // The network's own cost per point, for comparison with the 0.25 µs assumption.
    var rng = RandomGenerator(seed: 3)
    let points = FloatBuffer(count: 3 * 65_536)
    for i in 0..<points.count { points[i] = rng.nextFloat() }
    let tBatch = bestTime(repeats: 5) { trainer.infer(input: points.pointer, output: scratch.pointer, batch: 65_536, pool: pool) }
    figures.append(BenchFigure(name: "hash grid + MLP 64×2 inference (random points)", value: tBatch / 65_536 * 1e6,
                               unit: "µs/pt", target: "", met: nil))
    return figures
}
