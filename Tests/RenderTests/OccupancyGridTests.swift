import Foundation
import Testing
import TensorCore
@testable import Render

/// The occupancy grid: empty space found empty, occupied space kept, unseen cells never occupied.
struct OccupancyGridTests {
    /// Density of a ball of radius 0.2 at the centre: 100 inside, 0 outside.
    func ball(_ points: UnsafePointer<Float>, _ count: Int, _ sigma: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let p = SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2]) - 0.5
            sigma[i] = (p * p).sum() < 0.04 ? 100 : 0
        }
    }

    @Test func updatesMarkAKnownEmptyRegionEmpty() {
        let grid = OccupancyGrid(volume: RadianceVolume(aabbScale: 1), resolution: 16, cellsPerUpdate: 1024)
        #expect(grid.occupancy == 1)
        var rng = RandomGenerator(seed: 1)
        let pool = WorkerPool(threads: 2)
        // The tour visits 512 new cells an update: 8 updates cover all 4096.
        for _ in 0..<8 { grid.update(rng: &rng, pool: pool, density: ball) }
        #expect(!grid.isOccupied(SIMD3(0.05, 0.05, 0.05)))
        #expect(!grid.isOccupied(SIMD3(0.9, 0.5, 0.5)))
        #expect(grid.isOccupied(SIMD3(0.5, 0.5, 0.5)))
        #expect(grid.isOccupied(SIMD3(0.6, 0.5, 0.45)))
        // About the ball's share of the cube (4/3·π·0.2³ ≈ 3.4 %, more with the boundary cells).
        #expect(grid.occupancy > 0.02 && grid.occupancy < 0.12, "\(grid.occupancy)")
    }

    @Test func rebuildMatchesTheDensityAndUnseenCellsStayEmpty() {
        let grid = OccupancyGrid(volume: RadianceVolume(aabbScale: 1), resolution: 16, cellsPerUpdate: 1000)
        let pool = WorkerPool(threads: 1)
        grid.markUnseen(pool: pool) { $0.x < 0.5 }
        grid.rebuild(pool: pool, density: ball)
        #expect(grid.isOccupied(SIMD3(0.45, 0.5, 0.5)))
        #expect(!grid.isOccupied(SIMD3(0.55, 0.5, 0.5)))
        #expect(!grid.isOccupied(SIMD3(0.1, 0.1, 0.1)))
    }

    @Test func cascadesCoverGrowingCubes() {
        let grid = OccupancyGrid(volume: RadianceVolume(aabbScale: 4), resolution: 8, cellsPerUpdate: 64)
        #expect(grid.volume.cascades == 3)
        #expect(grid.cascade(of: SIMD3(0.5, 0.5, 0.5)) == 0)
        #expect(grid.cascade(of: SIMD3(1.0, 0.5, 0.5)) == 0)
        #expect(grid.cascade(of: SIMD3(1.2, 0.5, 0.5)) == 1)
        #expect(grid.cascade(of: SIMD3(-1.2, 0.5, 0.5)) == 2)
        #expect(grid.cascade(of: SIMD3(3.0, 0.5, 0.5)) == 3)
    }
}
