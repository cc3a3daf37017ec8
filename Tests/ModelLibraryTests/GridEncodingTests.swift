import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The multiresolution grid (Hash/Dense/Tiled): tcnn's layout, values, gradients, config and determinism.
struct GridEncodingTests {
    typealias S = EncodingTestSupport

    /// Small grids with both dense and hashed levels: 4 levels, base 4, growth 1.6 (resolutions 4, 7, 11, 17).
    static func mixedGrid(dims: Int, features: Int = 2, interpolation: GridInterpolation = .linear,
                          type: GridType = .hash) throws -> GridEncoding {
        let log2T = [1: 3, 2: 6, 3: 7, 4: 8][dims]!
        return try GridEncoding(inputWidth: dims, type: type, levels: 4, featuresPerLevel: features, log2HashmapSize: log2T,
                                baseResolution: 4, perLevelScale: 1.6, interpolation: interpolation)
    }

    /// tcnn's lookup, written independently of the kernels: d-linear (or nearest/smoothstep) blend of the
    /// corners of `x`'s cell on every level.
    static func reference(_ grid: GridEncoding, table: [Float], x: [Float]) -> [Float] {
        let d = grid.inputWidth, f = grid.featuresPerLevel
        let primes: [UInt32] = [1, 2_654_435_761, 805_459_861, 3_674_653_429]
        var out = [Float](repeating: 0, count: grid.outputWidth)
        for (l, level) in grid.geometry.levels.enumerated() {
            var cell = [UInt32](repeating: 0, count: d), frac = [Float](repeating: 0, count: d)
            for k in 0..<d {
                let p = Float(0.5).addingProduct(x[k], level.scale)
                let g = p.rounded(.down)
                cell[k] = UInt32(bitPattern: Int32(g))
                frac[k] = p - g
                if grid.interpolation == .smoothstep { frac[k] = frac[k] * frac[k] * (3 - 2 * frac[k]) }
            }
            func index(_ v: [UInt32]) -> Int {
                if level.hashed {
                    var h: UInt32 = 0
                    for k in 0..<d { h ^= v[k] &* primes[k] }
                    return Int(h % UInt32(level.entries))
                }
                var i: UInt32 = 0, stride: UInt32 = 1
                for k in 0..<d { i = i &+ v[k] &* stride; stride = stride &* UInt32(level.resolution) }
                return Int(i % UInt32(level.entries))
            }
            let corners = grid.interpolation == .nearest ? 1 : 1 << d
            for c in 0..<corners {
                var v = cell
                var w: Float = 1
                if grid.interpolation != .nearest {
                    for k in 0..<d {
                        if (c >> k) & 1 == 1 { v[k] &+= 1; w *= frac[k] } else { w *= 1 - frac[k] }
                    }
                }
                let e = (level.offset + index(v)) * f
                for j in 0..<f { out[l * f + j] += w * table[e + j] }
            }
        }
        return out
    }

    // MARK: layout

    @Test func tcnnDefault3DLayout() throws {
        let grid = try GridEncoding(config: S.config(#"{"otype": "HashGrid"}"#), inputWidth: 3)
        let levels = grid.geometry.levels
        #expect(levels.count == 16 && grid.featuresPerLevel == 2 && grid.outputWidth == 32)
        #expect(grid.type == .hash && grid.interpolation == .linear && grid.log2HashmapSize == 19)
        #expect(grid.baseResolution == 16 && grid.perLevelScale == 2)
        for (l, level) in levels.enumerated() {
            #expect(level.scale == Float(16 << l) - 1)
            #expect(level.resolution == 16 << l)
            #expect(level.entries == (l < 3 ? (16 << l) * (16 << l) * (16 << l) : 1 << 19))
            #expect(level.hashed == (l >= 3))
        }
        #expect(levels[3].offset == 4096 + 32768 + 262_144)
        #expect(grid.parameterCount == (4096 + 32768 + 262_144 + 13 * 524_288) * 2)
        #expect(grid.parameterTensors.map(\.name) == (0..<16).map { "level\($0)" })
        #expect(grid.parameterTensors.allSatisfy { $0.kind == .nonMatrix })
    }

    @Test func tcnnDefault2DLayoutSwitchesToHashingAbove2To19() throws {
        let grid = try GridEncoding(inputWidth: 2)
        let levels = grid.geometry.levels
        // Dense while res² ≤ 2^19: resolutions 16…512 (512² = 2^18), hashed from 1024 on.
        #expect(levels.prefix(6).map(\.entries) == [256, 1024, 4096, 16384, 65536, 262_144])
        #expect(levels.prefix(6).allSatisfy { !$0.hashed })
        #expect(levels.dropFirst(6).allSatisfy { $0.hashed && $0.entries == 1 << 19 })
    }

    @Test func tableSizesRoundUpToMultiplesOf8() throws {
        // Resolutions 4, 7, 11, 17 in 2D: 16, 49 → 56, then 121 and 289 exceed 2^6 and hash into 64.
        let grid = try Self.mixedGrid(dims: 2)
        #expect(grid.geometry.levels.map(\.resolution) == [4, 7, 11, 17])
        #expect(grid.geometry.levels.map(\.entries) == [16, 56, 64, 64])
        #expect(grid.geometry.levels.map(\.hashed) == [false, false, true, true])
    }

    @Test func denseGridDefaults() throws {
        let grid = try GridEncoding(config: S.config(#"{"otype": "DenseGrid", "n_levels": 8}"#), inputWidth: 3)
        #expect(grid.type == .dense)
        #expect(abs(grid.perLevelScale - pow(256.0 / 16.0, 1.0 / 7.0)) < 1e-5)
        #expect(grid.geometry.levels.allSatisfy { !$0.hashed && $0.entries == ($0.resolution * $0.resolution * $0.resolution + 7) / 8 * 8 })
        #expect((256...257).contains(grid.geometry.levels.last!.resolution))
    }

    @Test func denseVersusHashSwitchAtTheTableSize() throws {
        // One 2D level of resolution 16 (256 vertices): a 2^8 table holds it densely, a 2^7 table hashes it.
        let dense = try GridEncoding(inputWidth: 2, levels: 1, log2HashmapSize: 8, baseResolution: 16)
        let hashed = try GridEncoding(inputWidth: 2, levels: 1, log2HashmapSize: 7, baseResolution: 16)
        #expect(!dense.geometry.levels[0].hashed && dense.geometry.levels[0].entries == 256)
        #expect(hashed.geometry.levels[0].hashed && hashed.geometry.levels[0].entries == 128)
        for grid in [dense, hashed] { try expectMatchesReference(grid, batch: 37) }
    }

    @Test func tiledGridWrapsIntoBaseResolutionTables() throws {
        let grid = try GridEncoding(inputWidth: 2, type: .tiled, levels: 3, baseResolution: 4, perLevelScale: 2)
        #expect(grid.geometry.levels.map(\.entries) == [16, 16, 16])
        #expect(grid.geometry.levels.allSatisfy { !$0.hashed })
        try expectMatchesReference(grid, batch: 21)
    }

    // MARK: values

    func expectMatchesReference(_ grid: GridEncoding, batch: Int, seed: UInt64 = 5) throws {
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        var rng = RandomGenerator(seed: seed)
        for i in 0..<store.count { store.values[i] = rng.nextFloat(-1, 1) }
        let x = (0..<batch * grid.inputWidth).map { _ in rng.nextFloat() }
        var out = [Float](repeating: 0, count: batch * grid.outputWidth)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: nil, pool: WorkerPool(threads: 1))
        } }
        let table = store.values.array
        var worst: Float = 0
        for i in 0..<batch {
            let expected = Self.reference(grid, table: table, x: Array(x[i * grid.inputWidth..<(i + 1) * grid.inputWidth]))
            for j in 0..<grid.outputWidth { worst = max(worst, abs(out[i * grid.outputWidth + j] - expected[j])) }
        }
        #expect(worst < 2e-6, "max deviation from the hand-computed interpolation: \(worst)")
    }

    @Test(arguments: [1, 2, 3, 4])
    func featuresEqualHandComputedInterpolation(dims: Int) throws {
        for features in [1, 2, 4, 8] {
            try expectMatchesReference(try Self.mixedGrid(dims: dims, features: features), batch: 29)
        }
    }

    @Test(arguments: [GridInterpolation.nearest, .smoothstep])
    func otherInterpolationsEqualHandComputedValues(interpolation: GridInterpolation) throws {
        for dims in 1...4 { try expectMatchesReference(try Self.mixedGrid(dims: dims, interpolation: interpolation), batch: 19) }
    }

    @Test func onePointByHand() throws {
        // One dense 2D level of resolution 4 (scale 3): x = (0.25, 0.5) lands at (1.25, 2.0) → cell (1, 2),
        // weights (0.75, 0.25) along x and (1, 0) along y: 0.75·v(1,2) + 0.25·v(2,2), v at index x + 4y.
        let grid = try GridEncoding(inputWidth: 2, levels: 1, featuresPerLevel: 1, baseResolution: 4)
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        for i in 0..<store.count { store.values[i] = Float(i) }
        var out: [Float] = [0]
        let x: [Float] = [0.25, 0.5]
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 1, context: nil, pool: WorkerPool(threads: 1))
        } }
        #expect(abs(out[0] - (0.75 * 9 + 0.25 * 10)) < 1e-6)
    }

    @Test func initialisationIsUniformWithin1e4() throws {
        let grid = try Self.mixedGrid(dims: 3)
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        var rng = RandomGenerator(seed: 1)
        grid.initializeParameters(&rng)
        let v = store.values.array
        #expect(v.allSatisfy { abs($0) <= 1e-4 } && v.contains { $0 > 5e-5 } && v.contains { $0 < -5e-5 })
    }

    // MARK: gradients

    @Test(arguments: [1, 2, 3, 4])
    func gradientsMatchFiniteDifferences(dims: Int) throws {
        for interpolation in GridInterpolation.allCases {
            let grid = try Self.mixedGrid(dims: dims, interpolation: interpolation)
            #expect(grid.geometry.levels.contains { $0.hashed } && grid.geometry.levels.contains { !$0.hashed })
            let batch = 13
            let x = S.safePoints(grid, batch: batch, margin: 0.05)
            let params = GradientCheck.check(grid, input: x, batch: batch, epsilon: 1e-2, parameterJitter: 0.5,
                                             maxParameters: 300, checkInputs: false)
            #expect(params.parameterError < 5e-3, "\(dims)D \(interpolation) parameters: \(params)")
            let inputs = GradientCheck.check(grid, input: x, batch: batch, epsilon: 1e-3, parameterJitter: 0.5, maxParameters: 1)
            // Smoothstep is curved inside a cell, so its central differences carry an O(ε²) error on top of rounding.
            #expect(inputs.inputError < (interpolation == .smoothstep ? 5e-2 : 2e-2), "\(dims)D \(interpolation) inputs: \(inputs)")
        }
    }

    @Test func gradientsOfWideFeatureVectors() throws {
        for (dims, features) in [(2, 1), (2, 4), (3, 8), (3, 1), (4, 4)] {
            let grid = try Self.mixedGrid(dims: dims, features: features)
            let x = S.safePoints(grid, batch: 11, margin: 0.05)
            let r = GradientCheck.check(grid, input: x, batch: 11, epsilon: 1e-3, parameterJitter: 0.5, maxParameters: 200)
            #expect(r.parameterError < 2e-2 && r.inputError < 2e-2, "\(dims)D F=\(features): \(r)")
        }
    }

    @Test func backwardAccumulatesParameterGradientsAndOverwritesInputGradients() throws {
        let grid = try Self.mixedGrid(dims: 2)
        let x = S.safePoints(grid, batch: 9, margin: 0.01)
        let (_, once, dxOnce) = S.run(grid, input: x, batch: 9, threads: 1)
        // Backward twice on the same store: gradients double, input gradients stay.
        let pool = WorkerPool(threads: 1)
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        var rng = RandomGenerator(seed: 9)
        grid.initializeParameters(&rng)
        for i in 0..<store.count { store.values[i] += rng.nextFloat(-1, 1) }
        var dy = [Float](repeating: 0, count: 9 * grid.outputWidth)
        for i in 0..<dy.count { dy[i] = rng.nextFloat(-1, 1) }
        var out = [Float](repeating: 0, count: dy.count)
        var dx = [Float](repeating: 7, count: 18)
        let context = grid.makeContext(capacity: 9)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 9, context: context, pool: pool)
            }
            for _ in 0..<2 {
                out.withUnsafeBufferPointer { op in dy.withUnsafeBufferPointer { g in dx.withUnsafeMutableBufferPointer { d in
                    grid.backward(input: xp.baseAddress!, output: op.baseAddress!, outputGradient: g.baseAddress!,
                                  inputGradient: d.baseAddress!, batch: 9, context: context, pool: pool)
                } } }
            }
        }
        let twice = store.gradients.array
        #expect(zip(once, twice).allSatisfy { abs(2 * $0 - $1) <= 1e-6 * max(1, abs($1)) })
        #expect(dx == dxOnce)
    }

    // MARK: determinism and robustness

    @Test func oneAndTwoThreadsGiveIdenticalResults() throws {
        for (dims, features, interpolation) in [(2, 2, GridInterpolation.linear), (3, 2, .linear), (2, 4, .linear),
                                                (3, 8, .linear), (4, 2, .linear), (1, 1, .linear), (2, 2, .smoothstep)] {
            let grid = try Self.mixedGrid(dims: dims, features: features, interpolation: interpolation)
            var rng = RandomGenerator(seed: 11)
            let batch = 1001
            let x = (0..<batch * dims).map { _ in rng.nextFloat() }
            let one = S.run(grid, input: x, batch: batch, threads: 1)
            let two = S.run(grid, input: x, batch: batch, threads: 2)
            #expect(one.0 == two.0 && one.1 == two.1 && one.2 == two.2, "\(dims)D F=\(features) \(interpolation)")
        }
    }

    @Test func trainingAndInferenceForwardsAgreeBitForBit() throws {
        // With a context the forward goes level-major through scratch; without one it sweeps level groups in blocks.
        for (dims, features) in [(2, 2), (3, 4), (1, 8), (4, 1)] {
            let grid = try Self.mixedGrid(dims: dims, features: features)
            var rng = RandomGenerator(seed: 21)
            let batch = 777
            let x = (0..<batch * dims).map { _ in rng.nextFloat() }
            let store = ParameterStore(tensors: grid.parameterTensors)
            grid.bind(store.binding)
            for i in 0..<store.count { store.values[i] = rng.nextFloat(-1, 1) }
            var trained = [Float](repeating: 0, count: batch * grid.outputWidth)
            var inferred = trained
            let context = grid.makeContext(capacity: batch)
            x.withUnsafeBufferPointer { xp in
                trained.withUnsafeMutableBufferPointer { op in
                    grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: context, pool: WorkerPool(threads: 2))
                }
                inferred.withUnsafeMutableBufferPointer { op in
                    grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: batch, context: nil, pool: WorkerPool(threads: 2))
                }
            }
            #expect(trained == inferred, "\(dims)D F=\(features)")
        }
    }

    @Test func largeBatchOnManyLevelsIsDeterministicAcrossThreadCounts() throws {
        let grid = try GridEncoding(inputWidth: 3, levels: 16, log2HashmapSize: 14, baseResolution: 8, perLevelScale: 1.5)
        var rng = RandomGenerator(seed: 2)
        let batch = 5000
        let x = (0..<batch * 3).map { _ in rng.nextFloat() }
        let one = S.run(grid, input: x, batch: batch, threads: 1)
        let three = S.run(grid, input: x, batch: batch, threads: 3)
        #expect(one.0 == three.0 && one.1 == three.1 && one.2 == three.2)
    }

    @Test func outOfRangeAndNaNInputsDoNotCrash() throws {
        for dims in 1...4 {
            let grid = try Self.mixedGrid(dims: dims)
            let specials: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, -5, 7, 1, 0, -0.0, 3e9]
            let batch = specials.count
            let x = (0..<batch * dims).map { specials[($0 * 7 + $0 / dims) % specials.count] }
            let (out, grads, dx) = S.run(grid, input: x, batch: batch, threads: 2)
            #expect(out.allSatisfy(\.isFinite) && grads.allSatisfy(\.isFinite))
            _ = dx
        }
    }

    @Test func inputGradientIsSkippedWhenNotAsked() throws {
        let grid = try Self.mixedGrid(dims: 3)
        let store = ParameterStore(tensors: grid.parameterTensors)
        grid.bind(store.binding)
        let x: [Float] = [0.1, 0.2, 0.3], dy = [Float](repeating: 1, count: grid.outputWidth)
        var out = [Float](repeating: 0, count: grid.outputWidth)
        let context = grid.makeContext(capacity: 1)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in dy.withUnsafeBufferPointer { g in
            grid.forward(input: xp.baseAddress!, output: op.baseAddress!, batch: 1, context: context, pool: WorkerPool(threads: 1))
            grid.backward(input: xp.baseAddress!, output: op.baseAddress!, outputGradient: g.baseAddress!, inputGradient: nil,
                          batch: 1, context: context, pool: WorkerPool(threads: 1))
        } } }
        // Every level's 8 corner weights sum to 1, for each of the 2 features.
        #expect(abs(store.gradients.array.reduce(0, +) - Float(grid.levelCount * 2)) < 1e-4)
    }

    // MARK: config

    @Test func configKeysAreCaseInsensitive() throws {
        let c = try S.config(#"{"OTYPE": "hashgrid", "N_Levels": 5, "N_FEATURES_PER_LEVEL": 4, "Log2_HashMap_Size": 12, "Base_Resolution": 8, "Per_Level_Scale": 1.5, "INTERPOLATION": "smoothstep", "Type": "dense"}"#)
        let grid = try GridEncoding(config: c, inputWidth: 2)
        #expect(grid.levelCount == 5 && grid.featuresPerLevel == 4 && grid.log2HashmapSize == 12)
        #expect(grid.baseResolution == 8 && grid.perLevelScale == 1.5 && grid.interpolation == .smoothstep && grid.type == .dense)
        try c.finish()
    }

    @Test func everyTcnnKeyIsRead() throws {
        let c = try S.config(#"{"otype": "Grid", "type": "Hash", "n_features": 8, "n_features_per_level": 2, "log2_hashmap_size": 10, "base_resolution": 4, "per_level_scale": 1.5, "interpolation": "Linear", "hash": "CoherentPrime", "stochastic_interpolation": false, "fixed_point_pos": false}"#)
        let grid = try GridEncoding(config: c, inputWidth: 3)
        #expect(grid.levelCount == 4)
        try c.finish()
    }

    @Test func otypeSetsTheDefaultType() throws {
        #expect(try GridEncoding(config: S.config(#"{"otype": "TiledGrid", "n_levels": 2}"#), inputWidth: 2).type == .tiled)
        #expect(try GridEncoding(config: S.config(#"{"otype": "DenseGrid", "n_levels": 2}"#), inputWidth: 2).type == .dense)
        #expect(try GridEncoding(config: S.config(#"{"otype": "Grid", "n_levels": 2}"#), inputWidth: 2).type == .hash)
        #expect(try GridEncoding(config: S.config(#"{"n_levels": 2}"#), inputWidth: 2, otype: "DenseGrid").type == .dense)
    }

    @Test(arguments: [
        (#"{"n_levels": 0}"#, "encoding.n_levels"),
        (#"{"n_levels": "many"}"#, "encoding.n_levels"),
        (#"{"n_levels": 2.5}"#, "encoding.n_levels"),
        (#"{"n_features_per_level": 3}"#, "encoding.n_features_per_level"),
        (#"{"log2_hashmap_size": 40}"#, "encoding.log2_hashmap_size"),
        (#"{"log2_hashmap_size": -1}"#, "encoding.log2_hashmap_size"),
        (#"{"base_resolution": 0}"#, "encoding.base_resolution"),
        (#"{"per_level_scale": -1}"#, "encoding.per_level_scale"),
        (#"{"per_level_scale": 0}"#, "encoding.per_level_scale"),
        (#"{"per_level_scale": 100}"#, "encoding.per_level_scale"),
        (#"{"interpolation": "Cubic"}"#, "encoding.interpolation"),
        (#"{"type": "Octree"}"#, "encoding.type"),
        (#"{"hash": "Prime"}"#, "encoding.hash"),
        (#"{"stochastic_interpolation": true}"#, "encoding.stochastic_interpolation"),
        (#"{"fixed_point_pos": true}"#, "encoding.fixed_point_pos"),
        (#"{"n_features": 8, "n_levels": 4}"#, "encoding.n_features"),
        (#"{"n_features": 7}"#, "encoding.n_features"),
    ])
    func badValuesNameTheirKey(json: String, location: String) {
        let error = S.configError(json) { c, w throws(FieldError) in _ = try GridEncoding(config: c, inputWidth: w) }
        #expect(error?.location == location, "\(json): \(String(describing: error))")
        #expect(error?.file == "test.json")
    }

    @Test func tableTooLargeForMemorySaysHowMuchItNeeds() throws {
        let error = S.configError(#"{"otype": "HashGrid", "log2_hashmap_size": 31}"#) { c, w throws(FieldError) in
            _ = try GridEncoding(config: c, inputWidth: w)
        }
        #expect(error?.location == "encoding.log2_hashmap_size")
        let message = error?.message ?? ""
        #expect(message.contains("GiB") && message.contains("more than this machine"), "\(message)")
        let dense = S.configError(#"{"otype": "DenseGrid", "n_levels": 1, "base_resolution": 1500}"#) { c, w throws(FieldError) in
            _ = try GridEncoding(config: c, inputWidth: w)
        }
        #expect(dense != nil && (dense?.message.contains("GiB") ?? false), "\(String(describing: dense))")
    }

    @Test func unsupportedInputWidthIsAnError() {
        for width in [0, 5] {
            let error = S.configError(#"{"otype": "HashGrid"}"#, inputWidth: width) { c, w throws(FieldError) in
                _ = try GridEncoding(config: c, inputWidth: w)
            }
            #expect(error?.location == "encoding" && (error?.message.contains("1 to 4") ?? false))
        }
    }
}
