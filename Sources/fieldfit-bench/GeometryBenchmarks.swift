import FieldIO
import Foundation
import Geometry
import TensorCore

/// Ground-truth SDF figures on the bunny (/work/shared/data/bunny.obj, normalised to the unit cube), or
/// on a procedural open sphere when the file is missing: oracle build time, then distance + sign for
/// 2^20 points uniform in [0, 1]³ (target ≤ 2 s), for 2^20 near-surface points (surface samples plus
/// N(0, 0.01²) offsets, with and without the source triangle as a hint) and for one SDF training batch of
/// 2^15 points (⅛ uniform, ⅞ near-surface, as instant-ngp mixes them).
func geometryBenchmarks(threads: Int) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    var figures: [BenchFigure] = []
    let path = "/work/shared/data/bunny.obj"
    var name = "bunny"
    var raw = ProceduralMesh.openSphere(subdivisions: 6, radius: 1, capAngle: 0.3)
    if FileManager.default.fileExists(atPath: path), let bunny = try? TriangleMesh.read(path) {
        raw = bunny
    } else {
        name = "open sphere (bunny.obj missing)"
    }
    let mesh = MeshNormalization(mesh: raw).apply(to: raw)
    figures.append(BenchFigure(name: "\(name): triangles", value: Double(mesh.triangles.count), unit: "", target: "", met: nil))

    var oracle: SignedDistanceOracle? = nil
    let build = bestTime(repeats: 3) { oracle = SignedDistanceOracle(mesh: mesh, pool: pool) }
    figures.append(BenchFigure(name: "\(name): SDF oracle build (BVH + winding tree + 64³ sign grid)", value: build * 1e3,
                               unit: "ms", target: "", met: nil))
    guard let oracle else { return figures }

    let count = 1 << 20
    var rng = RandomGenerator(seed: 2024)
    let uniform = FloatBuffer(count: 3 * count)
    for i in 0..<uniform.count { uniform[i] = rng.nextFloat() }
    let near = FloatBuffer(count: 3 * count)
    var hints = [Int32](repeating: -1, count: count)
    let sampler = SurfaceSampler(mesh)
    for i in 0..<count {
        let s = sampler.sample(&rng)
        let p = s.point + 0.01 * SIMD3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())
        near[3 * i] = p.x; near[3 * i + 1] = p.y; near[3 * i + 2] = p.z
        hints[i] = Int32(s.triangle)
    }
    let output = FloatBuffer(count: count)

    let tUniform = bestTime(repeats: 3) {
        oracle.signedDistance(points: uniform.pointer, count: count, output: output.pointer, pool: pool)
    }
    figures.append(BenchFigure(name: "\(name): distance + sign, 2^20 uniform points", value: tUniform, unit: "s",
                               target: "≤ 2 s", met: tUniform <= 2))
    let tNear = bestTime(repeats: 3) {
        oracle.signedDistance(points: near.pointer, count: count, output: output.pointer, pool: pool)
    }
    figures.append(BenchFigure(name: "\(name): distance + sign, 2^20 near-surface points (σ = 0.01)", value: tNear,
                               unit: "s", target: "", met: nil))
    let tHinted = hints.withUnsafeBufferPointer { h in
        bestTime(repeats: 3) {
            oracle.signedDistance(points: near.pointer, hintTriangles: h.baseAddress!, count: count, output: output.pointer, pool: pool)
        }
    }
    figures.append(BenchFigure(name: "\(name): same, with source-triangle hints", value: tHinted, unit: "s", target: "", met: nil))

    // One training batch: 2^12 uniform + 7·2^12 near-surface points.
    let batch = 1 << 15, uniformShare = batch / 8
    let mixed = FloatBuffer(count: 3 * batch)
    mixed.pointer.update(from: uniform.pointer, count: 3 * uniformShare)
    (mixed.pointer + 3 * uniformShare).update(from: near.pointer, count: 3 * (batch - uniformShare))
    let tBatch = bestTime(repeats: 9) {
        oracle.signedDistance(points: mixed.pointer, count: batch, output: output.pointer, pool: pool)
    }
    figures.append(BenchFigure(name: "\(name): one SDF batch of 2^15 (⅛ uniform, ⅞ near-surface)", value: tBatch * 1e3,
                               unit: "ms", target: "", met: nil))
    return figures
}
