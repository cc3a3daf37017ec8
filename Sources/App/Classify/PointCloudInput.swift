import FieldIO
import Geometry
import TensorCore

/// The point-cloud baseline's input: `count` points sampled uniformly on a mesh's surface (area-weighted, seeded),
/// centred on their mean and scaled into the unit ball, as PointNet's ModelNet inputs are.
enum PointCloudInput {
    /// `[count, 3]` floats for the mesh file `path`.
    static func read(mesh path: String, count: Int, seed: UInt64) throws(FieldError) -> [Float] {
        let mesh = try TriangleMesh.read(path)
        guard !mesh.triangles.isEmpty else { throw FieldError(file: path, "has no triangles") }
        let sampler = SurfaceSampler(mesh)
        guard sampler.totalArea > 0 else { throw FieldError(file: path, "has zero surface area") }
        var rng = RandomGenerator(seed: seed)
        var points = (0..<count).map { _ in sampler.sample(&rng).point }
        let mean = points.reduce(SIMD3<Float>.zero, +) / Float(count)
        points = points.map { $0 - mean }
        let radius = max(points.map { length($0) }.max() ?? 1, 1e-6)
        return points.flatMap { p in [p.x / radius, p.y / radius, p.z / radius] }
    }
}
