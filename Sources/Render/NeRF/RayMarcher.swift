/// instant-ngp's ray marching through the occupancy grid: fixed steps (growing with distance when the
/// volume has a cone angle) where the grid is occupied; across an empty 8³ block or an empty cell it jumps
/// to where the ray leaves it, rounded up to whole steps, so samples stay on the ray's step lattice.
public struct RayMarcher {
    /// The grid whose bits decide where to sample.
    public let grid: OccupancyGrid
    /// The volume (box, steps).
    public var volume: RadianceVolume { grid.volume }

    /// A marcher over `grid`.
    public init(grid: OccupancyGrid) { self.grid = grid }

    /// Walks the ray from `t` (updated in place) towards `far`, calling `emit(position, t, dt)` for each
    /// sample in an occupied cell, until `far` or `maxSamples` samples; returns how many were emitted.
    /// Once it returns fewer than `maxSamples`, the ray is finished (`t ≥ far`).
    @inline(__always)
    public func march(origin: SIMD3<Float>, direction: SIMD3<Float>, t: inout Float, far: Float, maxSamples: Int,
                      emit: (SIMD3<Float>, Float, Float) -> Void) -> Int {
        let inverse = 1 / direction
        let cascades = volume.cascades
        var count = 0
        var s = t
        while s < far && count < maxSamples {
            let p = origin + s * direction
            let dt = volume.stepSize(s)
            let k = grid.cascade(of: p)
            if k >= cascades { s = far; break }
            if grid.blockOccupied[grid.blockIndex(p, cascade: k)] == 0 {
                let exit = grid.distanceToCellExit(p, direction, inverse: inverse, cascade: k, block: true)
                s += max(1, (exit / dt).rounded(.up)) * dt
            } else if grid.occupied[grid.cellIndex(p, cascade: k)] != 0 {
                emit(p, s, dt)
                count &+= 1
                s += dt
            } else {
                let exit = grid.distanceToCellExit(p, direction, inverse: inverse, cascade: k)
                s += max(1, (exit / dt).rounded(.up)) * dt
            }
        }
        t = s
        return count
    }

    /// The number of samples the ray from `t` to `far` would emit (at most `maxSamples`).
    @inline(__always)
    public func countSamples(origin: SIMD3<Float>, direction: SIMD3<Float>, t: Float, far: Float, maxSamples: Int) -> Int {
        var s = t
        return march(origin: origin, direction: direction, t: &s, far: far, maxSamples: maxSamples) { _, _, _ in }
    }
}
