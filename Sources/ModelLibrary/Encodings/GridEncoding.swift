import Foundation
import TensorCore
import FieldIO

/// tiny-cuda-nn's multiresolution grid encoding (`Grid`/`HashGrid`/`DenseGrid`/`TiledGrid`), one
/// implementation configured by `GridType`: per level, the input is scaled to `x·scale + 0.5`, the cell's
/// 2^d corner features are looked up (row-major while the level fits its table, coherent-prime hash beyond)
/// and blended; the levels' features are concatenated, level 0 first: output row = [L·F].
///
/// How the work is laid out (all of it deterministic for any thread count):
/// - training forward (a context from `makeContext`): levels run in parallel, each sweeping all points into its
///   own level-major slice of the context's scratch (its table stays cached, writes stream), then the slices
///   are interleaved into the rows, points split across workers;
/// - inference forward (no context): points split across workers; level groups (`levelGroups`, tables of at
///   most 8 MiB together) sweep the points in blocks whose rows stay cached;
/// - backward: the output gradient is transposed level-major, then each level's scatter-add into its own
///   table slice runs on one worker (race-free); the input gradient, computed only when asked, splits points
///   across workers and sums each point's levels in order.
/// 2D and 3D linear levels use hand-written 8-points-at-a-time AVX2 kernels; 1D, 4D, Nearest and Smoothstep
/// use the general kernel.
public final class GridEncoding: DifferentiableModule {
    /// The level layout (scales, resolutions, table sizes, hashed or dense).
    public let geometry: GridGeometry
    /// How levels index their vertices.
    public let type: GridType
    /// How corners are blended.
    public let interpolation: GridInterpolation
    /// `log2` of the per-level table cap (Hash).
    public let log2HashmapSize: Int
    /// Vertices per axis of level 0 (tcnn's `base_resolution`, N_min).
    public let baseResolution: Int
    /// The growth factor b between levels.
    public let perLevelScale: Double

    private let kernels: [GridLevelKernel]
    /// Consecutive levels whose tables the inference forward sweeps together (tables ≤ 8 MiB per group).
    public let levelGroups: [Range<Int>]
    private var values: UnsafeMutablePointer<Float>?
    private var gradients: UnsafeMutablePointer<Float>?

    /// tcnn's default growth factor: 2 for Hash/Tiled; `(256 / base)^(1/(L−1))` for Dense.
    public static func defaultPerLevelScale(type: GridType, levels: Int, baseResolution: Int) -> Double {
        guard type == .dense else { return 2 }
        guard levels > 1, baseResolution > 0 else { return 1 }
        return Double(exp(log(256 / Float(baseResolution)) / Float(levels - 1)))
    }

    /// A grid over `inputWidth` (1–4) dimensions. `perLevelScale` nil takes tcnn's default for `type`.
    /// Throws for invalid values (the error's location is the tcnn key) and for tables that cannot fit in memory.
    public init(inputWidth: Int, type: GridType = .hash, levels: Int = 16, featuresPerLevel: Int = 2,
                log2HashmapSize: Int = 19, baseResolution: Int = 16, perLevelScale: Double? = nil,
                interpolation: GridInterpolation = .linear) throws(FieldError) {
        let b = perLevelScale ?? GridEncoding.defaultPerLevelScale(type: type, levels: levels, baseResolution: baseResolution)
        geometry = try GridGeometry(dimensions: inputWidth, type: type, levelCount: levels, featuresPerLevel: featuresPerLevel,
                                    log2HashmapSize: log2HashmapSize, baseResolution: baseResolution, perLevelScale: b)
        self.type = type
        self.interpolation = interpolation
        self.log2HashmapSize = log2HashmapSize
        self.baseResolution = baseResolution
        self.perLevelScale = b
        kernels = geometry.levels.map(GridLevelKernel.init)
        levelGroups = GridEncoding.levelGroups(geometry)
    }

    /// The number of levels L.
    public var levelCount: Int { geometry.levels.count }
    /// Features per level F.
    public var featuresPerLevel: Int { geometry.featuresPerLevel }
    public var inputWidth: Int { geometry.dimensions }
    public var outputWidth: Int { geometry.levels.count * geometry.featuresPerLevel }

    /// One `nonMatrix` tensor per level, `level0`, `level1`, …, each `[entries, F]`, stored one after another.
    public var parameterTensors: [ParameterTensor] {
        geometry.levels.enumerated().map { l, level in
            ParameterTensor("level\(l)", shape: [level.entries, geometry.featuresPerLevel], kind: .nonMatrix)
        }
    }

    public func bind(_ binding: ParameterBinding) {
        values = binding.values
        gradients = binding.gradients
    }

    /// Uniform in ±1e-4, as tcnn.
    public func initializeParameters(_ rng: inout RandomGenerator) {
        guard let v = values else { preconditionFailure("GridEncoding: bind parameters before initializing them") }
        for i in 0..<geometry.parameterCount { v[i] = rng.nextFloat(-1e-4, 1e-4) }
    }

    /// Training scratch: a level-major (`[L][batch][F]`) copy of the output (forward) or output gradient
    /// (backward), so that each level reads or writes one contiguous stream instead of 8 bytes out of every
    /// 128-byte row. Nothing else is saved: backward recomputes cells from the input.
    final class Context: ModuleContext {
        let levelMajor: FloatBuffer
        init(capacity: Int, width: Int) {
            levelMajor = FloatBuffer(count: capacity * width)
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, width: outputWidth) }

    /// Level `l`'s work on `range`; `rows` is either the row-major batch (`levelMajor` 0) or the level-major
    /// scratch of a batch of `levelMajor` points.
    private func work(_ l: Int, table: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                      rows: UnsafeMutableRawPointer, levelMajor: Int = 0, range: Range<Int>) -> GridLevelWork {
        let f = geometry.featuresPerLevel
        let levelRows = levelMajor > 0 ? rows + (l &* levelMajor &* f &* 4) : rows + (l &* f &* 4)
        return GridLevelWork(level: kernels[l], dimensions: geometry.dimensions, interpolation: interpolation,
                             table: UnsafeMutableRawPointer(table + (geometry.levels[l].offset &* f)),
                             input: input, rows: levelRows, rowBytes: (levelMajor > 0 ? f : outputWidth) &* 4, range: range)
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard let table = values else { preconditionFailure("GridEncoding: forward before bind") }
        guard batch > 0 else { return }
        let f = geometry.featuresPerLevel, levels = levelCount
        let parts = min(pool.threads, (batch + 7) / 8)
        if let scratch = context as? Context, scratch.capacity >= batch {
            // Training: each level sweeps all points into its own contiguous slice of the scratch (its table stays
            // cached, writes stream), then the slices are interleaved into the rows.
            let soa = UnsafeMutableRawPointer(scratch.levelMajor.pointer)
            pool.parallelFor(levels) { l in
                runWithFeatureVector(f, GridForwardTask(work: work(l, table: table, input: input, rows: soa, levelMajor: batch,
                                                                   range: 0..<batch)))
            }
            let destination = UnsafeMutableRawPointer(output), width = outputWidth
            pool.parallelFor(parts) { part in
                runWithFeatureVector(f, GridInterleaveTask(source: soa, destination: destination, levels: levels, rowFloats: width,
                                                           batch: batch, range: GridEncoding.part(part, of: parts, batch: batch)))
            }
            return
        }
        // Inference (no scratch): points split across workers; inside, level groups sweep the points block by
        // block, so the rows of a block stay cached while the group's levels fill them.
        let rows = UnsafeMutableRawPointer(output)
        let groups = levelGroups
        pool.parallelFor(parts) { part in
            let range = GridEncoding.part(part, of: parts, batch: batch)
            for group in groups {
                var start = range.lowerBound
                while start < range.upperBound {
                    let block = start..<min(start &+ GridEncoding.blockPoints, range.upperBound)
                    for l in group {
                        runWithFeatureVector(f, GridForwardTask(work: work(l, table: table, input: input, rows: rows, range: block)))
                    }
                    start = block.upperBound
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let table = values, let grad = gradients else { preconditionFailure("GridEncoding: backward before bind") }
        guard batch > 0 else { return }
        let f = geometry.featuresPerLevel, levels = levelCount, groups = levelGroups
        let parts = min(pool.threads, (batch + 7) / 8)
        var rows = UnsafeMutableRawPointer(mutating: outputGradient)
        var levelMajor = 0
        if let scratch = context as? Context, scratch.capacity >= batch {
            // Transpose dL/dy to level-major, points split across workers.
            let soa = UnsafeMutableRawPointer(scratch.levelMajor.pointer)
            let source = UnsafeRawPointer(outputGradient), width = outputWidth
            pool.parallelFor(parts) { part in
                runWithFeatureVector(f, GridTransposeTask(source: source, destination: soa, levels: levels, rowFloats: width,
                                                          batch: batch, range: GridEncoding.part(part, of: parts, batch: batch)))
            }
            rows = soa
            levelMajor = batch
            // Table gradients: each level belongs to one worker (race-free, deterministic scatter-add).
            pool.parallelFor(levels) { l in
                runWithFeatureVector(f, GridBackwardTask(work: work(l, table: grad, input: input, rows: soa, levelMajor: batch,
                                                                    range: 0..<batch)))
            }
        } else {
            // No scratch: level groups own their levels and sweep the rows block by block.
            let source = rows
            pool.parallelFor(groups.count) { g in
                var start = 0
                while start < batch {
                    let block = start..<min(start &+ GridEncoding.blockPoints, batch)
                    for l in groups[g] {
                        runWithFeatureVector(f, GridBackwardTask(work: work(l, table: grad, input: input, rows: source, range: block)))
                    }
                    start = block.upperBound
                }
            }
        }
        guard let dx = inputGradient else { return }
        // Input gradients: points split across workers; each point sums its levels in order 0..<L, so the
        // result does not depend on the number of workers.
        let d = geometry.dimensions, gradientRows = rows, stride = levelMajor
        pool.parallelFor(parts) { part in
            let range = GridEncoding.part(part, of: parts, batch: batch)
            (dx + (range.lowerBound &* d)).update(repeating: 0, count: range.count &* d)
            for group in groups {
                var start = range.lowerBound
                while start < range.upperBound {
                    let block = start..<min(start &+ GridEncoding.blockPoints, range.upperBound)
                    for l in group {
                        let w = work(l, table: table, input: input, rows: gradientRows, levelMajor: stride, range: block)
                        runWithFeatureVector(f, GridInputGradientTask(work: w, inputGradient: dx))
                    }
                    start = block.upperBound
                }
            }
        }
    }

    /// Points per block of the level-group sweeps (their rows stay in L2 while a group fills them).
    static let blockPoints = 256

    /// Level groups hold at most this many table bytes, so that a group's tables stay in the shared L3 cache.
    static let groupTableBytes = 8 << 20

    /// Consecutive levels grouped so that each group's tables fit `groupTableBytes` (a larger level stands alone).
    static func levelGroups(_ geometry: GridGeometry) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0, bytes = 0
        for (l, level) in geometry.levels.enumerated() {
            let b = level.entries * geometry.featuresPerLevel * 4
            if l > start && bytes + b > groupTableBytes {
                groups.append(start..<l)
                start = l
                bytes = 0
            }
            bytes += b
        }
        groups.append(start..<geometry.levels.count)
        return groups
    }

    /// Part `part` of `parts` contiguous point ranges, aligned to 8 points.
    static func part(_ part: Int, of parts: Int, batch: Int) -> Range<Int> {
        let groups = (batch + 7) / 8
        let lo = min(batch, groups * part / parts * 8), hi = min(batch, groups * (part + 1) / parts * 8)
        return lo..<hi
    }
}
