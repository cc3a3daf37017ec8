/// Maps eight 3D cells (their lower corners) to the table indices of their eight corners, corner `c` having
/// offsets (c & 1, c >> 1 & 1, c >> 2), and stores them with their weights into a lane buffer.
protocol GridCorners3D {
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>, _ z: SIMD8<UInt32>)
        -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>)
}

/// Hashed 3D level: `(x ⊕ y·π₁ ⊕ z·π₂) mod T` with T a power of two.
struct HashedCorners3D: GridCorners3D {
    let mask: UInt32
    @inline(__always)
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>, _ z: SIMD8<UInt32>)
        -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        let m = SIMD8<UInt32>(repeating: mask)
        let y0 = y &* gridPrime1, y1 = y0 &+ gridPrime1
        let z0 = z &* gridPrime2, z1 = z0 &+ gridPrime2
        let a00 = y0 ^ z0, a10 = y1 ^ z0, a01 = y0 ^ z1, a11 = y1 ^ z1
        let x1 = x &+ 1
        return ((x ^ a00) & m, (x1 ^ a00) & m, (x ^ a10) & m, (x1 ^ a10) & m,
                (x ^ a01) & m, (x1 ^ a01) & m, (x ^ a11) & m, (x1 ^ a11) & m)
    }
}

/// Row-major 3D level: `(x + y·res + z·res²) mod entries` in 32-bit arithmetic, with the same three paths
/// as `DenseCorners2D` (inside the table, one conditional subtraction, true modulo).
struct DenseCorners3D: GridCorners3D {
    let resolution: UInt32
    let plane: UInt32
    let entries: UInt32
    /// A base index below this has all eight corners inside the table.
    let limit: UInt32
    /// A base index below this has all eight corners below twice the table size.
    let wrapLimit: UInt32
    init(_ level: GridLevelKernel) {
        resolution = level.resolution
        plane = level.resolution &* level.resolution
        entries = level.entries
        let reach = Int64(level.resolution) * Int64(level.resolution) + Int64(level.resolution) + 1
        limit = UInt32(clamping: max(0, Int64(level.entries) - reach))
        wrapLimit = UInt32(clamping: max(0, 2 * Int64(level.entries) - reach))
    }
    @inline(__always)
    func corners(_ x: SIMD8<UInt32>, _ y: SIMD8<UInt32>, _ z: SIMD8<UInt32>)
        -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        let base = x &+ y &* resolution &+ z &* plane
        let b010 = base &+ resolution, b001 = base &+ plane, b011 = b001 &+ resolution
        let c = (base, base &+ 1, b010, b010 &+ 1, b001, b001 &+ 1, b011, b011 &+ 1)
        let top = base.max()
        if top < limit { return c }
        let n = SIMD8<UInt32>(repeating: entries)
        if top < wrapLimit {
            @inline(__always) func wrap(_ v: SIMD8<UInt32>) -> SIMD8<UInt32> { pointwiseMin(v, v &- n) }
            return (wrap(c.0), wrap(c.1), wrap(c.2), wrap(c.3), wrap(c.4), wrap(c.5), wrap(c.6), wrap(c.7))
        }
        return (c.0 % n, c.1 % n, c.2 % n, c.3 % n, c.4 % n, c.5 % n, c.6 % n, c.7 % n)
    }
}

/// Hand-specialised 3D kernels for trilinear interpolation, 8 points at a time (same scheme and pointer
/// conventions as `GridKernels2D`).
enum GridKernels3D {
    /// Computes the cells of points `i ..< i + n` (n ≤ 8), stores corner indices and weights into `lane`
    /// and returns the fractional positions.
    @inline(__always)
    static func group<C: GridCorners3D>(_ corners: C, _ scale: Float, _ points: UnsafePointer<Float>, _ i: Int, _ n: Int,
                                        _ lane: GridLaneBuffer) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var x = SIMD8<Float>(), y = SIMD8<Float>(), z = SIMD8<Float>()
        if n == 8 {
            let p = points + i &* 3
            x = SIMD8(p[0], p[3], p[6], p[9], p[12], p[15], p[18], p[21])
            y = SIMD8(p[1], p[4], p[7], p[10], p[13], p[16], p[19], p[22])
            z = SIMD8(p[2], p[5], p[8], p[11], p[14], p[17], p[20], p[23])
        } else {
            for j in 0..<n {
                let k = (i &+ j) &* 3
                x[j] = points[k]
                y[j] = points[k &+ 1]
                z[j] = points[k &+ 2]
            }
        }
        let s = SIMD8<Float>(repeating: scale), half = SIMD8<Float>(repeating: 0.5), one = SIMD8<Float>(repeating: 1)
        let (gx, fx) = gridWideCell(half.addingProduct(x, s))
        let (gy, fy) = gridWideCell(half.addingProduct(y, s))
        let (gz, fz) = gridWideCell(half.addingProduct(z, s))
        let c = corners.corners(gx, gy, gz)
        let ox = one - fx, oy = one - fy, oz = one - fz
        let w00 = oy * oz, w10 = fy * oz, w01 = oy * fz, w11 = fy * fz
        lane.store(0, c.0, ox * w00); lane.store(1, c.1, fx * w00)
        lane.store(2, c.2, ox * w10); lane.store(3, c.3, fx * w10)
        lane.store(4, c.4, ox * w01); lane.store(5, c.5, fx * w01)
        lane.store(6, c.6, ox * w11); lane.store(7, c.7, fx * w11)
        return (fx, fy, fz)
    }

    /// Writes the level's features of each point.
    @inline(__always)
    static func forward<V: GridFeatureVector, C: GridCorners3D>(_: V.Type, corners: C, scale: Float, table: UnsafeRawPointer,
                                                               input: UnsafePointer<Float>, output: UnsafeMutableRawPointer,
                                                               rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                _ = group(corners, scale, input, i, n, lane)
                for j in 0..<n {
                    var acc = V.load(table, lane.index(0, j) &* vb).scaled(lane.weight(0, j))
                    for c in 1..<8 { acc = acc.adding(V.load(table, lane.index(c, j) &* vb), times: lane.weight(c, j)) }
                    acc.store(output, (i &+ j) &* rowBytes)
                }
                i &+= 8
            }
        }
    }

    /// Scatter-adds each point's output gradient into the level's table gradient (one worker per level, so
    /// the read-modify-writes need no atomics).
    @inline(__always)
    static func backward<V: GridFeatureVector, C: GridCorners3D>(_: V.Type, corners: C, scale: Float, gradient: UnsafeMutableRawPointer,
                                                                input: UnsafePointer<Float>, outputGradient: UnsafeRawPointer,
                                                                rowBytes: Int, range: Range<Int>) {
        let vb = V.width &* 4
        let grad = UnsafeRawPointer(gradient)
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                _ = group(corners, scale, input, i, n, lane)
                for j in 0..<n {
                    let d = V.load(outputGradient, (i &+ j) &* rowBytes)
                    for c in 0..<8 {
                        let b = lane.index(c, j) &* vb
                        V.load(grad, b).adding(d, times: lane.weight(c, j)).store(gradient, b)
                    }
                }
                i &+= 8
            }
        }
    }

    /// Adds the level's contribution to dL/dx of each point (`inputGradient` rows of 3 floats).
    @inline(__always)
    static func inputGradient<V: GridFeatureVector, C: GridCorners3D>(_: V.Type, corners: C, scale: Float, table: UnsafeRawPointer,
                                                                     input: UnsafePointer<Float>, outputGradient: UnsafeRawPointer,
                                                                     rowBytes: Int, inputGradient: UnsafeMutablePointer<Float>,
                                                                     range: Range<Int>) {
        let vb = V.width &* 4
        withGridLaneBuffer { lane in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(8, range.upperBound &- i)
                let (fxs, fys, fzs) = group(corners, scale, input, i, n, lane)
                lane.storeFraction(0, fxs); lane.storeFraction(1, fys); lane.storeFraction(2, fzs)
                for j in 0..<n {
                    let row = i &+ j
                    let d = V.load(outputGradient, row &* rowBytes)
                    let e0 = d.dot(V.load(table, lane.index(0, j) &* vb)), e1 = d.dot(V.load(table, lane.index(1, j) &* vb))
                    let e2 = d.dot(V.load(table, lane.index(2, j) &* vb)), e3 = d.dot(V.load(table, lane.index(3, j) &* vb))
                    let e4 = d.dot(V.load(table, lane.index(4, j) &* vb)), e5 = d.dot(V.load(table, lane.index(5, j) &* vb))
                    let e6 = d.dot(V.load(table, lane.index(6, j) &* vb)), e7 = d.dot(V.load(table, lane.index(7, j) &* vb))
                    let fx = lane.fraction(0, j), fy = lane.fraction(1, j), fz = lane.fraction(2, j)
                    let ox = 1 - fx, oy = 1 - fy, oz = 1 - fz
                    let ddx = oy * oz * (e1 - e0) + fy * oz * (e3 - e2) + oy * fz * (e5 - e4) + fy * fz * (e7 - e6)
                    let ddy = ox * oz * (e2 - e0) + fx * oz * (e3 - e1) + ox * fz * (e6 - e4) + fx * fz * (e7 - e5)
                    let ddz = ox * oy * (e4 - e0) + fx * oy * (e5 - e1) + ox * fy * (e6 - e2) + fx * fy * (e7 - e3)
                    let k = row &* 3
                    inputGradient[k] += scale * ddx
                    inputGradient[k &+ 1] += scale * ddy
                    inputGradient[k &+ 2] += scale * ddz
                }
                i &+= 8
            }
        }
    }
}
