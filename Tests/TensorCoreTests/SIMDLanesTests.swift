import Testing
import TensorCore

/// The eight-lane helpers' fixed orders and tails: what the network, encoding and geometry kernels rely on
/// for bit-identical results.
@Suite struct SIMDLanesTests {
    @Test func sumsAddInTheirFixedOrder() {
        // Magnitudes chosen so that any other association rounds differently.
        let v = SIMD8<Float>(1e8, 1, -1e8, 3, 7, 0.5, 2, 0.25)
        let a = (v[0] + v[4]) + (v[2] + v[6]), b = (v[1] + v[5]) + (v[3] + v[7])
        #expect(SIMDLanes.sum(v).bitPattern == (a + b).bitPattern)
        let x = SIMD4<Float>(1e8, 1, -1e8, 3)
        #expect(SIMDLanes.sum(x).bitPattern == ((x[0] + x[2]) + (x[1] + x[3])).bitPattern)
    }

    @Test func minimaAndMaximaAgreeOnOrdinaryValues() {
        let v = SIMD8<Float>(3, -2, 5, 0.5, -7, 9, 1, 4)
        #expect(SIMDLanes.min(v) == -7 && SIMDLanes.pairwiseMin(v) == -7 && SIMDLanes.max(v) == 9)
        let w = SIMD8<Float>(repeating: 1)
        #expect(SIMDLanes.minimum(v, w) == v.replacing(with: 1, where: v .> 1))
        #expect(SIMDLanes.maximum(v, w) == v.replacing(with: 1, where: v .< 1))
    }

    @Test func partialLoadsAndStoresTouchOnlyTheirLanes() {
        var source: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        var target = [Float](repeating: -1, count: 8)
        source.withUnsafeMutableBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                let v = SIMDLanes.load(s.baseAddress!, 3, fill: 9)
                #expect(v == SIMD8<Float>(1, 2, 3, 9, 9, 9, 9, 9))
                SIMDLanes.store(v, t.baseAddress!, 3)
            }
        }
        #expect(target == [1, 2, 3, -1, -1, -1, -1, -1])
        #expect(SIMDLanes.mask(3) == (SIMDLanes.iota .< 3))
    }

    @Test func squareRootsAndMasks() {
        let x = SIMD8<Float>(0, 1, 2, 4, 9, 0.25, 1e-20, 3e7)
        for l in 0..<8 { #expect(SIMDLanes.squareRoot(x)[l] == x[l].squareRoot()) }
        #expect(SIMDLanes.lessMask(SIMD4(1, 5, 2, .nan), SIMD4(2, 4, 3, 1)) == 0b0101)
        #expect(SIMDLanes.equalMask(x, x.replacing(with: -1, where: x .> 3)) == 0b0110_0111)
        #expect(SIMDLanes.keepWhereLess(SIMD4(7, 7, 7, 7), SIMD4(1, 5, 2, 0), SIMD4(2, 4, 3, 0)) == SIMD4(7, 0, 7, 0))
    }
}
