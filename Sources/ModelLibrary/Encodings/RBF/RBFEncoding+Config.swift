import FieldIO

extension RBFEncoding {
    /// `n_neighbors` when a scene does not give it: NeuRBF's 4 for images (2D), 8 for SDFs and NeRF (3D).
    public static func defaultNeighbours(dimensions: Int) -> Int { dimensions == 2 ? 4 : 8 }

    /// Reads the RBF keys (any case; docs/representations.md "RBF (NeuRBF)"): `n_kernels` (required, ≥ 1; the
    /// app resolves `"auto"` on a scene's top-level encoding before this, see `KernelBudget`),
    /// `n_neighbors` (4 in 2D, 8 in 3D; ≤ n_kernels), `kernel` ("InverseQuadratic" in 2D, "Tent" in 3D;
    /// or "Gaussian"),
    /// `normalize` (true), `n_channels` (32 in 2D, 16 in 3D), `frequencies` ([0.125, 4096] in 2D, [1, 8] in 3D),
    /// `trainable_kernels` (false), `centre_lr_scale` / `shape_lr_scale` / `weight_lr_scale` (1; the last for the
    /// weights and bias), `kmeans_iterations` (10),
    /// `alpha` (0.5), and `grid`, a nested grid encoding object for the hybrid. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        guard inputWidth == 2 || inputWidth == 3 else {
            throw FieldError(file: config.file, location: config.path,
                             "the RBF encoding takes 2D or 3D inputs, got \(inputWidth)D")
        }
        let d = inputWidth
        guard config.has("n_kernels") else {
            throw config.error("n_kernels", "missing: say how many RBF kernels to place (a positive integer)")
        }
        if case .string(let text)? = config.value("n_kernels"), text.lowercased() == "auto" {
            throw config.error("n_kernels", "\"auto\" is resolved only for the scene's top-level encoding; give a number of kernels here")
        }
        if config.has("auto_reference") {
            throw config.error("auto_reference", "is read only with \"n_kernels\": \"auto\" on the scene's top-level encoding")
        }
        let kernels = try config.int("n_kernels", default: 0)
        guard kernels > 0 else { throw config.error("n_kernels", "expected a positive number of kernels, got \(kernels)") }
        guard kernels <= 1 << 28 else {
            throw config.error("n_kernels", "\(kernels) kernels is more than the 268435456 the index supports")
        }
        let neighbours = try config.int("n_neighbors", default: RBFEncoding.defaultNeighbours(dimensions: d))
        guard neighbours >= 1, neighbours <= 64 else {
            throw config.error("n_neighbors", "expected 1...64 neighbours per point, got \(neighbours)")
        }
        guard neighbours <= kernels else {
            throw config.error("n_neighbors", "\(neighbours) neighbours per point but only \(kernels) kernels (n_kernels)")
        }
        let kernelName = try config.choice("kernel", RBFKernel.names, default: d == 2 ? "InverseQuadratic" : "Tent")
        let kernel = RBFKernel(rawValue: kernelName)!
        let normalize = try config.bool("normalize", default: true)
        let channels = try config.int("n_channels", default: d == 2 ? 32 : 16, in: 1...4096)
        var low: Double = d == 2 ? 0.125 : 1, high: Double = d == 2 ? 4096 : 8
        if let items = try config.array("frequencies") {
            guard items.count == 2, case .number(let a, _) = items[0], case .number(let b, _) = items[1] else {
                throw config.error("frequencies", "expected two numbers [lowest, highest]")
            }
            guard a > 0, b >= a, a.isFinite, b.isFinite, b <= 1e6 else {
                throw config.error("frequencies", "expected 0 < lowest ≤ highest ≤ 1e6, got [\(a), \(b)]")
            }
            (low, high) = (a, b)
        }
        let trainable = try config.bool("trainable_kernels", default: false)
        let centreScale = try config.double("centre_lr_scale", default: 1, in: 0...1e6)
        let shapeScale = try config.double("shape_lr_scale", default: 1, in: 0...1e6)
        let weightScale = try config.double("weight_lr_scale", default: 1, in: 0...1e6)
        let iterations = try config.int("kmeans_iterations", default: 10, in: 1...1000)
        let alpha = try config.double("alpha", default: 0.5, in: 1e-6...1e6)
        var grid: GridEncoding? = nil
        if let gridConfig = try config.object("grid") {
            grid = try GridEncoding(config: gridConfig, inputWidth: d)
            try gridConfig.finish()
        }
        // Values, gradients, Adam moments and the backward partial per kernel number, plus the index.
        let perKernel = Double(channels + d + kernel.shapeWidth(dimensions: d))
        let bytes = Double(kernels) * (perKernel * 24 + 48)
        try MemoryBudget.check(bytes: bytes, what: "\(kernels) RBF kernels", file: config.file, location: config.keyPath("n_kernels"))
        self.init(inputWidth: d, kernelCount: kernels, neighbours: neighbours, kernel: kernel, normalize: normalize,
                  channels: channels, frequencies: Float(low)...Float(high), trainableKernels: trainable,
                  centreLearningRateScale: Float(centreScale), shapeLearningRateScale: Float(shapeScale),
                  weightLearningRateScale: Float(weightScale),
                  kMeansIterations: iterations, alpha: alpha, grid: grid)
    }
}
