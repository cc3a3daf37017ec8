import Foundation
import FieldIO

/// One level of a multiresolution grid: its scale, resolution, and where its vertices live in the table.
public struct GridLevel: Sendable, Equatable {
    /// `base_resolution · per_level_scale^l − 1`; an input `x` lands at `x·scale + 0.5` in vertex units.
    public let scale: Float
    /// Vertices per axis: `ceil(scale) + 1`.
    public let resolution: Int
    /// Table entries of this level (each holds `featuresPerLevel` floats).
    public let entries: Int
    /// The level's first entry inside the whole table.
    public let offset: Int
    /// Whether vertices are hashed into the table (true) or indexed row-major (false).
    public let hashed: Bool
}

/// The level layout of a tiny-cuda-nn grid encoding, computed exactly as tcnn does (`grid.h`):
/// scale `N_min·b^l − 1` (in Float, via `exp2(l·log2 b)`), resolution `ceil(scale) + 1`, table size
/// `res^d` rounded up to a multiple of 8, capped at `2^log2_hashmap_size` (Hash) or `N_min^d` (Tiled);
/// a Hash level is hashed only when its dense size exceeds its table.
public struct GridGeometry: Sendable, Equatable {
    /// Input dimensions (1–4).
    public let dimensions: Int
    /// Floats per vertex (1, 2, 4 or 8).
    public let featuresPerLevel: Int
    /// The levels, coarsest first.
    public let levels: [GridLevel]
    /// Entries over all levels; the table holds `totalEntries · featuresPerLevel` floats.
    public let totalEntries: Int

    /// The largest resolution whose row-major index `Σ x_i·res^i` cannot overflow 32 bits (tcnn's `MAX_BASES`).
    static func maximumDenseResolution(dimensions: Int) -> Int {
        [0, 0xFFFF_FFFF, 0xFFFF, 0x659, 0xFF][dimensions]
    }

    /// Computes the layout; throws for values that make no sense or would not fit in memory.
    /// Errors carry the offending tcnn key (e.g. `log2_hashmap_size`) as their location.
    public init(dimensions: Int, type: GridType, levelCount: Int, featuresPerLevel: Int, log2HashmapSize: Int,
                baseResolution: Int, perLevelScale: Double) throws(FieldError) {
        guard (1...4).contains(dimensions) else {
            throw FieldError("a grid encodes 1 to 4 input dimensions, got \(dimensions)")
        }
        guard (1...128).contains(levelCount) else {
            throw FieldError(location: "n_levels", "expected 1...128 levels, got \(levelCount)")
        }
        guard [1, 2, 4, 8].contains(featuresPerLevel) else {
            throw FieldError(location: "n_features_per_level", "expected 1, 2, 4 or 8, got \(featuresPerLevel)")
        }
        guard (1...31).contains(log2HashmapSize) else {
            throw FieldError(location: "log2_hashmap_size", "expected an integer in 1...31, got \(log2HashmapSize)")
        }
        let maxScale = 16_777_216  // 2^24: beyond this a Float position has no fractional bits left
        guard (1...maxScale).contains(baseResolution) else {
            throw FieldError(location: "base_resolution", "expected an integer in 1...\(maxScale), got \(baseResolution)")
        }
        guard perLevelScale.isFinite, perLevelScale > 0 else {
            throw FieldError(location: "per_level_scale", "expected a positive number, got \(perLevelScale)")
        }
        let log2b = log2(Float(perLevelScale))
        let hashEntries = 1 << log2HashmapSize
        let maxParams = Int(UInt32.max / 2)
        let maxBase = GridGeometry.maximumDenseResolution(dimensions: dimensions)
        var levels: [GridLevel] = []
        var offset = 0
        for l in 0..<levelCount {
            let scale = exp2(Float(l) * log2b) * Float(baseResolution) - 1
            guard scale >= 0 else {
                throw FieldError(location: "per_level_scale",
                                 "\(perLevelScale) makes level \(l) coarser than one cell (scale \(scale))")
            }
            guard scale <= Float(maxScale) else {
                throw FieldError(location: "per_level_scale",
                                 "\(perLevelScale) gives level \(l) a resolution of \(Int(scale.rounded(.up)) + 1); at most \(maxScale) is supported")
            }
            let resolution = Int(scale.rounded(.up)) + 1
            let denseVertices = pow(Double(resolution), Double(dimensions))
            var entries = denseVertices > Double(maxParams) ? maxParams : GridGeometry.power(resolution, dimensions)
            entries = (entries + 7) / 8 * 8
            switch type {
            case .dense: break
            case .tiled: entries = min(entries, GridGeometry.power(baseResolution, dimensions))
            case .hash: entries = min(entries, hashEntries)
            }
            let fitsDense = resolution <= maxBase
            let hashed = type == .hash && (!fitsDense || Double(entries) < denseVertices)
            if !hashed && !fitsDense {
                throw FieldError(location: "per_level_scale",
                                 "level \(l) has resolution \(resolution), too fine for \(type.rawValue) indexing in \(dimensions)D (at most \(maxBase))")
            }
            levels.append(GridLevel(scale: scale, resolution: resolution, entries: entries, offset: offset, hashed: hashed))
            offset += entries
        }
        self.dimensions = dimensions
        self.featuresPerLevel = featuresPerLevel
        self.levels = levels
        self.totalEntries = offset

        // Training holds the values, their gradients and two optimizer moments: 4 floats per parameter.
        let parameterBytes = Double(offset) * Double(featuresPerLevel) * 4
        let neededBytes = parameterBytes * 4
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        if neededBytes > physical {
            let key = type == .hash ? "log2_hashmap_size" : "per_level_scale"
            throw FieldError(location: key,
                             "the grid table needs \(GridGeometry.gibibytes(neededBytes)) (\(GridGeometry.gibibytes(parameterBytes)) of parameters, ×4 for gradients and optimizer state), more than this machine's \(GridGeometry.gibibytes(physical))")
        }
    }

    /// The number of parameters (floats) of the whole table.
    public var parameterCount: Int { totalEntries * featuresPerLevel }

    static func power(_ base: Int, _ exponent: Int) -> Int {
        var r = 1
        for _ in 0..<exponent { r = r.multipliedReportingOverflow(by: base).overflow ? Int.max / 2 : r * base }
        return r
    }

    static func gibibytes(_ bytes: Double) -> String {
        let g = bytes / 1_073_741_824
        return String(format: "%.1f GiB", g)
    }
}
