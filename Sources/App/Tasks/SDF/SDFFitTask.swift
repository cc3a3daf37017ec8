import FieldIO
import Fields
import Foundation
import Geometry
import ModelLibrary
import Render
import TensorCore

/// The SDF task inside the fit loop: instant-ngp's surface / near / uniform batches, IoU and distance
/// error on fixed evaluation points, and at the end the sphere-traced renders, the marching-cubes mesh
/// (in the data's units) and the mesh metrics against the input mesh.
final class SDFFitTask: BatchedFitTask {
    let task: SDFTask
    /// Unit cube → data units.
    let transform: UnitTransform
    /// The input mesh in data units (nil for analytic shapes).
    let mesh: TriangleMesh?
    /// What the data is, for messages.
    let dataDescription: String
    let scene: Scene
    /// The live viewer's coarse tracing grid and the field version it was built for.
    var liveGrid: (fieldVersion: Int, grid: SphereTracer.CoarseGrid?)?
    private let uniformPredictions: FloatBuffer
    private let nearPredictions: FloatBuffer

    /// Loads the scene's mesh (or builds its analytic shape) and draws the evaluation points.
    init(_ scene: Scene, pool: WorkerPool) throws(FieldError) {
        self.scene = scene
        let source: DistanceSource
        switch scene.data as? SDFData {
        case .meshFile(let path):
            let input = try TriangleMesh.read(path)
            let meshSource = MeshDistanceSource(input, pool: pool)
            source = meshSource
            transform = UnitTransform(scale: meshSource.scale, offset: meshSource.offset)
            mesh = input
            dataDescription = "mesh \((path as NSString).lastPathComponent) (\(input.positions.count) vertices, \(input.triangles.count) triangles)"
        case .analyticShape(let name):
            guard let shape = AnalyticShape.named(name) else {
                throw FieldError(file: scene.file, location: "data.shape", "unknown analytic shape \"\(name)\"")
            }
            source = shape
            transform = UnitTransform()
            mesh = nil
            dataDescription = "analytic shape \"\(name)\""
        case nil:
            throw FieldError(file: scene.file, location: "data", "an sdf task needs \"mesh\" or \"shape\"")
        }
        task = SDFTask(source: source, batchCapacity: scene.training.batchSize, pool: pool)
        uniformPredictions = FloatBuffer(count: task.uniformDistances.count)
        nearPredictions = FloatBuffer(count: task.nearDistances.count)
    }

    var inputWidth: Int { 3 }
    var outputWidth: Int { 1 }
    var summary: String { "SDF of \(dataDescription)" }
    var checkpointState: JSONValue? { .object([("unit_to_data", transform.json)]) }
    var headline: HeadlineScore {
        HeadlineScore(name: "iou", label: "IoU (inside, uniform points)", format: { "iou \(String(format: "%.4f", $0))" },
                      thresholds: [0.9, 0.95, 0.98, 0.99, 0.995])
    }

    func sampleBatch(batch: Int, input: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>,
                     rng: inout RandomGenerator, pool: WorkerPool) {
        task.sampleBatch(batch: batch, input: input, targets: targets, rng: &rng, pool: pool)
    }

    /// 2^18 training points (surface, near-surface and uniform, drawn as training batches are), weighted by
    /// 1/(|sdf| + 1e-9) — NeuRBF's SDF initialisation.
    func initializationSamples(rng: inout RandomGenerator, pool: WorkerPool) -> InitializationSamples? {
        let total = SDFFitTask.initializationSampleCount, chunk = scene.training.batchSize
        var points = [Float](repeating: 0, count: total * 3), distances = [Float](repeating: 0, count: total)
        var start = 0
        while start < total {
            let n = min(chunk, total - start)
            points.withUnsafeMutableBufferPointer { p in distances.withUnsafeMutableBufferPointer { d in
                task.sampleBatch(batch: n, input: p.baseAddress! + 3 * start, targets: d.baseAddress! + start, rng: &rng, pool: pool)
            } }
            start += n
        }
        for i in 0..<(total * 3) { points[i] = min(max(points[i], 0), 1) }
        return InitializationSamples(points: points, weights: distances.map { 1 / (abs($0) + 1e-9) }, dimensions: 3,
                                     description: "1/|sdf| at training points")
    }

    /// How many training points weight the kernel initialisation.
    static let initializationSampleCount = 1 << 18

    func evaluate(_ trainer: Trainer, pool: WorkerPool) -> [Evaluation.Score] {
        trainer.infer(input: task.uniformPoints.pointer, output: uniformPredictions.pointer,
                      batch: task.uniformDistances.count, pool: pool)
        trainer.infer(input: task.nearPoints.pointer, output: nearPredictions.pointer,
                      batch: task.nearDistances.count, pool: pool)
        let s = task.score(uniformPredictions: uniformPredictions.pointer, nearPredictions: nearPredictions.pointer)
        return [Evaluation.Score(name: "iou", value: s.iou), Evaluation.Score(name: "iou_near", value: s.nearIoU),
                Evaluation.Score(name: "sdf_error_near", value: s.nearError * Double(transform.scale))]
    }

    func writeOutputs(_ trainer: Trainer, history: [Evaluation], folder: RunFolder, pool: WorkerPool,
                      final: inout [(key: String, value: JSONValue)], quiet: Bool) throws(FieldError) {
        let field = TrainedDistanceField(trainer: trainer)
        let seconds = try SDFRendering.write(field: field, settings: scene.render, transform: transform, folder: folder,
                                             pool: pool, quiet: quiet)
        if seconds.isFinite { final.append(("render_seconds_per_view", .double(seconds))) }
        guard scene.meshExport.enabled else { return }
        let export = try SDFMeshExport.write(field: field, settings: scene.meshExport, transform: transform, folder: folder,
                                             pool: pool, quiet: quiet)
        final.append(("mesh_seconds", .double(export.seconds)))
        final.append(("mesh_vertices", .int(export.mesh.positions.count)))
        final.append(("mesh_triangles", .int(export.mesh.triangles.count)))
        if let reference = mesh {
            let m = MeshMetrics.compare(export.mesh, reference, pool: pool)
            final.append(("chamfer", .double(m.chamfer)))
            final.append(("normal_consistency", .double(m.normalConsistency)))
            if !quiet {
                print("fieldfit: extracted mesh vs input: Chamfer \(String(format: "%.4g", m.chamfer)) (data units), normal consistency \(String(format: "%.4f", m.normalConsistency))")
            }
        }
    }
}
