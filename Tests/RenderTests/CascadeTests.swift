import Foundation
import Testing
import TensorCore
@testable import Render

/// Real captures' `aabb_scale` up to 128: one occupancy cascade per power of two (cascade k covers 2^k
/// times the unit box about its centre), steps growing with distance.
@Suite struct CascadeTests {
    @Test func aabbScale128HasEightCascadesAndGrowingSteps() {
        let volume = RadianceVolume(aabbScale: 128)
        #expect(volume.cascades == 8)
        #expect(volume.boxMin == SIMD3(repeating: -63.5) && volume.boxMax == SIMD3(repeating: 64.5))
        let grid = OccupancyGrid(volume: volume, resolution: 8, cellsPerUpdate: 1024)
        #expect(grid.cellCount == 8 * 512)
        #expect(grid.cascade(of: SIMD3(0.5, 0.5, 0.5)) == 0)
        #expect(grid.cascade(of: SIMD3(0.5, 0.5, 0.9)) == 0)
        #expect(grid.cascade(of: SIMD3(0.5, 0.5, 1.4)) == 1)      // |p − 0.5| < 1
        #expect(grid.cascade(of: SIMD3(0.5, 0.5, 2.3)) == 2)      // < 2
        #expect(grid.cascade(of: SIMD3(40, 0.5, 0.5)) == 7)       // < 64
        #expect(grid.cascade(of: SIMD3(80, 0.5, 0.5)) == 8)       // outside them all
        #expect(volume.stepSize(0.1) == volume.minStep)
        #expect(volume.stepSize(10) == 10 * volume.coneAngle && volume.stepSize(10) > volume.minStep)
        #expect(volume.stepSize(1e6) == volume.maxStep)
        // A ray across the whole box takes far fewer steps than at the smallest step throughout.
        let marcher = RayMarcher(grid: grid)
        var t: Float = 0
        let count = marcher.march(origin: SIMD3(-63, 0.5, 0.5), direction: SIMD3(1, 0, 0), t: &t, far: 127, maxSamples: 1 << 20) { _, _, _ in }
        #expect(count > 100 && Float(count) < 127 / volume.minStep / 10, "\(count)")
    }
}
