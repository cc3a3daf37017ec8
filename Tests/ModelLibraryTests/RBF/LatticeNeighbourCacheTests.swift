import FieldIO
import Foundation
@testable import ModelLibrary
import TensorCore
import Testing

/// The RBF encoding's lattice cache (each pixel centre's neighbours and φ̃ computed once): results are
/// bit-identical to computing every point, points off the lattice still work, and a change of kernels refills it.
struct LatticeNeighbourCacheTests {
    /// A `width × height` lattice of pixel centres, computed as `ImageTask` does.
    static func lattice(width: Int, height: Int) -> InputLattice {
        let points = FloatBuffer(count: width * height * 2)
        let invW = 1 / Float(width), invH = 1 / Float(height)
        for y in 0..<height {
            for x in 0..<width {
                points[2 * (y * width + x)] = (Float(x) + 0.5) * invW
                points[2 * (y * width + x) + 1] = (Float(y) + 0.5) * invH
            }
        }
        return InputLattice(width: width, height: height, points: points)
    }

    static let hybrid = #"{"otype": "RBF", "n_kernels": 30, "n_neighbors": 3, "n_channels": 12, "frequencies": [0.125, 64], "grid": {"otype": "HashGrid", "n_levels": 2, "n_features_per_level": 2, "log2_hashmap_size": 8, "base_resolution": 4}}"#

    /// Every lattice point plus a few off it (between pixel centres, outside [0, 1], not finite).
    static func queries(_ lattice: InputLattice) -> [Float] {
        lattice.points.array + [0.013, 0.5, 0.5, 0.51, -0.2, 1.3, 1, 1, .nan, 0.5]
    }

    @Test func cachedForwardIsBitIdenticalOnAndOffTheLattice() throws {
        let module = try RBFEncodingTests.make(LatticeNeighbourCacheTests.hybrid, inputWidth: 2)
        let store = DecoderTestSupport.bound(module, jitter: 0.02)
        _ = store
        let lattice = LatticeNeighbourCacheTests.lattice(width: 23, height: 17)
        let x = LatticeNeighbourCacheTests.queries(lattice), batch = x.count / 2
        let computed = DecoderTestSupport.forward(module, x, batch: batch, context: nil, threads: 2)
        module.useLattice(lattice)
        let cached = DecoderTestSupport.forward(module, x, batch: batch, context: module.makeContext(capacity: batch), threads: 2)
        let inferred = DecoderTestSupport.forward(module, x, batch: batch, context: nil, threads: 1)
        for i in 0..<(lattice.width * lattice.height + 4) * module.outputWidth {
            #expect(cached[i].bitPattern == computed[i].bitPattern && inferred[i].bitPattern == computed[i].bitPattern, "row \(i / module.outputWidth)")
        }
    }

    @Test func changedKernelsRefillTheCache() throws {
        let module = try RBFEncodingTests.make(LatticeNeighbourCacheTests.hybrid, inputWidth: 2)
        let store = DecoderTestSupport.bound(module, jitter: 0.02)
        let lattice = LatticeNeighbourCacheTests.lattice(width: 16, height: 16)
        module.useLattice(lattice)
        let x = lattice.points.array, batch = x.count / 2
        _ = DecoderTestSupport.forward(module, x, batch: batch, context: nil, threads: 2)
        // New shapes (as a checkpoint load would write them), then new centres.
        for name in ["shapes", "centres"] {
            let s = store.segments.first { $0.name == name }!
            for i in s.offset..<(s.offset + s.count) { store.values[i] *= 0.9 }
            let cached = DecoderTestSupport.forward(module, x, batch: batch, context: nil, threads: 2)
            let fresh = try RBFEncodingTests.make(LatticeNeighbourCacheTests.hybrid, inputWidth: 2)
            let freshStore = DecoderTestSupport.bound(fresh)
            freshStore.values.pointer.update(from: store.values.pointer, count: store.count)
            let computed = DecoderTestSupport.forward(fresh, x, batch: batch, context: nil, threads: 2)
            #expect(cached == computed, "after changing \(name)")
        }
    }

    /// Two trainers from one seed, one with the lattice cache: identical parameters after training steps on
    /// lattice batches.
    /// With trainable kernels the cache is not used (the kernels move every step), and training is unchanged too.
    @Test(arguments: [false, true])
    func trainingWithTheCacheIsBitIdentical(trainableKernels: Bool) throws {
        let lattice = LatticeNeighbourCacheTests.lattice(width: 32, height: 24)
        let encoding = trainableKernels
            ? LatticeNeighbourCacheTests.hybrid.replacingOccurrences(of: #""n_neighbors": 3,"#, with: #""n_neighbors": 3, "trainable_kernels": true,"#)
            : LatticeNeighbourCacheTests.hybrid
        func trained(cached: Bool) throws -> [Float] {
            let trainer = try ModelFactory.makeTrainer(
                encoding: try JSONParser.parse(encoding),
                network: try JSONParser.parse(#"{"otype": "FullyFusedMLP", "n_neurons": 16, "n_hidden_layers": 1}"#),
                loss: try JSONParser.parse(#"{"otype": "L2"}"#), optimizer: try JSONParser.parse(RBFFitTests.adam(1e-2)),
                inputWidth: 2, outputWidth: 3, batchCapacity: 256, seed: 7, file: "test.json")
            if cached {
                let modules = trainer.model.latticeCacheables
                #expect(modules.count == 1)
                for m in modules { m.useLattice(lattice) }
            }
            let pool = WorkerPool(threads: 2)
            let x = FloatBuffer(count: 256 * 2), y = FloatBuffer(count: 256 * 3)
            var rng = RandomGenerator(seed: 3)
            for _ in 0..<5 {
                for r in 0..<256 {
                    let s = rng.nextInt(below: lattice.width * lattice.height)
                    x[2 * r] = lattice.points[2 * s]; x[2 * r + 1] = lattice.points[2 * s + 1]
                    for c in 0..<3 { y[3 * r + c] = sin(Float(s * (c + 1)) * 0.01) * 0.5 + 0.5 }
                }
                trainer.step(input: x.pointer, target: y.pointer, batch: 256, pool: pool)
            }
            return trainer.store.values.array
        }
        let plain = try trained(cached: false), cached = try trained(cached: true)
        #expect(plain == cached)
    }

    @Test func memoryLimitsAndForeignPointsLimitTheCache() throws {
        let lattice = LatticeNeighbourCacheTests.lattice(width: 8, height: 8)
        #expect(LatticeNeighbourCache(lattice: lattice, neighbours: 3, maxWords: 64 * 8) != nil)
        #expect(LatticeNeighbourCache(lattice: lattice, neighbours: 3, maxWords: 64 * 8 - 1) == nil)
        // Points that are not the pixel centres: no cache (every point is then computed).
        let shifted = LatticeNeighbourCacheTests.lattice(width: 8, height: 8)
        shifted.points[5] += 1e-3
        #expect(LatticeNeighbourCache(lattice: shifted, neighbours: 3) == nil)
    }

    /// Slots run through 8 × 8 tiles: every pixel of a ragged lattice gets its own slot, found from its centre.
    @Test func everyPixelHasItsOwnSlot() throws {
        let lattice = LatticeNeighbourCacheTests.lattice(width: 19, height: 10)
        let cache = try #require(LatticeNeighbourCache(lattice: lattice, neighbours: 1))
        #expect(cache.slotCount == 3 * 2 * 64)
        var seen = Set<Int>()
        let view = cache.view
        for i in 0..<(19 * 10) {
            let record = try #require(view.record(of: lattice.points.pointer + 2 * i))
            let slot = (record - view.records) / view.recordBytes
            #expect(slot >= 0 && slot < cache.slotCount && (record - view.records) % view.recordBytes == 0)
            seen.insert(slot)
        }
        #expect(seen.count == 19 * 10)
    }
}
