import TensorCore

/// The layout and kernels of one CAM modulation grid: a few factor grids (one 2-D grid for a Plane, three for
/// a TriPlane, one 1-D grid per axis for PerAxis), each vertex holding `2C` floats — C scale channels γ then
/// C shift channels β. At a point x (coordinates in [0, 1], clamped; vertices at x·(R − 1), align-corners):
///
///     γ(x) = Π_f γ_f(x)        β(x) = Σ_f β_f(x)          (γ_f, β_f: linear/bilinear lookups of factor f)
///
/// With γ_f initialised to 1 and β_f to 0 the grid starts as the identity modulation, and every factor gets
/// a non-zero gradient: the product rule for γ, a sum for β. (The NerfAcc reference multiplies three
/// zero-initialised β planes, whose gradient is then identically zero; seed-papers C.1 quirk (i).)
public struct CAMGrid: Sendable {
    /// One factor grid: its coordinate axes (1 or 2), vertices per axis and where its table starts.
    struct Factor: Sendable {
        var axisA: Int, axisB: Int
        var sizeA: Int, sizeB: Int
        var offset: Int
        var twoAxes: Bool
        var vertices: Int { sizeA * sizeB }
    }

    /// The grid's shape.
    public let type: CAMGridType
    /// Coordinates per point.
    public let dimensions: Int
    /// Vertices along each coordinate axis.
    public let resolutions: [Int]
    /// Channels C of γ (and of β): 1 (one scalar per point, shared over features) or the layer width.
    public let channels: Int
    let factors: [Factor]
    /// Floats of all factor tables.
    public let floatCount: Int

    /// A grid of `type` over `dimensions` coordinates with `resolutions[a]` (≥ 2) vertices along axis a.
    public init(type: CAMGridType, dimensions: Int, resolutions: [Int], channels: Int) {
        precondition(resolutions.count == dimensions && resolutions.allSatisfy { $0 >= 2 } && channels >= 1, "CAMGrid: invalid shape")
        self.type = type
        self.dimensions = dimensions
        self.resolutions = resolutions
        self.channels = channels
        var list: [Factor] = [], total = 0
        for axes in type.factorAxes(dimensions: dimensions) {
            let two = axes.count == 2
            let f = Factor(axisA: axes[0], axisB: two ? axes[1] : axes[0], sizeA: resolutions[axes[0]],
                           sizeB: two ? resolutions[axes[1]] : 1, offset: total, twoAxes: two)
            list.append(f)
            total += f.vertices * 2 * channels
        }
        factors = list
        floatCount = total
    }

    /// Floats per vertex (γ then β channels).
    var vertexFloats: Int { 2 * channels }

    /// The factor tensors' names and shapes (e.g. `xy` `[R_y, R_x, 2C]`, or `x` `[R_x, 2C]`).
    var factorTensors: [(name: String, shape: [Int])] {
        let axisNames = ["x", "y", "z", "w"]
        func name(_ a: Int) -> String { a < axisNames.count ? axisNames[a] : "a\(a)" }
        return factors.map { f in
            f.twoAxes ? (name(f.axisA) + name(f.axisB), [f.sizeB, f.sizeA, vertexFloats]) : (name(f.axisA), [f.sizeA, vertexFloats])
        }
    }

    /// γ vertices 1, β vertices 0.
    func initialize(_ table: UnsafeMutablePointer<Float>) {
        let c = channels
        for f in factors {
            for v in 0..<f.vertices {
                let p = table + f.offset + v * 2 * c
                p.update(repeating: 1, count: c)
                (p + c).update(repeating: 0, count: c)
            }
        }
    }

    /// A factor's cell at one point: corner offsets (00, 10, 01, 11; a 1-D factor repeats its two corners with
    /// weight 0), fractions, and d(cell position)/d(coordinate) per axis (0 where clamped).
    struct Sample {
        var o00: Int, o10: Int, o01: Int, o11: Int
        var fa: Float, fb: Float
        var da: Float, db: Float

        @inline(__always)
        var weights: (Float, Float, Float, Float) { ((1 - fa) * (1 - fb), fa * (1 - fb), (1 - fa) * fb, fa * fb) }
    }

    /// Factor `f`'s cell for the point at `x`.
    @inline(__always)
    func sample(_ f: Factor, _ x: UnsafePointer<Float>) -> Sample {
        let (ia, fa, da) = PlaneSample.axis(x[f.axisA], scale: Float(f.sizeA &- 1), cells: f.sizeA &- 1)
        let vf = vertexFloats
        let o00: Int
        var fb: Float = 0, db: Float = 0, rowFloats = 0
        if f.twoAxes {
            let (ib, b, d) = PlaneSample.axis(x[f.axisB], scale: Float(f.sizeB &- 1), cells: f.sizeB &- 1)
            fb = b; db = d
            rowFloats = f.sizeA &* vf
            o00 = f.offset &+ ib &* rowFloats &+ ia &* vf
        } else {
            o00 = f.offset &+ ia &* vf
        }
        return Sample(o00: o00, o10: o00 &+ vf, o01: o00 &+ rowFloats, o11: o00 &+ rowFloats &+ vf, fa: fa, fb: fb, da: da, db: db)
    }

    /// Calls `body(c, n, value)` for each group of up to eight of the `count` floats from `first` of factor
    /// cell `s` (interpolated).
    @inline(__always)
    static func blend(_ table: UnsafePointer<Float>, _ s: Sample, first: Int, count: Int, _ body: (Int, Int, SIMD8<Float>) -> Void) {
        let (w00, w10, w01, w11) = s.weights
        let p00 = table + (s.o00 &+ first), p10 = table + (s.o10 &+ first)
        let p01 = table + (s.o01 &+ first), p11 = table + (s.o11 &+ first)
        var c = 0
        while c < count {
            let n = min(8, count &- c)
            body(c, n, w00 * SIMDLanes.load(p00 + c, n) + w10 * SIMDLanes.load(p10 + c, n)
                 + w01 * SIMDLanes.load(p01 + c, n) + w11 * SIMDLanes.load(p11 + c, n))
            c &+= 8
        }
    }

    /// `[γ(x) (C), β(x) (C)]` into `out` for the point at `x`.
    @inline(__always)
    func modulation(_ table: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let c = channels
        for (k, f) in factors.enumerated() {
            let s = sample(f, x)
            if k == 0 {
                CAMGrid.blend(table, s, first: 0, count: 2 &* c) { j, n, v in SIMDLanes.store(v, out + j, n) }
            } else {
                CAMGrid.blend(table, s, first: 0, count: c) { j, n, v in SIMDLanes.store(SIMDLanes.load(out + j, n) * v, out + j, n) }
                CAMGrid.blend(table, s, first: c, count: c) { j, n, v in
                    SIMDLanes.store(SIMDLanes.load(out + c + j, n) + v, out + c + j, n)
                }
            }
        }
    }

    /// The gradient reaching factor `k`'s vertex floats at `x`: `[dγ ⊙ Π_{q≠k} γ_q(x), dβ]` into `out` (2C),
    /// given `dmod` = [dL/dγ, dL/dβ].
    @inline(__always)
    func factorGradient(_ k: Int, _ table: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dmod: UnsafePointer<Float>,
                        into out: UnsafeMutablePointer<Float>) {
        let c = channels
        out.update(from: dmod, count: 2 &* c)
        for (q, f) in factors.enumerated() where q != k {
            CAMGrid.blend(table, sample(f, x), first: 0, count: c) { j, n, v in SIMDLanes.store(SIMDLanes.load(out + j, n) * v, out + j, n) }
        }
    }

    /// Adds factor `k`'s share of the gradient `g` (2C floats from `factorGradient`) at `x` into `gradTable`.
    @inline(__always)
    func scatter(_ k: Int, _ gradTable: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>) {
        let s = sample(factors[k], x)
        let (w00, w10, w01, w11) = s.weights
        let p00 = gradTable + s.o00, p10 = gradTable + s.o10, p01 = gradTable + s.o01, p11 = gradTable + s.o11
        let count = vertexFloats, twoAxes = factors[k].twoAxes
        var c = 0
        while c < count {
            let n = min(8, count &- c)
            let v = SIMDLanes.load(g + c, n)
            SIMDLanes.store(SIMDLanes.load(p00 + c, n) + w00 * v, p00 + c, n)
            SIMDLanes.store(SIMDLanes.load(p10 + c, n) + w10 * v, p10 + c, n)
            if twoAxes {
                SIMDLanes.store(SIMDLanes.load(p01 + c, n) + w01 * v, p01 + c, n)
                SIMDLanes.store(SIMDLanes.load(p11 + c, n) + w11 * v, p11 + c, n)
            }
            c &+= 8
        }
    }

    /// Adds Σ_c g_c·∂v_c/∂x of factor `k` at `x` (g from `factorGradient`) to `dx` (the point's coordinates).
    @inline(__always)
    func coordinateGradient(_ k: Int, _ table: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                            into dx: UnsafeMutablePointer<Float>) {
        let f = factors[k]
        let s = sample(f, x)
        let p00 = table + s.o00, p10 = table + s.o10, p01 = table + s.o01, p11 = table + s.o11
        let slopes = PlaneSample.cornerSlopes(p00, p10, p01, p11, gradient: g, count: vertexFloats, fa: s.fa, fb: s.fb)
        dx[f.axisA] += slopes.a * s.da
        if f.twoAxes { dx[f.axisB] += slopes.b * s.db }
    }
}
