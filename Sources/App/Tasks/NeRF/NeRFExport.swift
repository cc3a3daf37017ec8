import FieldIO
import Foundation
import Geometry
import ModelLibrary
import Render
import TensorCore

/// `fieldfit export` of a trained NeRF run: a marching-cubes mesh of its density with vertex colours, a coloured
/// point cloud from the expected depth of training rays (as `ns-export pointcloud`), and its cameras as JSON and a
/// PLY of frustums. Everything is written in the dataset's own coordinates (the transforms.json frame: a unit-cube
/// point p is (p − offset) / scale), or in the unit cube for the procedural scene.
struct NeRFExport {
    let task: NeRFFitTask
    let trainer: Trainer
    let pool: WorkerPool

    /// The default density level of the mesh: σ = 25 per unit-cube length, where a ray through 1/256 of the cube
    /// loses about a tenth of its light — opaque surfaces, not the faint haze around them.
    static let defaultDensityThreshold = 25.0
    /// Default mesh resolution: cells along the occupied box's longest side.
    static let defaultResolution = 256
    /// Default number of training rays cast for a point cloud.
    static let defaultPoints = 300_000
    /// Default opacity a point cloud ray needs.
    static let defaultOpacity = 0.5

    // MARK: Mesh

    /// Marching cubes on the density at `options.meshResolution` cells along the occupied box's longest side
    /// (`occupiedBox`, the cells dense enough to hold the surface), level `options.export.densityThreshold`; vertex colours from the colour network looking at
    /// the surface head-on (view direction = −normal). Writes a binary PLY (`--out`, default `mesh.ply` in the run
    /// folder) and, when asked, a PNG preview seen from the run's first render-path camera.
    func mesh(options: Options, folder: RunFolder) throws(FieldError) {
        let out = options.outputFolder ?? folder.file("mesh.ply")
        guard (out as NSString).pathExtension.lowercased() == "ply" else {
            throw FieldError(location: "--out", "a NeRF mesh is written as PLY: expected a file name ending in .ply, got \"\(out)\"")
        }
        let resolution = options.meshResolution ?? NeRFExport.defaultResolution
        let threshold = Float(options.export.densityThreshold ?? NeRFExport.defaultDensityThreshold)
        try trainer.withInferenceParameters { () throws(FieldError) in
            let t0 = monotonicSeconds()
            let grid = task.training(trainer, resumed: true).grid
            guard let box = NeRFExport.occupiedBox(grid, density: threshold) else {
                throw FieldError(file: folder.path, "no occupied cell reaches density \(threshold): nothing to mesh (try a lower --threshold)")
            }
            let extent = box.max - box.min
            let cell = extent.max() / Float(resolution)
            let cells = SIMD3<Int>(max(1, Int((extent.x / cell).rounded(.up))), max(1, Int((extent.y / cell).rounded(.up))),
                                   max(1, Int((extent.z / cell).rounded(.up))))
            let field = NeRFRadianceField(trainer: trainer)
            var mc = MarchingCubes(resolution: cells &+ 1, origin: box.min, size: SIMD3<Float>(cells) * cell,
                                   level: -threshold, lipschitz: nil)
            mc.batchSize = min(mc.batchSize, field.batchCapacity)
            // The surface is where σ falls to the threshold, marched as −σ so that triangles face out and the normals
            // (the gradient of −σ) point away from the matter.
            let density = OccupiedDensity(grid: grid, field: field, capacity: mc.batchSize)
            let mesh = mc.extract(pool: pool) { points, count, output in density.evaluate(points, count, output, pool: pool) }
            guard !mesh.triangles.isEmpty else {
                throw FieldError(file: folder.path, "no surface at density \(threshold): try a lower --threshold")
            }
            let colors = vertexColors(mesh, field: field)
            let seconds = monotonicSeconds() - t0
            try ColoredPLY(positions: mesh.positions.map(toDataset), normals: mesh.normals, colors: colors.map(ColoredPLY.bytes),
                           triangles: mesh.triangles).write(to: out)
            if let preview = options.export.previewPath {
                let camera = try NeRFRendering.pathCameras(task: task, path: NeRFRenderPath.automatic(for: task.trainViews.cameras),
                                                           count: max(task.scene.render.orbitViews, 1), width: nil, height: nil)[0]
                try MeshPreview(mesh: mesh, colors: colors).render(camera, pool: pool).writePNG(to: preview)
            }
            if !options.quiet {
                func f(_ v: SIMD3<Float>) -> String { "(" + [v.x, v.y, v.z].map { String(format: "%.3f", $0) }.joined(separator: ", ") + ")" }
                print("fieldfit: mesh of the occupied box \(f(toDataset(box.min)))–\(f(toDataset(box.max))) at \(cells.x)×\(cells.y)×\(cells.z) cells, density \(threshold): \(mesh.positions.count) vertices, \(mesh.triangles.count) triangles in \(String(format: "%.2f", seconds)) s → \(out)" + (options.export.previewPath.map { ", \($0)" } ?? ""))
            }
        }
    }

    /// The box (unit-cube coordinates) of the occupancy grid's occupied cells whose density reaches `density`
    /// (their value, σ times the minimum step, at least `density` · minimum step: a grid trained on a real capture
    /// keeps faint floaters occupied far from the scene), each cell counted in the finest cascade that holds it,
    /// padded by two finest cells and clipped to the scene box; nil when there is no such cell.
    static func occupiedBox(_ grid: OccupancyGrid, density: Float) -> (min: SIMD3<Float>, max: SIMD3<Float>)? {
        var lo = SIMD3<Float>(repeating: .infinity), hi = SIMD3<Float>(repeating: -.infinity)
        let r = grid.resolution, values = grid.values.pointer
        let thickness = density * grid.volume.minStep
        for i in 0..<grid.cellCount where grid.occupied[i] != 0 && values[i] >= thickness {
            let k = i / (r * r * r)
            let c = grid.cellCenter(i)
            if k > 0 && grid.cascade(of: c) < k { continue }   // a finer cascade covers it
            let half = Float(1 << k) / Float(r) / 2
            lo = pointwiseMin(lo, c - half); hi = pointwiseMax(hi, c + half)
        }
        guard lo.x <= hi.x else { return nil }
        let pad = 2 / Float(r)
        return (pointwiseMax(lo - pad, grid.volume.boxMin), pointwiseMin(hi + pad, grid.volume.boxMax))
    }

    /// Each vertex's colour: the colour network at the vertex, seen along −normal (straight at the surface).
    func vertexColors(_ mesh: TriangleMesh, field: NeRFRadianceField) -> [SIMD3<Float>] {
        let n = mesh.positions.count, g = field.geometryWidth, capacity = field.batchCapacity
        let points = FloatBuffer(count: capacity * 3), dirs = FloatBuffer(count: capacity * 3)
        let geometry = FloatBuffer(count: capacity * g), rgb = FloatBuffer(count: capacity * 3)
        let volume = task.volume
        var colors = [SIMD3<Float>](repeating: .zero, count: n)
        var start = 0
        while start < n {
            let count = min(capacity, n - start)
            for j in 0..<count {
                let p = volume.networkPosition(mesh.positions[start + j])
                let d = mesh.normals.isEmpty ? SIMD3<Float>(0, 0, -1) : -normalized(mesh.normals[start + j])
                for a in 0..<3 { points[3 * j + a] = p[a]; dirs[3 * j + a] = (d[a] + 1) / 2 }
            }
            field.density(points: points.pointer, output: geometry.pointer, count: count, pool: pool)
            field.color(geometry: geometry.pointer, directions: dirs.pointer, output: rgb.pointer, count: count, pool: pool)
            for j in 0..<count { colors[start + j] = SIMD3(rgb[3 * j], rgb[3 * j + 1], rgb[3 * j + 2]) }
            start += count
        }
        return colors
    }

    // MARK: Point cloud

    /// `options.export.points` rays (default 300 000) spread evenly over the training views (each view rendered at
    /// the size that gives its share of rays), a point at origin + depth·direction (depth the expected ray
    /// distance, Σwt / Σw) wherever the accumulated opacity exceeds `options.export.opacityThreshold` (default
    /// 0.5), coloured by the rendered RGB with the background taken out. Binary PLY (`--out`, default
    /// `pointcloud.ply`).
    func pointCloud(options: Options, folder: RunFolder) throws(FieldError) {
        let out = options.outputFolder ?? folder.file("pointcloud.ply")
        guard (out as NSString).pathExtension.lowercased() == "ply" else {
            throw FieldError(location: "--out", "a point cloud is written as PLY: expected a file name ending in .ply, got \"\(out)\"")
        }
        let total = options.export.points ?? NeRFExport.defaultPoints
        let threshold = Float(options.export.opacityThreshold ?? NeRFExport.defaultOpacity)
        let cameras = task.trainViews.cameras
        let background = task.scene.radiance.background
        var positions: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>] = []
        let t0 = monotonicSeconds()
        var rays = 0
        try trainer.withInferenceParameters { () throws(FieldError) in
            let renderer = RadianceRenderer(grid: task.training(trainer, resumed: true).grid)
            let field = NeRFRadianceField(trainer: trainer)
            let share = Double(total) / Double(cameras.count)
            for full in cameras {
                let scale = min(1, (share / Double(full.width * full.height)).squareRoot())
                let camera = full.resized(width: max(1, Int((Double(full.width) * scale).rounded())),
                                          height: max(1, Int((Double(full.height) * scale).rounded())))
                let image = renderer.render(camera, field: field, background: background, pool: pool)
                rays += camera.width * camera.height
                for i in 0..<(camera.width * camera.height) where image.opacity[i] > threshold {
                    let a = image.opacity[i]
                    let d = camera.rayDirection(pixelX: Float(i % camera.width) + 0.5, pixelY: Float(i / camera.width) + 0.5)
                    positions.append(toDataset(camera.position + image.depth[i] / a * d))
                    let rgb = SIMD3(image.rgb.pixels[3 * i], image.rgb.pixels[3 * i + 1], image.rgb.pixels[3 * i + 2])
                    colors.append(ColoredPLY.bytes((rgb - (1 - a) * background) / a))
                }
            }
        }
        guard !positions.isEmpty else {
            throw FieldError(file: folder.path, "no training ray reached opacity \(threshold): nothing to export (try a lower --opacity)")
        }
        try ColoredPLY(positions: positions, colors: colors).write(to: out)
        if !options.quiet {
            print("fieldfit: point cloud of \(positions.count) points from \(rays) rays of \(cameras.count) training views in \(String(format: "%.2f", monotonicSeconds() - t0)) s → \(out)")
        }
    }

    // MARK: Cameras

    /// The training and test cameras as JSON (`--out`, default `cameras.json`: transforms.json's per-frame keys —
    /// `w h fl_x fl_y cx cy k1 k2 p1 p2 transform_matrix` — plus `split`) and as a PLY of frustums next to it
    /// (the same name ending in .ply): per camera its centre and the image's corners at a depth of a tenth of the
    /// cameras' spread, joined by 8 edges; training cameras blue, test cameras orange.
    func cameras(options: Options, folder: RunFolder) throws(FieldError) {
        let out = options.outputFolder ?? folder.file("cameras.json")
        guard (out as NSString).pathExtension.lowercased() == "json" else {
            throw FieldError(location: "--out", "cameras are written as JSON (and a .ply of frustums beside it): expected a file name ending in .json, got \"\(out)\"")
        }
        let plyPath = (out as NSString).deletingPathExtension + ".ply"
        let all = task.trainViews.cameras.map { ($0, "train") } + task.testViews.cameras.map { ($0, "test") }
        let scale = task.sceneTransform?.scale ?? 1
        var frames: [JSONValue] = []
        for (camera, split) in all {
            let p = toDataset(camera.position)
            let columns = [camera.right, camera.up, camera.backward, p]
            let matrix: [JSONValue] = (0..<3).map { row in .array(columns.map { .double(Double($0[row])) }) }
                + [.array([.double(0), .double(0), .double(0), .double(1)])]
            let k = camera.distortion ?? LensDistortion()
            frames.append(.object([
                ("split", .string(split)), ("w", .int(camera.width)), ("h", .int(camera.height)),
                ("fl_x", .double(Double(camera.focalX))), ("fl_y", .double(Double(camera.focalY))),
                ("cx", .double(Double(camera.centerX))), ("cy", .double(Double(camera.centerY))),
                ("k1", .double(Double(k.k1))), ("k2", .double(Double(k.k2))), ("p1", .double(Double(k.p1))), ("p2", .double(Double(k.p2))),
                ("transform_matrix", .array(matrix)),
            ]))
        }
        let json: JSONValue = .object([
            ("coordinates", .string(task.sceneTransform == nil ? "unit cube" : "dataset (transforms.json)")),
            ("frames", .array(frames)),
        ])
        // Frustums, in unit-cube coordinates then mapped like everything else.
        let centroid = all.reduce(SIMD3<Float>()) { $0 + $1.0.position } / Float(max(all.count, 1))
        let spread = all.map { length($0.0.position - centroid) }.max() ?? 0
        let depth = spread > 1e-6 ? spread / 10 : 0.05
        var positions: [SIMD3<Float>] = [], colors: [SIMD3<UInt8>] = [], edges: [SIMD2<UInt32>] = []
        for (camera, split) in all {
            let base = UInt32(positions.count)
            positions.append(toDataset(camera.position))
            for (px, py) in [(0, 0), (camera.width, 0), (camera.width, camera.height), (0, camera.height)] {
                let u = (Float(px) - camera.centerX) / camera.focalX, v = (Float(py) - camera.centerY) / camera.focalY
                positions.append(toDataset(camera.position + depth * (u * camera.right - v * camera.up - camera.backward)))
            }
            colors += Array(repeating: split == "train" ? SIMD3<UInt8>(40, 110, 255) : SIMD3<UInt8>(255, 140, 0), count: 5)
            for c in 1...4 { edges.append(SIMD2(base, base + UInt32(c))) }
            for c in 1...4 { edges.append(SIMD2(base + UInt32(c), base + UInt32(c % 4 + 1))) }
        }
        try FileAccess.writeAtomically(JSONWriter.string(json), to: out)
        try ColoredPLY(positions: positions, colors: colors, edges: edges).write(to: plyPath)
        if !options.quiet {
            print("fieldfit: \(all.count) cameras (\(task.trainViews.count) training, \(task.testViews.count) test)\(scale == 1 ? "" : " in the dataset's coordinates") → \(out), \(plyPath)")
        }
    }

    /// `p` (unit-cube coordinates) in the dataset's coordinates.
    func toDataset(_ p: SIMD3<Float>) -> SIMD3<Float> {
        guard let s = task.sceneTransform else { return p }
        return SIMD3(Float((Double(p.x) - s.offset.x) / s.scale), Float((Double(p.y) - s.offset.y) / s.scale),
                     Float((Double(p.z) - s.offset.z) / s.scale))
    }
}

/// The density of a NeRF as marching cubes samples it: −σ at each point, 0 without a network evaluation where the
/// occupancy grid says the cell is empty (the renderer skips those cells too).
final class OccupiedDensity {
    let grid: OccupancyGrid
    let field: NeRFRadianceField
    private let packed: FloatBuffer, rows: FloatBuffer
    private let index: UnsafeMutablePointer<Int32>

    /// For batches of up to `capacity` points.
    init(grid: OccupancyGrid, field: NeRFRadianceField, capacity: Int) {
        self.grid = grid
        self.field = field
        packed = FloatBuffer(count: capacity * 3)
        rows = FloatBuffer(count: capacity * field.geometryWidth)
        index = .allocate(capacity: capacity)
    }

    deinit { index.deallocate() }

    /// Writes −σ of the `count` xyz rows of `points` (unit-cube coordinates) to `output`.
    func evaluate(_ points: UnsafePointer<Float>, _ count: Int, _ output: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let volume = grid.volume, pp = packed.pointer, rp = rows.pointer
        var m = 0
        for i in 0..<count {
            let p = SIMD3(points[3 &* i], points[3 &* i &+ 1], points[3 &* i &+ 2])
            output[i] = 0
            guard grid.isOccupied(p) else { continue }
            let q = volume.networkPosition(p)
            pp[3 &* m] = q.x; pp[3 &* m &+ 1] = q.y; pp[3 &* m &+ 2] = q.z
            index[m] = Int32(i)
            m &+= 1
        }
        guard m > 0 else { return }
        field.density(points: pp, output: rp, count: m, pool: pool)
        let g = field.geometryWidth
        for j in 0..<m { output[Int(index[j])] = -VolumeCompositing.density(rp[j &* g]) }
    }
}
