import TensorCore

/// One layer of a KAN-family network (`inputWidth → outputWidth`), run by `KANNetwork` one block of rows
/// at a time so that a block's intermediate values stay in cache and no layer needs batch-sized scratch.
///
/// Contract (all pointers are the layer's own slices):
/// - `prepare` runs on the calling thread before the blocks of every forward and backward pass; layers
///   that expand shared coefficients into per-channel tables do it there (layer-owned memory, so one
///   network must not run two passes at once — as `MLP`'s inference scratch).
/// - `forwardBlock` overwrites `y` (`rows × outputWidth`) from `x` (`rows × inputWidth`) using at most
///   `forwardScratch(rows:)` floats of `scratch`.
/// - `backwardBlock` recomputes what it needs from `x`, **adds** its parameter-gradient contribution to
///   `partial` (`partialCount` floats, one copy per reduction slot) and, when `dx` is non-nil, overwrites it
///   with dL/dx; it uses at most `backwardScratch(rows:)` floats of `scratch`.
/// - `reduce` adds the slot partials to the gradients (slot order, so results never depend on threads).
/// Nothing allocates in any of these.
protocol KANLayer: AnyObject {
    /// Columns in.
    var inputWidth: Int { get }
    /// Columns out.
    var outputWidth: Int { get }
    /// The layer's parameter tensors (names relative to the layer), in storage order.
    var parameterTensors: [ParameterTensor] { get }
    /// Floats of gradient partials per reduction slot (the parameter count, or more when the layer sums
    /// per-channel terms that `reduce` folds into shared coefficients).
    var partialCount: Int { get }
    /// Writes initial parameter values.
    func initialize(_ values: UnsafeMutablePointer<Float>, rng: inout RandomGenerator)
    /// Scratch floats a forward block of `rows` rows needs.
    func forwardScratch(rows: Int) -> Int
    /// Scratch floats a backward block of `rows` rows needs.
    func backwardScratch(rows: Int) -> Int
    /// Per-pass setup from the current parameter values (single-threaded).
    func prepare(_ values: UnsafePointer<Float>)
    /// `y = layer(x)` for one block of rows.
    func forwardBlock(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int,
                      values: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>)
    /// Back-propagates `dy` for one block of rows (see the contract).
    func backwardBlock(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, rows: Int,
                       values: UnsafePointer<Float>, partial: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
    /// `gradients += Σ_s partials[s·stride …]` for `slots` slots, in slot order.
    func reduce(partials: UnsafePointer<Float>, stride: Int, slots: Int, values: UnsafePointer<Float>,
                into gradients: UnsafeMutablePointer<Float>)
}

extension KANLayer {
    /// The number of parameters.
    var parameterCount: Int { parameterTensors.reduce(0) { $0 + $1.count } }

    /// No per-pass setup by default.
    func prepare(_ values: UnsafePointer<Float>) {}

    /// Plain slot sum of `count` partial floats into the gradients.
    static func sumSlots(_ partials: UnsafePointer<Float>, stride: Int, slots: Int, count: Int,
                         into gradients: UnsafeMutablePointer<Float>) {
        var i = 0
        while i < count {
            let n = min(8, count &- i)
            var acc = SIMDLanes.load(gradients + i, n)
            for s in 0..<slots { acc += SIMDLanes.load(partials + (s &* stride &+ i), n) }
            SIMDLanes.store(acc, gradients + i, n)
            i &+= 8
        }
    }
}
