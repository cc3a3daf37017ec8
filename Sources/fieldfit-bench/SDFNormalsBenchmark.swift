import App
import FieldIO
import Fields
import Foundation
import Geometry
import ModelLibrary
import Render
import TensorCore

/// Issue 23: which normal estimate a trained SDF is shaded with. Fits the bunny (scenes/bunny.json's model,
/// a fixed step count, so the field is the same on every run) and, for each candidate estimate, reports
/// - the mean angular error of the rendered normals against the input mesh's own face normals, per pixel of
///   four 800² orbit views: each pixel's ray is cast through the mesh's BVH, and pixels where the traced
///   field and the mesh agree on the hit (within 2 finest cells) are scored; also the share of them off by
///   more than 20° (the speckles);
/// - the normal consistency of the marching-cubes mesh (256³) with the estimate's vertex normals: the mean
///   |n · n′| over its vertices, n′ the face normal of the input mesh's closest point (found by the BVH);
/// - the seconds the estimate takes for one 800² view's hits.
func sdfNormalsBenchmark(scene: String, threads: Int, steps: Int) -> [BenchFigure] {
    let pool = WorkerPool(threads: threads)
    guard let config = try? JSONParser.parse(file: scene), case .string(let meshName)? = config["data"]?["mesh"] else {
        print("bench: cannot read \(scene)")
        return []
    }
    let meshPath = ((scene as NSString).deletingLastPathComponent as NSString).appendingPathComponent(meshName)
    guard let input = try? TriangleMesh.read(meshPath) else {
        print("bench: sdf-normals needs \(meshPath) (../shared/data)")
        return []
    }
    let source = MeshDistanceSource(input, pool: pool)
    let mesh = source.unitMesh
    let bvh = TriangleBVH(mesh: mesh)
    let finest = 2048                       // the SDF task's finest level (SDFTaskDefinition.makeTask)
    let cell = 1 / Float(finest - 1)

    // The field: the scene's model trained for `steps` steps.
    let t0 = monotonicSeconds()
    guard let trainer = try? trainBunny(config, source: source, finest: finest, steps: steps, pool: pool) else {
        print("bench: the sdf-normals fit failed")
        return []
    }
    let fitSeconds = monotonicSeconds() - t0
    let field = TrainedDistanceField(trainer: trainer)
    var figures = [BenchFigure(name: "sdf-normals: bunny fit, \(steps) steps (wall s, machine shared)", value: fitSeconds,
                               unit: "s", target: "", met: nil)]

    let candidates: [(name: String, estimate: NormalEstimate)] = [
        ("field gradient", .fieldGradient),
        ("central h=½ cell", .centralDifferences(step: 0.5 * cell)),
        ("central h=1 cell", .centralDifferences(step: cell)),
        ("central h=5e-4 (instant-ngp)", .centralDifferences(step: 5e-4)),
        ("central h=2 cells", .centralDifferences(step: 2 * cell)),
        ("central h=3 cells", .centralDifferences(step: 3 * cell)),
        ("central h=4 cells", .centralDifferences(step: 4 * cell)),
        ("tetrahedron h=1 cell", .tetrahedron(step: cell)),
        ("tetrahedron h=2 cells", .tetrahedron(step: 2 * cell)),
        ("tetrahedron h=3 cells", .tetrahedron(step: 3 * cell)),
    ]

    // Pixels where the traced field and the mesh hit the same surface, with the mesh's face normal there.
    var renderer = SDFRenderer()
    let grid = renderer.tracer.coarseGrid(field, pool: pool)
    let cameras = Camera.orbit(count: 4, center: SIMD3(repeating: 0.5), distance: 2.2, elevation: 20, worldUp: SIMD3(0, 1, 0),
                               fieldOfViewX: 35, width: 800, height: 800)
    var hitPoints: [[Float]] = [], truth: [[SIMD3<Float>]] = []
    for camera in cameras {
        let n = camera.width * camera.height
        let directions = (0..<n).map { camera.direction(x: $0 % camera.width, y: $0 / camera.width) }
        let t = renderer.tracer.trace(origins: [SIMD3<Float>](repeating: camera.position, count: n), directions: directions,
                                      field: field, grid: grid, pool: pool)
        var meshHits = [RayHit?](repeating: nil, count: n)
        meshHits.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            pool.parallelRanges(n, granularity: 512) { _, range in
                for i in range where t[i].isFinite { o[i] = bvh.intersect(origin: camera.position, direction: directions[i]) }
            }
        }
        var points: [Float] = [], normals: [SIMD3<Float>] = []
        for i in 0..<n {
            guard let hit = meshHits[i], abs(hit.distance - t[i]) < 2 * cell else { continue }
            let p = camera.position + t[i] * directions[i]
            points += [p.x, p.y, p.z]
            let (a, b, c) = bvh.triangle(hit.triangle)
            var nrm = normalized(cross(b - a, c - a))
            if dot(nrm, directions[i]) > 0 { nrm = -nrm }
            normals.append(nrm)
        }
        hitPoints.append(points)
        truth.append(normals)
    }
    let scored = truth.map(\.count).reduce(0, +)
    figures.append(BenchFigure(name: "sdf-normals: pixels scored (field and mesh agree), 4 views 800²", value: Double(scored),
                               unit: "", target: "", met: nil))

    // The marching-cubes mesh and, per vertex, the input mesh's face normal at the closest point.
    var mc = MarchingCubes(resolution: 256, lipschitz: 1.5)
    mc.computeNormals = false
    let extracted = mc.extract(pool: pool) { p, count, out in field.distances(points: p, count: count, output: out, pool: pool) }
    let vertexCount = extracted.positions.count
    var closest = [SIMD3<Float>](repeating: .zero, count: vertexCount)
    closest.withUnsafeMutableBufferPointer { out in
        let o = out.baseAddress!
        pool.parallelRanges(vertexCount, granularity: 256) { _, range in
            for i in range {
                guard let c = bvh.closestPoint(to: extracted.positions[i]) else { continue }
                let (a, b, d) = bvh.triangle(c.triangle)
                o[i] = normalized(cross(b - a, d - a))
            }
        }
    }
    let vertices = extracted.positions.flatMap { [$0.x, $0.y, $0.z] }
    let faceConsistency = MeshMetrics.compare(extracted, mesh, pool: pool).normalConsistency
    figures.append(BenchFigure(name: "sdf-normals: MC 256³ mesh, face-normal consistency (MeshMetrics, any estimate)",
                               value: faceConsistency, unit: "", target: "report", met: nil))

    for (name, estimate) in candidates {
        var angleSum = 0.0, speckles = 0
        var seconds = 0.0
        for (v, points) in hitPoints.enumerated() {
            let start = monotonicSeconds()
            let normals = points.withUnsafeBufferPointer { estimate.normals(of: field, points: $0.baseAddress!, count: points.count / 3, pool: pool) }
            if v == 0 { seconds = monotonicSeconds() - start }
            for (k, n) in normals.enumerated() {
                let angle = Double(acos(min(max(dot(n, truth[v][k]), -1), 1))) * 180 / .pi
                angleSum += angle
                if angle > 20 { speckles += 1 }
            }
        }
        let vertexNormals = vertices.withUnsafeBufferPointer { estimate.normals(of: field, points: $0.baseAddress!, count: vertexCount, pool: pool) }
        var agreement = 0.0
        for i in 0..<vertexCount { agreement += Double(abs(dot(vertexNormals[i], closest[i]))) }
        figures.append(BenchFigure(name: "sdf-normals: \(name): mean angular error per pixel", value: angleSum / Double(max(scored, 1)),
                                   unit: "°", target: "lowest", met: nil))
        figures.append(BenchFigure(name: "sdf-normals: \(name): pixels off by > 20°", value: 100 * Double(speckles) / Double(max(scored, 1)),
                                   unit: "%", target: "", met: nil))
        figures.append(BenchFigure(name: "sdf-normals: \(name): MC vertex-normal consistency", value: agreement / Double(max(vertexCount, 1)),
                                   unit: "", target: "highest", met: nil))
        figures.append(BenchFigure(name: "sdf-normals: \(name): seconds for one view's hits", value: seconds,
                                   unit: "s", target: "", met: nil))
    }
    return figures
}

/// Trains the scene's encoding, network, loss and optimizer on `source` for `steps` steps from the scene's seed.
private func trainBunny(_ config: JSONValue, source: MeshDistanceSource, finest: Int, steps: Int,
                        pool: WorkerPool) throws(FieldError) -> Trainer {
    let batch = number(config["training"]?["batch_size"]).map { Int($0) } ?? 1 << 14
    let seed = number(config["training"]?["seed"]).map { UInt64($0) } ?? 1337
    guard case .object(var encoding)? = config["encoding"] else { throw FieldError(location: "encoding", "missing") }
    if !encoding.contains(where: { $0.key == "per_level_scale" }) {
        // instant-ngp's rule, as the fit applies it: the finest level `finest` cells across.
        let levels = number(config["encoding"]?["n_levels"]) ?? 16, base = number(config["encoding"]?["base_resolution"]) ?? 16
        encoding.append(("per_level_scale", .double(exp(log(Double(finest) / base) / (levels - 1)))))
    }
    let trainer = try ModelFactory.makeTrainer(encoding: .object(encoding), network: config["network"] ?? .null,
                                               loss: config["loss"] ?? .null, optimizer: config["optimizer"] ?? .null,
                                               inputWidth: 3, outputWidth: 1, batchCapacity: batch, seed: seed, file: "bunny")
    let task = SDFTask(source: source, batchCapacity: batch, uniformCount: 1, nearCount: 1, pool: pool)
    let input = FloatBuffer(count: batch * 3), target = FloatBuffer(count: batch)
    var rng = RandomGenerator(seed: seed, stream: 0xBA7C4)
    for _ in 0..<steps {
        task.sampleBatch(batch: batch, input: input.pointer, targets: target.pointer, rng: &rng, pool: pool)
        trainer.step(input: input.pointer, target: target.pointer, batch: batch, pool: pool)
    }
    // Render with the inference parameters (an EMA's average) from now on: no more steps follow.
    let inference = trainer.optimizer.inferenceValues(trainer.store)
    if inference != UnsafePointer(trainer.store.values.pointer) {
        trainer.store.values.pointer.update(from: inference, count: trainer.store.count)
    }
    return trainer
}
