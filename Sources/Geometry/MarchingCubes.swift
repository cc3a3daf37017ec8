import FieldIO
import TensorCore

/// Extracts the level set of a scalar field as an indexed triangle mesh (marching cubes).
///
/// The field is sampled on a regular grid of `resolution` samples per axis spanning the box
/// `origin … origin + size` (so `resolution − 1` cells per axis; sample `i` lies at
/// `origin + i · size / (resolution − 1)`). It is evaluated through a batched closure (rows of xyz in,
/// one value per row out) in batches of up to `batchSize` points, always from the calling thread, so the
/// evaluator may itself run in parallel (e.g. a network's forward pass on a `WorkerPool`).
///
/// Memory stays O(resolution²): the grid is walked in slabs of `blockCells` cell layers along z.
///
/// **Sparse evaluation for distance fields.** When `lipschitz` is set (the default, 1, is right for a true
/// signed distance), the field is first sampled at the corners of blocks of `blockCells`³ cells; a block is
/// skipped when its eight corner values have one sign (relative to `level`) and each lies farther from
/// `level` than `lipschitz ×` half the block's diagonal: every point of the block is that close to some
/// corner, so the field cannot reach `level` inside. The other blocks are refined the same way (the lattice
/// of half the stride inside them, then the same test on their sub-blocks, down to 2³ cells when
/// `blockCells` is a power of two), and only the sub-blocks left are sampled at every grid point. As long as
/// the field really is `lipschitz`-Lipschitz and evaluates each point independently of its batch, the mesh
/// is *identical* to the dense one; at 256³ a sphere SDF needs ~24× fewer grid evaluations. A learnt SDF is only
/// approximately 1-Lipschitz: pass a safety factor (e.g. 1.5); pass `nil` for fields that are not distances
/// (a NeRF density), which are then sampled densely.
///
/// **Output.** Vertices lie on grid edges (linear interpolation) and are shared between the cells that use
/// them: one vertex per crossed edge, none duplicated. Ambiguous faces are resolved the same way in both
/// cells that share them (see `MarchingCubesTables`), so the mesh is closed wherever the level set does not
/// leave the box. Triangles are counter-clockwise seen from where the field is ≥ `level` (for an SDF,
/// negative inside, the normals point outward). Per-vertex normals are the field's normalised gradient by
/// central differences of step `normalStep` (six batched evaluations per vertex). The output depends only
/// on the field and these settings, not on the number of threads.
public struct MarchingCubes: Sendable {
    /// A batched field: `points` holds `count` rows of x, y, z; write one value per row to `output`.
    public typealias Evaluator = (_ points: UnsafePointer<Float>, _ count: Int, _ output: UnsafeMutablePointer<Float>) -> Void

    /// The box's lowest corner.
    public var origin: SIMD3<Float>
    /// The box's extent along each axis.
    public var size: SIMD3<Float>
    /// Samples per axis (at least 2; cells per axis = resolution − 1).
    public var resolution: SIMD3<Int>
    /// The iso value to extract.
    public var level: Float
    /// A bound on how fast the field changes (|f(a) − f(b)| ≤ lipschitz · |a − b|) that enables the sparse
    /// evaluation, or nil to evaluate every grid sample.
    public var lipschitz: Float?
    /// Cells per block edge for the sparse evaluation (also the slab thickness).
    public var blockCells: Int = 8
    /// The most points handed to the evaluator at once.
    public var batchSize: Int = 65_536
    /// Whether to compute per-vertex normals from the field's gradient.
    public var computeNormals: Bool = true
    /// The central-difference step for the normals, or nil for half the smallest cell edge.
    public var normalStep: Float?

    /// Settings for a `resolution`³ grid over the box at `origin` of extent `size` (default: the unit cube).
    public init(resolution: Int = 256, origin: SIMD3<Float> = .zero, size: SIMD3<Float> = .one,
                level: Float = 0, lipschitz: Float? = 1) {
        self.init(resolution: SIMD3(repeating: resolution), origin: origin, size: size, level: level, lipschitz: lipschitz)
    }

    /// Settings with a resolution per axis.
    public init(resolution: SIMD3<Int>, origin: SIMD3<Float> = .zero, size: SIMD3<Float> = .one,
                level: Float = 0, lipschitz: Float? = 1) {
        self.origin = origin
        self.size = size
        self.resolution = resolution
        self.level = level
        self.lipschitz = lipschitz
    }

    /// What an extraction cost.
    public struct Statistics: Sendable, Equatable {
        /// Grid samples evaluated (coarse block corners plus fine samples).
        public var gridEvaluations: Int
        /// Points evaluated for the normals.
        public var normalEvaluations: Int
        /// Blocks (of `blockCells`³ cells) the level set may cross, which were refined or sampled in full.
        public var activeBlocks: Int
        /// All blocks of the grid.
        public var totalBlocks: Int
        /// Grid samples a dense evaluation would take (resolution.x · y · z).
        public var denseEvaluations: Int
    }

    /// The level-set mesh of the field `evaluate`; `pool` runs this function's own per-point work.
    public func extract(pool: WorkerPool, evaluate: Evaluator) -> TriangleMesh {
        extractWithStatistics(pool: pool, evaluate: evaluate).mesh
    }

    /// The level-set mesh and what it cost to extract.
    public func extractWithStatistics(pool: WorkerPool, evaluate: Evaluator) -> (mesh: TriangleMesh, statistics: Statistics) {
        precondition(resolution.x >= 2 && resolution.y >= 2 && resolution.z >= 2, "MarchingCubes: at least 2 samples per axis")
        precondition(resolution.x <= 8192 && resolution.y <= 8192 && resolution.z <= 8192, "MarchingCubes: at most 8192 samples per axis")
        precondition(blockCells >= 1 && batchSize >= 6, "MarchingCubes: blockCells ≥ 1, batchSize ≥ 6")
        var extractor = MarchingCubesExtractor(self)
        defer { extractor.deallocate() }
        extractor.run(evaluate)
        var normals: [SIMD3<Float>] = []
        var normalEvaluations = 0
        if computeNormals && !extractor.positions.isEmpty {
            normals = gradientNormals(extractor.positions, extractor.triangles, pool: pool, evaluate: evaluate)
            normalEvaluations = 6 * extractor.positions.count
        }
        let blocks = extractor.blockCounts
        let statistics = Statistics(gridEvaluations: extractor.gridEvaluations, normalEvaluations: normalEvaluations,
                                    activeBlocks: extractor.activeBlocks, totalBlocks: blocks.x * blocks.y * blocks.z,
                                    denseEvaluations: resolution.x * resolution.y * resolution.z)
        return (TriangleMesh(positions: extractor.positions, triangles: extractor.triangles, normals: normals), statistics)
    }

    /// The normalised central-difference gradient at every vertex (area-weighted face normals where the
    /// gradient vanishes or is not finite).
    private func gradientNormals(_ positions: [SIMD3<Float>], _ triangles: [SIMD3<UInt32>], pool: WorkerPool,
                                 evaluate: Evaluator) -> [SIMD3<Float>] {
        let spacing = size / SIMD3<Float>(resolution &- 1)
        let h = normalStep ?? 0.5 * min(spacing.x, min(spacing.y, spacing.z))
        let perBatch = batchSize / 6
        let points = UnsafeMutablePointer<Float>.allocate(capacity: perBatch * 18)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: perBatch * 6)
        defer { points.deallocate(); values.deallocate() }
        var normals = [SIMD3<Float>](repeating: .zero, count: positions.count)
        var degenerate = false
        positions.withUnsafeBufferPointer { pos in
            normals.withUnsafeMutableBufferPointer { out in
                let p = pos.baseAddress!, n = out.baseAddress!
                var start = 0
                while start < pos.count {
                    let count = min(perBatch, pos.count - start)
                    pool.parallelRanges(count, granularity: 256) { _, range in
                        for i in range {
                            let v = p[start + i]
                            let row = points + 18 * i
                            for axis in 0..<3 {
                                var plus = v, minus = v
                                plus[axis] += h
                                minus[axis] -= h
                                row[6 * axis] = plus.x; row[6 * axis + 1] = plus.y; row[6 * axis + 2] = plus.z
                                row[6 * axis + 3] = minus.x; row[6 * axis + 4] = minus.y; row[6 * axis + 5] = minus.z
                            }
                        }
                    }
                    evaluate(points, 6 * count, values)
                    for i in 0..<count {
                        let f = values + 6 * i
                        let g = SIMD3<Float>(f[0] - f[1], f[2] - f[3], f[4] - f[5])
                        let l = length(g)
                        if l > 0 && l.isFinite {
                            n[start + i] = g / l
                        } else {
                            n[start + i] = .zero
                            degenerate = true
                        }
                    }
                    start += count
                }
            }
        }
        if degenerate {
            var faceSum = [SIMD3<Float>](repeating: .zero, count: positions.count)
            for t in triangles {
                let a = positions[Int(t.x)], b = positions[Int(t.y)], c = positions[Int(t.z)]
                let w = cross(b - a, c - a)
                faceSum[Int(t.x)] += w; faceSum[Int(t.y)] += w; faceSum[Int(t.z)] += w
            }
            for i in normals.indices where normals[i] == .zero { normals[i] = normalized(faceSum[i]) }
        }
        return normals
    }
}

/// The slab-by-slab walk of one extraction: owns the slab buffers (O(resolution²)) and the growing mesh.
///
/// Per slab of `block` cell layers: the block-corner lattice of the slab's top plane is evaluated (the bottom
/// plane comes from the slab below); blocks are classified with the distance certificate; inside each block
/// that may hold surface the lattice of half the stride is evaluated and its sub-blocks classified, down to
/// sub-blocks of 2³ cells (for power-of-two blocks), whose samples are then all evaluated. Cells of the
/// remaining sub-blocks are triangulated in global (z, y, x) order. Without a Lipschitz bound every block is
/// sampled in full. Every sample is evaluated at most once (`known`).
private struct MarchingCubesExtractor {
    let nx: Int, ny: Int, nz: Int
    let planeSize: Int
    let level: Float
    let lipschitz: Float?
    let block: Int
    let blockCounts: SIMD3<Int>
    let batchSize: Int
    let spacing: SIMD3<Float>
    /// Sample coordinates along each axis.
    let xs: [Float], ys: [Float], zs: [Float]

    /// Sample values of the current slab: (block + 1) planes of nx × ny.
    let values: UnsafeMutablePointer<Float>
    /// Whether each sample of the slab has been evaluated.
    let known: UnsafeMutablePointer<UInt8>
    /// Which sub-blocks of edge `markStride` cells hold cells to triangulate (slab-local, x fastest).
    let marks: UnsafeMutablePointer<Bool>
    var markStride = 1
    var markCounts = SIMD3<Int>(repeating: 0)
    /// The marked sub-blocks' x positions, row by row ((z, y) rows of sub-blocks), and where each row starts.
    var markedColumns: [Int32] = []
    var markedRowStart: [Int32] = []
    /// Vertex index of the x- and y-edges of a cell layer's bottom and top planes and of its z-edges.
    var xEdgeLow: UnsafeMutablePointer<Int32>, xEdgeHigh: UnsafeMutablePointer<Int32>
    var yEdgeLow: UnsafeMutablePointer<Int32>, yEdgeHigh: UnsafeMutablePointer<Int32>
    let zEdge: UnsafeMutablePointer<Int32>
    /// Batch buffers: points, values, and the slab index each point's value goes to.
    let batchPoints: UnsafeMutablePointer<Float>
    let batchValues: UnsafeMutablePointer<Float>
    let batchTargets: UnsafeMutablePointer<Int32>
    var batchCount = 0

    var positions: [SIMD3<Float>] = []
    var triangles: [SIMD3<UInt32>] = []
    var gridEvaluations = 0
    var activeBlocks = 0

    init(_ settings: MarchingCubes) {
        nx = settings.resolution.x; ny = settings.resolution.y; nz = settings.resolution.z
        planeSize = nx * ny
        level = settings.level
        lipschitz = settings.lipschitz
        block = settings.blockCells
        let cells = settings.resolution &- 1
        blockCounts = (cells &+ (block - 1)) / block
        batchSize = settings.batchSize
        spacing = settings.size / SIMD3<Float>(cells)
        func axis(_ n: Int, _ o: Float, _ s: Float) -> [Float] { (0..<n).map { o + Float($0) * s } }
        xs = axis(nx, settings.origin.x, spacing.x)
        ys = axis(ny, settings.origin.y, spacing.y)
        zs = axis(nz, settings.origin.z, spacing.z)

        let slabSamples = (block + 1) * planeSize
        values = .allocate(capacity: slabSamples)
        known = .allocate(capacity: slabSamples)
        known.initialize(repeating: 0, count: slabSamples)
        marks = .allocate(capacity: (nx - 1) * (ny - 1) * block)
        xEdgeLow = .allocate(capacity: planeSize); xEdgeHigh = .allocate(capacity: planeSize)
        yEdgeLow = .allocate(capacity: planeSize); yEdgeHigh = .allocate(capacity: planeSize)
        zEdge = .allocate(capacity: planeSize)
        for map in [xEdgeLow, xEdgeHigh, yEdgeLow, yEdgeHigh, zEdge] { map.initialize(repeating: -1, count: planeSize) }
        batchPoints = .allocate(capacity: 3 * batchSize)
        batchValues = .allocate(capacity: batchSize)
        batchTargets = .allocate(capacity: batchSize)
    }

    func deallocate() {
        values.deallocate(); known.deallocate(); marks.deallocate()
        xEdgeLow.deallocate(); xEdgeHigh.deallocate(); yEdgeLow.deallocate(); yEdgeHigh.deallocate(); zEdge.deallocate()
        batchPoints.deallocate(); batchValues.deallocate(); batchTargets.deallocate()
    }

    /// Walks all slabs.
    mutating func run(_ evaluate: MarchingCubes.Evaluator) {
        var previousLayerStart = 0
        var parents: [SIMD3<Int32>] = []
        var children: [SIMD3<Int32>] = []
        for slab in 0..<blockCounts.z {
            let z0 = slab * block
            let layers = min(block, nz - 1 - z0)
            // The previous slab's top plane is this slab's bottom plane.
            if slab > 0 {
                values.update(from: values + block * planeSize, count: planeSize)
                known.update(from: known + block * planeSize, count: planeSize)
                (known + planeSize).update(repeating: 0, count: block * planeSize)
            }

            // Blocks of the slab that may hold surface.
            parents.removeAll(keepingCapacity: true)
            if lipschitz != nil {
                if slab == 0 { sampleLattice(stride: block, z0: z0, plane: 0, evaluate) }
                sampleLattice(stride: block, z0: z0, plane: layers, evaluate)
                flush(evaluate)
                for by in 0..<blockCounts.y {
                    for bx in 0..<blockCounts.x where mayCross(SIMD3(bx, by, 0), stride: block, layers: layers) {
                        parents.append(SIMD3(Int32(bx), Int32(by), 0))
                    }
                }
            } else {
                for by in 0..<blockCounts.y { for bx in 0..<blockCounts.x { parents.append(SIMD3(Int32(bx), Int32(by), 0)) } }
            }
            activeBlocks += parents.count
            if parents.isEmpty {
                previousLayerStart = positions.count
                continue
            }

            // Refine while the stride halves to sub-blocks of at least 2 cells.
            var stride = block
            if lipschitz != nil {
                while stride > 2 && stride % 2 == 0 {
                    let child = stride / 2
                    for p in parents { sampleSubLattice(of: p, stride: stride, child: child, z0: z0, layers: layers, evaluate) }
                    flush(evaluate)
                    children.removeAll(keepingCapacity: true)
                    for p in parents {
                        for cz in 0..<2 {
                            for cy in 0..<2 {
                                for cx in 0..<2 {
                                    let c = SIMD3(Int(p.x) * 2 + cx, Int(p.y) * 2 + cy, Int(p.z) * 2 + cz)
                                    if c.x * child >= nx - 1 || c.y * child >= ny - 1 || c.z * child >= layers { continue }
                                    if mayCross(c, stride: child, layers: layers) { children.append(SIMD3<Int32>(truncatingIfNeeded: c)) }
                                }
                            }
                        }
                    }
                    swap(&parents, &children)
                    stride = child
                }
            }

            // Evaluate every sample of the remaining sub-blocks and mark them for triangulation.
            for p in parents { sampleSubLattice(of: p, stride: stride, child: 1, z0: z0, layers: layers, evaluate) }
            flush(evaluate)
            markStride = stride
            markCounts = SIMD3((nx - 1 + stride - 1) / stride, (ny - 1 + stride - 1) / stride, (layers + stride - 1) / stride)
            marks.update(repeating: false, count: markCounts.x * markCounts.y * markCounts.z)
            for p in parents { marks[(Int(p.z) * markCounts.y + Int(p.y)) * markCounts.x + Int(p.x)] = true }
            // The marked sub-blocks of each (z, y) row of sub-blocks, in x order.
            markedColumns.removeAll(keepingCapacity: true)
            markedRowStart.removeAll(keepingCapacity: true)
            for row in 0..<(markCounts.z * markCounts.y) {
                markedRowStart.append(Int32(markedColumns.count))
                let m = marks + row * markCounts.x
                for bx in 0..<markCounts.x where m[bx] { markedColumns.append(Int32(bx)) }
            }
            markedRowStart.append(Int32(markedColumns.count))

            for layer in 0..<layers {
                let layerStart = positions.count
                march(layer: layer, z: z0 + layer, previousLayerStart: Int32(previousLayerStart), layerStart: Int32(layerStart))
                swap(&xEdgeLow, &xEdgeHigh)
                swap(&yEdgeLow, &yEdgeHigh)
                previousLayerStart = layerStart
            }
        }
    }

    /// Whether the level set may cross the sub-block `b` (in units of `stride` cells; z slab-local): false
    /// when its eight corner values lie on one side of `level`, each farther than lipschitz × half its diagonal.
    func mayCross(_ b: SIMD3<Int>, stride: Int, layers: Int) -> Bool {
        guard let lipschitz else { return true }
        let threshold = lipschitz * 0.5 * length(spacing * Float(stride)) * 1.001
        let x0 = b.x * stride, x1 = min(x0 + stride, nx - 1)
        let y0 = b.y * stride, y1 = min(y0 + stride, ny - 1)
        let z0 = b.z * stride, z1 = min(z0 + stride, layers)
        var above = 0, below = 0
        for corner in 0..<8 {
            let x = corner & 1 == 0 ? x0 : x1, y = corner & 2 == 0 ? y0 : y1, z = corner & 4 == 0 ? z0 : z1
            let d = values[z * planeSize + y * nx + x] - level
            if d > threshold { above += 1 } else if d < -threshold { below += 1 }
        }
        return !(above == 8 || below == 8)
    }

    /// Queues the not yet known block corners (stride `stride`) of slab plane `plane`.
    mutating func sampleLattice(stride: Int, z0: Int, plane: Int, _ evaluate: MarchingCubes.Evaluator) {
        for by in 0...blockCounts.y {
            let y = min(by * stride, ny - 1)
            for bx in 0...blockCounts.x { enqueue(x: min(bx * stride, nx - 1), y: y, plane: plane, z0: z0, evaluate) }
        }
    }

    /// Queues the not yet known samples at stride `child` inside the sub-block `p` of edge `stride` cells.
    mutating func sampleSubLattice(of p: SIMD3<Int32>, stride: Int, child: Int, z0: Int, layers: Int,
                                   _ evaluate: MarchingCubes.Evaluator) {
        let x0 = Int(p.x) * stride, y0 = Int(p.y) * stride, zl = Int(p.z) * stride
        let x1 = min(x0 + stride, nx - 1), y1 = min(y0 + stride, ny - 1), zh = min(zl + stride, layers)
        var plane = zl
        while true {
            var y = y0
            while true {
                var x = x0
                while true {
                    enqueue(x: x, y: y, plane: plane, z0: z0, evaluate)
                    if x == x1 { break }
                    x = min(x + child, x1)
                }
                if y == y1 { break }
                y = min(y + child, y1)
            }
            if plane == zh { break }
            plane = min(plane + child, zh)
        }
    }

    /// Queues sample (x, y) of slab plane `plane` unless it is known; evaluates when the batch is full.
    @inline(__always)
    mutating func enqueue(x: Int, y: Int, plane: Int, z0: Int, _ evaluate: MarchingCubes.Evaluator) {
        let index = plane * planeSize + y * nx + x
        if known[index] != 0 { return }
        known[index] = 1
        batchTargets[batchCount] = Int32(index)
        batchPoints[3 * batchCount] = xs[x]
        batchPoints[3 * batchCount + 1] = ys[y]
        batchPoints[3 * batchCount + 2] = zs[z0 + plane]
        batchCount += 1
        if batchCount == batchSize { flush(evaluate) }
    }

    /// Triangulates the cells of one layer (between slab planes `layer` and `layer + 1`, grid plane `z`) that
    /// lie in marked sub-blocks, in (y, x) order. Edge maps hold valid vertex indices only when they are at least
    /// the vertex count at the start of the layer that could have made them: `previousLayerStart` for the
    /// bottom plane's x/y-edges (made by this layer or the one below), `layerStart` for the rest.
    mutating func march(layer: Int, z: Int, previousLayerStart: Int32, layerStart: Int32) {
        let lo = values + layer * planeSize, hi = lo + planeSize
        let level = level
        let vertex = UnsafeMutablePointer<Int32>.allocate(capacity: 12)
        defer { vertex.deallocate() }
        let za = zs[z], zb = zs[z + 1]
        MarchingCubesTables.edgeMasks.withUnsafeBufferPointer { masks in
        MarchingCubesTables.triangleStart.withUnsafeBufferPointer { starts in
        MarchingCubesTables.triangleEdges.withUnsafeBufferPointer { edges in
        MarchingCubesTables.edgeGeometry.withUnsafeBufferPointer { geometry in
        markedColumns.withUnsafeBufferPointer { columns in
        markedRowStart.withUnsafeBufferPointer { rowStart in
            let f = markStride
            let layerRows = (layer / f) * markCounts.y
            for y in 0..<(ny - 1) {
                let row = layerRows + y / f
                for m in Int(rowStart[row])..<Int(rowStart[row + 1]) {
                    let x0 = Int(columns[m]) * f, x1 = min(x0 + f, nx - 1)
                    for x in x0..<x1 {
                        let i = y * nx + x
                        var c = 0
                        if lo[i] < level { c |= 1 }
                        if lo[i + 1] < level { c |= 2 }
                        if lo[i + nx + 1] < level { c |= 4 }
                        if lo[i + nx] < level { c |= 8 }
                        if hi[i] < level { c |= 16 }
                        if hi[i + 1] < level { c |= 32 }
                        if hi[i + nx + 1] < level { c |= 64 }
                        if hi[i + nx] < level { c |= 128 }
                        if c == 0 || c == 255 { continue }
                        var mask = Int(masks[c])
                        while mask != 0 {
                            let e = mask.trailingZeroBitCount
                            mask &= mask - 1
                            let g = geometry[e]                      // axis, dx, dy, dz
                            let j = i + Int(g.z) * nx + Int(g.y)
                            let top = g.w != 0
                            let map: UnsafeMutablePointer<Int32>
                            let threshold: Int32
                            switch g.x {
                            case 0: map = top ? xEdgeHigh : xEdgeLow; threshold = top ? layerStart : previousLayerStart
                            case 1: map = top ? yEdgeHigh : yEdgeLow; threshold = top ? layerStart : previousLayerStart
                            default: map = zEdge; threshold = layerStart
                            }
                            var index = map[j]
                            if index < threshold {
                                let plane = top ? hi : lo
                                let va = plane[j]
                                let vb: Float
                                let ax = x + Int(g.y), ay = y + Int(g.z)
                                let pa = SIMD3<Float>(xs[ax], ys[ay], top ? zb : za)
                                var pb = pa
                                switch g.x {
                                case 0: vb = plane[j + 1]; pb.x = xs[ax + 1]
                                case 1: vb = plane[j + nx]; pb.y = ys[ay + 1]
                                default: vb = hi[j]; pb.z = zb
                                }
                                let t = (level - va) / (vb - va)
                                index = Int32(positions.count)
                                positions.append(pa + t * (pb - pa))
                                map[j] = index
                            }
                            vertex[e] = index
                        }
                        var k = Int(starts[c])
                        let end = Int(starts[c + 1])
                        while k < end {
                            triangles.append(SIMD3(UInt32(vertex[Int(edges[k])]), UInt32(vertex[Int(edges[k + 1])]),
                                                   UInt32(vertex[Int(edges[k + 2])])))
                            k += 3
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
        }
    }

    /// Evaluates the queued points and scatters their values into the slab.
    mutating func flush(_ evaluate: MarchingCubes.Evaluator) {
        guard batchCount > 0 else { return }
        evaluate(batchPoints, batchCount, batchValues)
        for i in 0..<batchCount { values[Int(batchTargets[i])] = batchValues[i] }
        gridEvaluations += batchCount
        batchCount = 0
    }
}
