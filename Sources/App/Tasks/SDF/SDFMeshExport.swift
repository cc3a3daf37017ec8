import FieldIO
import Foundation
import Geometry
import Render
import TensorCore

/// Extracts the zero level set of a distance field by marching cubes over the unit cube and writes it
/// in the data's units, with vertex normals, as PLY and/or OBJ.
enum SDFMeshExport {
    /// Extracts and writes the mesh (to `mesh.<format>` in the run folder, or to `path`); returns it
    /// (in data units) and the seconds marching cubes took, field evaluation included.
    static func write(field: DistanceField, settings: MeshExportSettings, transform: UnitTransform, folder: RunFolder,
                      pool: WorkerPool, path: String? = nil, quiet: Bool) throws(FieldError) -> (mesh: TriangleMesh, seconds: Double) {
        let t0 = monotonicSeconds()
        // A learnt SDF is only roughly 1-Lipschitz: skip blocks with a safety factor of 1.5.
        var mesh = MarchingCubes(resolution: settings.resolution, lipschitz: 1.5).extract(pool: pool) { points, count, output in
            field.distances(points: points, count: count, output: output, pool: pool)
        }
        let seconds = monotonicSeconds() - t0
        for i in mesh.positions.indices { mesh.positions[i] = transform.toData(mesh.positions[i]) }
        var written: [String] = []
        for format in settings.formats {
            let file = path ?? folder.file("mesh.\(format)")
            if format == "ply" { try mesh.writePLY(to: file) } else { try mesh.writeOBJ(to: file) }
            written.append(file)
        }
        if !quiet {
            print("fieldfit: marching cubes at \(settings.resolution)³: \(mesh.positions.count) vertices, \(mesh.triangles.count) triangles in \(String(format: "%.2f", seconds)) s → \(written.joined(separator: ", "))")
        }
        return (mesh, seconds)
    }
}
