import FieldIO

/// COLMAP's triangulated points as a coloured point cloud PLY (binary little-endian; float x y z, uchar
/// red green blue), in the same normalised world as the capture's transforms.json.
enum SparsePointCloud {
    /// The PLY bytes of `points` with their `colors`.
    static func ply(points: [SIMD3<Double>], colors: [SIMD3<UInt8>]) -> [UInt8] {
        let header = """
        ply
        format binary_little_endian 1.0
        comment fieldfit process: COLMAP sparse points
        element vertex \(points.count)
        property float x
        property float y
        property float z
        property uchar red
        property uchar green
        property uchar blue
        end_header

        """
        var bytes = Array(header.utf8)
        bytes.reserveCapacity(bytes.count + points.count * 15)
        for (p, c) in zip(points, colors) {
            for k in 0..<3 {
                let bits = Float(p[k]).bitPattern
                for b in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(b)))) }
            }
            bytes += [c.x, c.y, c.z]
        }
        return bytes
    }
}
