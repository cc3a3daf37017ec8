import Foundation
import Testing
import TensorCore
@testable import Render

/// Ray marching through the occupancy grid: samples exactly where a brute-force walk of the same step
/// lattice finds occupied cells.
struct RayMarcherTests {
    /// A 32³ grid with only the cells of the block [lo, hi)³ occupied.
    func blockGrid(lo: Int, hi: Int) -> OccupancyGrid {
        let grid = OccupancyGrid(volume: RadianceVolume(aabbScale: 1, stepsPerDiagonal: 256), resolution: 32, cellsPerUpdate: 1024)
        let r = grid.resolution
        for z in 0..<r { for y in 0..<r { for x in 0..<r {
            let inside = (lo..<hi).contains(x) && (lo..<hi).contains(y) && (lo..<hi).contains(z)
            grid.occupied[(z * r + y) * r + x] = inside ? 1 : 0
        } } }
        grid.refreshBlocks()
        return grid
    }

    @Test(arguments: [(10, 22), (2, 6), (17, 29)])
    func samplesExactlyTheOccupiedCellsOfTheLattice(lo: Int, hi: Int) {
        let grid = blockGrid(lo: lo, hi: hi)
        let marcher = RayMarcher(grid: grid)
        let volume = grid.volume
        let camera = Camera.lookAt(position: SIMD3(1.4, 1.1, 1.7), target: SIMD3(0.5, 0.5, 0.5), worldUp: SIMD3(0, 1, 0),
                                   fieldOfViewX: 40, width: 48, height: 48)
        var hits = 0
        for y in stride(from: 0, to: 48, by: 3) {
            for x in 0..<48 {
                let d = camera.rayDirection(pixelX: Float(x) + 0.5, pixelY: Float(y) + 0.5)
                guard let span = volume.clip(origin: camera.position, direction: d) else { continue }
                var t = span.near
                var marched: [Float] = []
                _ = marcher.march(origin: camera.position, direction: d, t: &t, far: span.far, maxSamples: 10_000) { _, s, _ in
                    marched.append(s)
                }
                var brute: [Float] = []
                var s = span.near
                while s < span.far {
                    if grid.isOccupied(camera.position + s * d) { brute.append(s) }
                    s += volume.minStep
                }
                #expect(marched.count == brute.count, "pixel (\(x), \(y)): \(marched.count) vs \(brute.count)")
                if marched.count == brute.count {
                    for (a, b) in zip(marched, brute) { #expect(abs(a - b) < 1e-4) }
                }
                if !brute.isEmpty { hits += 1 }
            }
        }
        #expect(hits > 0)
        #expect(grid.blockOccupied[0] == (lo < 8 ? 1 : 0))
    }
}
