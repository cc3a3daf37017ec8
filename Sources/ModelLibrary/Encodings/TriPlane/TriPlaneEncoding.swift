import Foundation
import FieldIO
import TensorCore

/// A tri-plane feature encoding (otype `TriPlane`): for a 3-D input, three axis-aligned feature planes
/// (xy, xz, yz) of R × R vertices with F features each, looked up bilinearly at the point's projections and
/// combined by `reduction` (Sum, the tri-plane paper's choice; Concatenation; Product). A 2-D input (an image's
/// uv) has a single plane, so every reduction gives that plane's features.
///
/// Optional levels (`levels` > 1) add further sets of planes of resolution ⌊R·b^l⌋, concatenated level 0 first,
/// like a hash grid's levels: output row = [L·F] (Sum, Product) or [L·P·F] (Concatenation), P = 1 or 3.
/// Coordinates in [0, 1] map to `x·(R_l − 1)` (border vertices on the box's faces); outside they clamp.
///
/// Parameters: one `nonMatrix` tensor per level and plane, `level<l>.<xy|xz|yz>` of shape `[R_l, R_l, F]`,
/// L·P·R²·F floats in all. Init: N(0, 0.001²) (the paper's), for Product 1 + N(0, 0.001²) so that products
/// start near 1 and every plane receives gradient.
///
/// Work layout, deterministic for any thread count: forward and the input gradient split points across
/// workers (each point's planes summed in a fixed order); the table gradient runs one task per (level, plane),
/// each scatter-adding all points into its own table in point order (race-free).
public final class TriPlaneEncoding: DifferentiableModule {
    /// Input dimensions: 2 (one plane) or 3 (three planes).
    public let dimensions: Int
    /// Features per plane vertex (F).
    public let features: Int
    /// Vertices per plane side at each level.
    public let resolutions: [Int]
    /// How a level's planes are combined.
    public let reduction: TriPlaneReduction
    /// Learning-rate multiplier of the plane tables.
    public let learningRateScale: Float
    /// The input axes of each plane: (0, 1) for 2-D; (0, 1), (0, 2), (1, 2) for 3-D.
    public let planeAxes: [(Int, Int)]
    /// Offset of each (level, plane) table, index `l·P + p`, in the parameter slice.
    private let tableOffsets: [Int]
    /// Floats of all tables.
    public let tableFloats: Int
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// The plane names for `dimensions`.
    static func planeNames(_ dimensions: Int) -> [String] { dimensions == 2 ? ["xy"] : ["xy", "xz", "yz"] }

    /// A tri-plane over `inputWidth` (2 or 3) dimensions with `features` per vertex, `resolution` vertices per
    /// side at level 0 and `levels` levels growing by `perLevelScale`. Throws (location: the config key) for
    /// sizes that are not positive, and for tables that cannot fit in this machine's memory.
    public init(inputWidth: Int, features: Int = 16, resolution: Int = 128, levels: Int = 1, perLevelScale: Double = 2,
                reduction: TriPlaneReduction = .sum, learningRateScale: Float = 1) throws(FieldError) {
        guard inputWidth == 2 || inputWidth == 3 else {
            throw FieldError(location: "", "a TriPlane encodes 2-D (one plane) or 3-D (three planes) inputs, this task gives \(inputWidth)-D")
        }
        guard features >= 1 else { throw FieldError(location: "n_features", "expected at least 1 feature per plane vertex, got \(features)") }
        guard resolution >= 2 else { throw FieldError(location: "resolution", "expected at least 2 vertices per plane side, got \(resolution)") }
        guard levels >= 1 else { throw FieldError(location: "n_levels", "expected at least 1 level, got \(levels)") }
        guard perLevelScale.isFinite, perLevelScale >= 1 else {
            throw FieldError(location: "per_level_scale", "expected a number ≥ 1, got \(perLevelScale)")
        }
        let planes = inputWidth == 2 ? 1 : 3
        var sides: [Int] = []
        var floats = 0.0
        for l in 0..<levels {
            let side = (Double(resolution) * pow(perLevelScale, Double(l))).rounded(.down)
            guard side <= Double(1 << 24) else {
                throw FieldError(location: levels > 1 ? "per_level_scale" : "resolution",
                                 "level \(l) would have \(side) vertices per side, more than 2^24")
            }
            sides.append(Int(side))
            floats += side * side * Double(planes * features)
        }
        // Values, gradients and two optimizer moments per float.
        try MemoryBudget.check(bytes: floats * 16, what: "the TriPlane's \(planes * levels) planes (\(Int(floats)) parameters)",
                               file: "", location: "resolution")
        dimensions = inputWidth
        self.features = features
        resolutions = sides
        self.reduction = reduction
        self.learningRateScale = learningRateScale
        planeAxes = inputWidth == 2 ? [(0, 1)] : [(0, 1), (0, 2), (1, 2)]
        var offsets: [Int] = []
        var total = 0
        for side in sides { for _ in 0..<planes { offsets.append(total); total += side * side * features } }
        tableOffsets = offsets
        tableFloats = total
    }

    /// Planes per level (P).
    public var planeCount: Int { planeAxes.count }
    /// Levels (L).
    public var levelCount: Int { resolutions.count }
    public var inputWidth: Int { dimensions }
    public var outputWidth: Int { levelCount * features * (reduction == .concatenation ? planeCount : 1) }

    public var parameterTensors: [ParameterTensor] {
        let names = TriPlaneEncoding.planeNames(dimensions)
        return resolutions.enumerated().flatMap { l, side in
            names.map { ParameterTensor("level\(l).\($0)", shape: [side, side, features], kind: .nonMatrix,
                                        learningRateScale: learningRateScale) }
        }
    }

    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// N(0, 0.001²); for Product 1 + N(0, 0.001²).
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let v = values else { preconditionFailure("TriPlaneEncoding: bind parameters before initializing them") }
        let mean: Float = reduction == .product ? 1 : 0
        for i in 0..<tableFloats { v[i] = mean + 0.001 * rng.nextGaussian() }
    }

    /// Backward recomputes the cells from the input, so a context holds nothing.
    public func makeContext(capacity: Int) -> ModuleContext { ModuleContext(capacity: capacity) }

    /// First output column of plane `p` at level `l`.
    @inline(__always)
    private func column(_ l: Int, _ p: Int) -> Int {
        reduction == .concatenation ? (l &* planeCount &+ p) &* features : l &* features
    }

    /// The sample of plane `p` at level `l` for the point `x`.
    @inline(__always)
    private func sample(_ l: Int, _ p: Int, _ x: UnsafePointer<Float>) -> PlaneSample {
        let (a, b) = planeAxes[p]
        return PlaneSample(u: x[a], v: x[b], resolution: resolutions[l], features: features)
    }

    /// Points per block: a block's rows stay in cache while every plane is added into them.
    static let blockPoints = 256

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let table = values else { preconditionFailure("TriPlaneEncoding: forward before bind") }
        guard batch > 0 else { return }
        let levels = levelCount, planes = planeCount
        pool.parallelRanges(batch, granularity: 64) { _, range in
            var start = range.lowerBound
            while start < range.upperBound {
                let block = start..<min(start &+ TriPlaneEncoding.blockPoints, range.upperBound)
                for l in 0..<levels {
                    for p in 0..<planes {
                        let mode: BlendMode = p == 0 || reduction == .concatenation ? .store : (reduction == .sum ? .add : .multiply)
                        forwardPlane(l, p, table: UnsafePointer(table), input: input, output: output, range: block, mode: mode)
                    }
                }
                start = block.upperBound
            }
        }
    }

    /// What a plane's lookup does to the output columns.
    private enum BlendMode { case store, add, multiply }

    /// Plane `p` of level `l` for the points in `range`.
    @inline(__always)
    private func forwardPlane(_ l: Int, _ p: Int, table: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, range: Range<Int>, mode: BlendMode) {
        let f = features, width = outputWidth, d = dimensions
        let plane = table + tableOffsets[l &* planeCount &+ p], col = column(l, p)
        for i in range {
            let s = sample(l, p, input + i &* d)
            let o = output + (i &* width &+ col)
            TriPlaneEncoding.blend(plane, s, features: f) { c, n, v in
                switch mode {
                case .store: SIMDLanes.store(v, o + c, n)
                case .add: SIMDLanes.store(SIMDLanes.load(o + c, n) + v, o + c, n)
                case .multiply: SIMDLanes.store(SIMDLanes.load(o + c, n) * v, o + c, n)
                }
            }
        }
    }

    /// Calls `body(c, n, value)` for each group of up to eight features c..<c+n of the bilinear blend at `s`.
    @inline(__always)
    static func blend(_ plane: UnsafePointer<Float>, _ s: PlaneSample, features f: Int,
                      _ body: (Int, Int, SIMD8<Float>) -> Void) {
        let (w00, w10, w01, w11) = s.weights
        let c00 = plane + s.offset, c10 = c00 + f, c01 = c00 + s.rowStride, c11 = c01 + f
        var c = 0
        while c < f {
            let n = min(8, f &- c)
            let v = w00 * SIMDLanes.load(c00 + c, n) + w10 * SIMDLanes.load(c10 + c, n)
                + w01 * SIMDLanes.load(c01 + c, n) + w11 * SIMDLanes.load(c11 + c, n)
            body(c, n, v)
            c &+= 8
        }
    }

    /// The features of plane `p` at level `l` for point `x`, into `into[0..<F]`.
    @inline(__always)
    private func lookup(_ l: Int, _ p: Int, table: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>) {
        let plane = table + tableOffsets[l &* planeCount &+ p]
        TriPlaneEncoding.blend(plane, sample(l, p, x), features: features) { c, n, v in SIMDLanes.store(v, into + c, n) }
    }

    /// `g ⊙ Π_{q≠p} f_q` at level `l` for point `x` (Product): the gradient that reaches plane `p`.
    @inline(__always)
    private func productGradient(_ l: Int, _ p: Int, table: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                 _ g: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        into.update(from: g, count: features)
        for q in 0..<planeCount where q != p {
            lookup(l, q, table: table, x, into: scratch)
            for c in 0..<features { into[c] *= scratch[c] }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let table = values, let grad = gradients else { preconditionFailure("TriPlaneEncoding: backward before bind") }
        guard batch > 0 else { return }
        let f = features, width = outputWidth, d = dimensions, planes = planeCount
        let product = reduction == .product
        let constTable = UnsafePointer(table)
        // Table gradients: one task per (level, plane), each owning its table.
        pool.parallelFor(levelCount * planes) { t in
            let l = t / planes, p = t % planes
            let gplane = grad + tableOffsets[t], col = column(l, p)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * f) { tmp in
                let g = tmp.baseAddress!, scratch = g + f
                for i in 0..<batch {
                    let x = input + i &* d
                    var dy = outputGradient + (i &* width &+ col)
                    if product {
                        productGradient(l, p, table: constTable, x, dy, into: g, scratch: scratch)
                        dy = UnsafePointer(g)
                    }
                    let s = sample(l, p, x)
                    let (w00, w10, w01, w11) = s.weights
                    let c00 = gplane + s.offset, c10 = c00 + f, c01 = c00 + s.rowStride, c11 = c01 + f
                    var c = 0
                    while c < f {
                        let n = min(8, f &- c)
                        let v = SIMDLanes.load(dy + c, n)
                        SIMDLanes.store(SIMDLanes.load(c00 + c, n) + w00 * v, c00 + c, n)
                        SIMDLanes.store(SIMDLanes.load(c10 + c, n) + w10 * v, c10 + c, n)
                        SIMDLanes.store(SIMDLanes.load(c01 + c, n) + w01 * v, c01 + c, n)
                        SIMDLanes.store(SIMDLanes.load(c11 + c, n) + w11 * v, c11 + c, n)
                        c &+= 8
                    }
                }
            }
        }
        guard let dx = inputGradient else { return }
        // Input gradients: points split across workers; each point sums its planes in a fixed order.
        pool.parallelRanges(batch, granularity: 64) { _, range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * f) { tmp in
                let g = tmp.baseAddress!, scratch = g + f
                for i in range {
                    let x = input + i &* d, dxi = dx + i &* d
                    dxi.update(repeating: 0, count: d)
                    for l in 0..<levelCount {
                        for p in 0..<planes {
                            var dy = outputGradient + (i &* width &+ column(l, p))
                            if product {
                                productGradient(l, p, table: constTable, x, dy, into: g, scratch: scratch)
                                dy = UnsafePointer(g)
                            }
                            let s = sample(l, p, x)
                            let c00 = constTable + tableOffsets[l &* planes &+ p] + s.offset
                            let c10 = c00 + f, c01 = c00 + s.rowStride, c11 = c01 + f
                            let slopes = PlaneSample.cornerSlopes(c00, c10, c01, c11, gradient: dy, count: f, fa: s.fu, fb: s.fv)
                            let (a, b) = planeAxes[p]
                            dxi[a] += slopes.a * s.du
                            dxi[b] += slopes.b * s.dv
                        }
                    }
                }
            }
        }
    }
}
