import TensorCore

/// One dense layer `Y = X·W (+ b)` inside a network's flat parameter slice, with the three single-threaded
/// GEMMs a row block needs (the same layout and GEMM forms as `MLP`: W stored `[inputs, outputs]`).
struct DenseLayer {
    /// Input columns.
    var inputs: Int
    /// Output columns.
    var outputs: Int
    /// Offset of W (`inputs × outputs`) in the network's parameters.
    var weightOffset: Int
    /// Offset of b (`outputs`), or −1 without a bias.
    var biasOffset: Int

    /// Whether the layer has a bias.
    var hasBias: Bool { biasOffset >= 0 }

    /// A layer whose weights take the next `inputs × outputs` floats of `layout`; no bias until `placeBias`.
    init(inputs: Int, outputs: Int, layout: inout ParameterLayout) {
        self.inputs = inputs
        self.outputs = outputs
        weightOffset = layout.take(inputs * outputs)
        biasOffset = -1
    }

    /// tcnn's MLP shape from `layout`: `inputWidth → width`, `hiddenLayers − 1` × `width → width`,
    /// `width → outputWidth` (one layer `inputWidth → outputWidth` without hidden layers); all weights, then all
    /// biases when `biases`.
    static func stack(inputWidth: Int, width: Int, hiddenLayers: Int, outputWidth: Int, biases: Bool,
                      layout: inout ParameterLayout) -> [DenseLayer] {
        var layers = (0...hiddenLayers).map { l in
            DenseLayer(inputs: l == 0 ? inputWidth : width, outputs: l == hiddenLayers ? outputWidth : width, layout: &layout)
        }
        if biases { for l in layers.indices { layers[l].placeBias(&layout) } }
        return layers
    }

    /// Gives the layer a bias at the next `outputs` floats of `layout`.
    mutating func placeBias(_ layout: inout ParameterLayout) { biasOffset = layout.take(outputs) }

    /// W's tensor description (`[inputs, outputs]`, matrix).
    func weightTensor(_ name: String, learningRateScale: Float = 1) -> ParameterTensor {
        ParameterTensor(name, shape: [inputs, outputs], kind: .matrix, learningRateScale: learningRateScale)
    }

    /// b's tensor description (`[outputs]`, non-matrix).
    func biasTensor(_ name: String, learningRateScale: Float = 1) -> ParameterTensor {
        ParameterTensor(name, shape: [outputs], kind: .nonMatrix, learningRateScale: learningRateScale)
    }

    /// `y = x·W + beta·y` on `rows` rows (`x` with row stride `ldx`, `y` with `ldy`); the bias is not added.
    @inline(__always)
    func multiply(_ x: UnsafePointer<Float>, ldx: Int, rows: Int, values: UnsafeMutablePointer<Float>,
                  into y: UnsafeMutablePointer<Float>, ldy: Int, beta: Float = 0) {
        Gemm.multiply(.none, .none, m: rows, n: outputs, k: inputs, a: x, lda: ldx, b: values + weightOffset,
                      ldb: outputs, beta: beta, c: y, ldc: ldy)
    }

    /// `y = act(x·W + b)` on `rows` densely packed rows, saving f' to `derivative` when the activation does.
    @inline(__always)
    func forward(_ x: UnsafePointer<Float>, rows: Int, values: UnsafeMutablePointer<Float>,
                 into y: UnsafeMutablePointer<Float>, activation: Activation, derivative: UnsafeMutablePointer<Float>?) {
        multiply(x, ldx: inputs, rows: rows, values: values, into: y, ldy: outputs)
        if hasBias {
            activation.forward(y, rows: rows, width: outputs, bias: values + biasOffset, derivative: derivative)
        } else {
            activation.forward(y, count: rows &* outputs, derivative: derivative)
        }
    }

    /// `dW (+)= xᵀ·dz` and `db (+)= Σ dz` into the slot's partial gradients (`overwrite` on its first block).
    @inline(__always)
    func accumulateGradients(input x: UnsafePointer<Float>, ldx: Int, outputGradient dz: UnsafePointer<Float>, ldz: Int,
                             rows: Int, partial: UnsafeMutablePointer<Float>, overwrite: Bool) {
        Gemm.multiply(.transpose, .none, m: inputs, n: outputs, k: rows, a: x, lda: ldx, b: dz, ldb: ldz,
                      beta: overwrite ? 0 : 1, c: partial + weightOffset, ldc: outputs)
        if hasBias {
            SIMDLanes.accumulateColumnSums(dz, rows: rows, width: outputs, ld: ldz, into: partial + biasOffset, overwrite: overwrite)
        }
    }

    /// The layer's whole backward step on a block: `dW (+)= xᵀ·dz`, `db (+)= Σ dz` into the slot's partials
    /// and, when `dx` is given, `dx = dz·Wᵀ` (row stride `ldd`).
    @inline(__always)
    func backward(input x: UnsafePointer<Float>, ldx: Int, outputGradient dz: UnsafePointer<Float>, ldz: Int, rows: Int,
                  values: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>, overwrite: Bool,
                  inputGradient dx: UnsafeMutablePointer<Float>?, ldd: Int) {
        accumulateGradients(input: x, ldx: ldx, outputGradient: dz, ldz: ldz, rows: rows, partial: partial, overwrite: overwrite)
        if let dx { inputGradient(dz, ldz: ldz, rows: rows, values: values, into: dx, ldx: ldd) }
    }

    /// `dx = dz·Wᵀ + beta·dx`.
    @inline(__always)
    func inputGradient(_ dz: UnsafePointer<Float>, ldz: Int, rows: Int, values: UnsafeMutablePointer<Float>,
                       into dx: UnsafeMutablePointer<Float>, ldx: Int, beta: Float = 0) {
        Gemm.multiply(.none, .transpose, m: rows, n: inputs, k: outputs, a: dz, lda: ldz, b: values + weightOffset,
                      ldb: outputs, beta: beta, c: dx, ldc: ldx)
    }

    /// Xavier-uniform W, U(±√(6/(inputs + fanOut))) with `fanOut` = outputs unless given; zero bias.
    func initializeXavier(_ values: UnsafeMutablePointer<Float>, _ rng: inout RandomGenerator, fanOut: Int? = nil) {
        let limit = (6 / Float(inputs + (fanOut ?? outputs))).squareRoot()
        let w = values + weightOffset
        for i in 0..<(inputs * outputs) { w[i] = rng.nextFloat() * 2 * limit - limit }
        if hasBias { (values + biasOffset).update(repeating: 0, count: outputs) }
    }
}
