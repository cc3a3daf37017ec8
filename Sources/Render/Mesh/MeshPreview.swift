import FieldIO
import Geometry
import TensorCore

/// A quick look at a triangle mesh: every pixel's ray cast against a BVH of the mesh, the hit coloured by the
/// vertex colours (barycentric blend; light grey without colours) and shaded by a headlight
/// (0.3 + 0.7·|n·v| with the triangle's normal), over a white background. Deterministic for any thread count.
public struct MeshPreview {
    /// The mesh's BVH.
    public let bvh: TriangleBVH
    let mesh: TriangleMesh
    let colors: [SIMD3<Float>]

    /// A preview of `mesh` with per-vertex `colors` (in [0, 1]; empty for grey).
    public init(mesh: TriangleMesh, colors: [SIMD3<Float>] = []) {
        precondition(colors.isEmpty || colors.count == mesh.positions.count, "MeshPreview: one colour per vertex")
        self.mesh = mesh
        self.colors = colors
        bvh = TriangleBVH(mesh: mesh)
    }

    /// The view through `camera` (RGB).
    public func render(_ camera: Camera, pool: WorkerPool) -> Image {
        let w = camera.width, h = camera.height
        var pixels = [Float](repeating: 1, count: w * h * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            pool.parallelRanges(h) { _, rows in
                for y in rows {
                    for x in 0..<w {
                        let d = camera.rayDirection(pixelX: Float(x) + 0.5, pixelY: Float(y) + 0.5)
                        guard let hit = bvh.intersect(origin: camera.position, direction: d) else { continue }
                        let t = mesh.triangles[hit.triangle]
                        let a = mesh.positions[Int(t.x)], b = mesh.positions[Int(t.y)], c = mesh.positions[Int(t.z)]
                        let n = normalized(cross(b - a, c - a))
                        var albedo = SIMD3<Float>(repeating: 0.8)
                        if !colors.isEmpty {
                            let k = hit.barycentric
                            albedo = k.x * colors[Int(t.x)] + k.y * colors[Int(t.y)] + k.z * colors[Int(t.z)]
                        }
                        let shade = albedo * (0.3 + 0.7 * abs(dot(n, d)))
                        let o = 3 &* (y &* w &+ x)
                        out[o] = shade.x; out[o &+ 1] = shade.y; out[o &+ 2] = shade.z
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: 3, pixels: pixels)
    }
}
