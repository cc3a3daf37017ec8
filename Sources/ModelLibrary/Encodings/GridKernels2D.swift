/// Maps eight 2D cells (their lower corners) to the table indices of their corners (0,0), (1,0), (0,1), (1,1).
protocol GridCorners2D {
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>)
}

/// Hashed 2D level: `(x ⊕ y·π₁) mod T` with T a power of two.
struct HashedCorners2D: GridCorners2D {
    let mask: UInt32
    @inline(__always)
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        let m = SIMD8<UInt32>(repeating: mask)
        let y0 = y &* gridPrime1, y1 = y0 &+ gridPrime1, x1 = x &+ 1
        return ((x ^ y0) & m, (x1 ^ y0) & m, (x ^ y1) & m, (x1 ^ y1) & m)
    }
}

/// Row-major 2D level: `(x + y·res) mod entries` in 32-bit arithmetic. Groups whose corners all lie inside
/// the table skip the modulo; corners past the end but below twice the table size (the +0.5 offset's
/// wraparound at the far border) take one conditional subtraction; only inputs outside [0, 1] divide.
struct DenseCorners2D: GridCorners2D {
    let resolution: UInt32
    let entries: UInt32
    /// A base index below this has all four corners inside the table.
    let limit: UInt32
    /// A base index below this has all four corners below twice the table size.
    let wrapLimit: UInt32
    init(_ level: GridLevelKernel) {
        resolution = level.resolution
        entries = level.entries
        let reach = UInt64(level.resolution) + 1
        limit = UInt32(clamping: max(0, Int64(level.entries) - Int64(reach)))
        wrapLimit = UInt32(clamping: max(0, 2 * Int64(level.entries) - Int64(reach)))
    }
    @inline(__always)
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        let base = x &+ y &* resolution
        let b1 = base &+ resolution
        let c = (base, base &+ 1, b1, b1 &+ 1)
        let top = base.max()
        if top < limit { return c }
        let n = SIMD8<UInt32>(repeating: entries)
        if top < wrapLimit {
            return (pointwiseMin(c.0, c.0 &- n), pointwiseMin(c.1, c.1 &- n), pointwiseMin(c.2, c.2 &- n), pointwiseMin(c.3, c.3 &- n))
        }
        return (c.0 % n, c.1 % n, c.2 % n, c.3 % n)
    }
}

/// Hand-specialised 2D kernels for bilinear interpolation, one level over a range of points, 8 points at a
/// time: positions, cells, hashes and weights in AVX2 vectors, then one feature-vector load per corner and
/// point. A short last group is zero-padded and goes through the same code, so every point gets bit-identical
/// results however the range is split. Pointers are byte addresses: `table` is the level's first entry,
/// `rows` (output or output gradient) the level's first column of row 0, advancing `rowBytes` per point.
enum GridKernels2D {
    /// The cells of points `i ..< i + n` (n ≤ 8): corner indices and bilinear weights.
    struct Group {
        var c00, c10, c01, c11: SIMD8<UInt32>
        var w00, w10, w01, w11: SIMD8<Float>
        var fx, fy: SIMD8<Float>
    }

    @inline(__always)
    static func group<C: GridCorners2D>(_ corners: C, _ scale: Float, _ points: UnsafeRawPointer, _ i: Int, _ n: Int) -> Group {
        var x = SIMD8<Float>(), y = SIMD8<Float>()
        if n == 8 {
            let v = points.loadUnaligned(fromByteOffset: i &* 8, as: SIMD16<Float>.self)
            x = v.evenHalf
            y = v.oddHalf
        } else {
            for j in 0..<n {
                x[j] = points.loadUnaligned(fromByteOffset: (i &+ j) &* 8, as: Float.self)
                y[j] = points.loadUnaligned(fromByteOffset: (i &+ j) &* 8 &+ 4, as: Float.self)
            }
        }
        let s = SIMD8<Float>(repeating: scale), half = SIMD8<Float>(repeating: 0.5)
        let (gx, fx) = gridWideCell(half.addingProduct(x, s))
        let (gy, fy) = gridWideCell(half.addingProduct(y, s))
        let (c00, c10, c01, c11) = corners.corners(gx, gy)
        let one = SIMD8<Float>(repeating: 1)
        let ox = one - fx, oy = one - fy
        return Group(c00: c00, c10: c10, c01: c01, c11: c11, w00: ox * oy, w10: fx * oy, w01: ox * fy, w11: fx * fy,
                     fx: fx, fy: fy)
    }

    /// Writes the level's features of each point.
    @inline(__always)
    static func forward<V: GridFeatureVector, C: GridCorners2D>(_: V.Type, corners: C, scale: Float, table: UnsafeRawPointer,
                                                               input: UnsafePointer<Float>, output: UnsafeMutableRawPointer,
                                                               rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        let points = UnsafeRawPointer(input)
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                let g = group(corners, scale, points, i, n)
                lane.store(0, g.c00, g.w00); lane.store(1, g.c10, g.w10); lane.store(2, g.c01, g.w01); lane.store(3, g.c11, g.w11)
                @inline(__always) func emit(_ j: Int) {
                    var acc = V.load(table, lane.index(0, j) &* vb).scaled(lane.weight(0, j))
                    acc = acc.adding(V.load(table, lane.index(1, j) &* vb), times: lane.weight(1, j))
                    acc = acc.adding(V.load(table, lane.index(2, j) &* vb), times: lane.weight(2, j))
                    acc = acc.adding(V.load(table, lane.index(3, j) &* vb), times: lane.weight(3, j))
                    acc.store(output, (i &+ j) &* rowBytes)
                }
                if n == 8 {
                    emit(0); emit(1); emit(2); emit(3); emit(4); emit(5); emit(6); emit(7)
                } else {
                    for j in 0..<n { emit(j) }
                }
                i &+= 8
            }
        }
    }

    /// Scatter-adds each point's output gradient into the level's table gradient (one worker per level, so
    /// the read-modify-writes need no atomics).
    @inline(__always)
    static func backward<V: GridFeatureVector, C: GridCorners2D>(_: V.Type, corners: C, scale: Float, gradient: UnsafeMutableRawPointer,
                                                                input: UnsafePointer<Float>, outputGradient: UnsafeRawPointer,
                                                                rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        let grad = UnsafeRawPointer(gradient)
        let points = UnsafeRawPointer(input)
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                let g = group(corners, scale, points, i, n)
                lane.store(0, g.c00, g.w00); lane.store(1, g.c10, g.w10); lane.store(2, g.c01, g.w01); lane.store(3, g.c11, g.w11)
                for j in 0..<n {
                    let d = V.load(outputGradient, (i &+ j) &* rowBytes)
                    for c in 0..<4 {
                        let b = lane.index(c, j) &* vb
                        V.load(grad, b).adding(d, times: lane.weight(c, j)).store(gradient, b)
                    }
                }
                i &+= 8
            }
        }
    }

    /// Adds the level's contribution to dL/dx of each point (`inputGradient` rows of 2 floats).
    @inline(__always)
    static func inputGradient<V: GridFeatureVector, C: GridCorners2D>(_: V.Type, corners: C, scale: Float, table: UnsafeRawPointer,
                                                                     input: UnsafePointer<Float>, outputGradient: UnsafeRawPointer,
                                                                     rowBytes: Int, inputGradient: UnsafeMutablePointer<Float>,
                                                                     range: Range<Int>) {
        let vb = V.width &* 4
        let points = UnsafeRawPointer(input)
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                let g = group(corners, scale, points, i, n)
                lane.store(0, g.c00, g.w00); lane.store(1, g.c10, g.w10); lane.store(2, g.c01, g.w01); lane.store(3, g.c11, g.w11)
                lane.storeFraction(0, g.fx); lane.storeFraction(1, g.fy)
                for j in 0..<n {
                    let row = i &+ j
                    let d = V.load(outputGradient, row &* rowBytes)
                    let e00 = d.dot(V.load(table, lane.index(0, j) &* vb)), e10 = d.dot(V.load(table, lane.index(1, j) &* vb))
                    let e01 = d.dot(V.load(table, lane.index(2, j) &* vb)), e11 = d.dot(V.load(table, lane.index(3, j) &* vb))
                    let fx = lane.fraction(0, j), fy = lane.fraction(1, j)
                    let ddx = (1 - fy) * (e10 - e00) + fy * (e11 - e01)
                    let ddy = (1 - fx) * (e01 - e00) + fx * (e11 - e10)
                    inputGradient[2 &* row] += scale * ddx
                    inputGradient[2 &* row &+ 1] += scale * ddy
                }
                i &+= 8
            }
        }
    }
}
