import FieldIO
import Geometry
import TensorCore

/// A triangle mesh as the ground truth of an SDF task: normalised into the unit cube (instant-ngp's
/// rule), exact distances through a BVH with a hole-robust sign, and area-uniform surface points.
public final class MeshDistanceSource: DistanceSource {
    /// The mesh → unit-cube transform.
    public let normalization: MeshNormalization
    /// The mesh in unit-cube coordinates.
    public let unitMesh: TriangleMesh
    private let oracle: SignedDistanceOracle
    private let sampler: SurfaceSampler

    /// Normalises `mesh` and builds its distance structures (the mesh must have positive area).
    public init(_ mesh: TriangleMesh, pool: WorkerPool) {
        normalization = MeshNormalization(mesh: mesh)
        unitMesh = normalization.apply(to: mesh)
        oracle = SignedDistanceOracle(mesh: unitMesh, pool: pool)
        sampler = SurfaceSampler(unitMesh)
    }

    /// Mesh units per unit-cube unit.
    public var scale: Float { normalization.toMeshDistance(1) }
    /// The unit cube's origin in mesh units.
    public var offset: SIMD3<Float> { normalization.toMesh(.zero) }

    public func distances(points: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        oracle.signedDistance(points: points, count: count, output: output, pool: pool)
    }

    public func surfacePoint(_ rng: inout RandomGenerator) -> SIMD3<Float> { sampler.sample(&rng).point }

    /// A surface point and the triangle it lies on (the hint for near-surface queries).
    public func surfaceSample(_ rng: inout RandomGenerator) -> (point: SIMD3<Float>, hint: Int32) {
        let s = sampler.sample(&rng)
        return (s.point, Int32(s.triangle))
    }

    public func distances(points: UnsafePointer<Float>, hints: UnsafePointer<Int32>, count: Int,
                               output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        oracle.signedDistance(points: points, hintTriangles: hints, count: count, output: output, pool: pool)
    }
}
