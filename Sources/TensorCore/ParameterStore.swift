/// What kind of parameter a tensor is; optimizers treat them differently (tiny-cuda-nn's split:
/// L2 regularisation applies to matrix parameters, zero-gradient skipping to non-matrix ones).
public enum ParameterKind: String, Sendable {
    /// Weight matrices of dense layers.
    case matrix
    /// Everything else: grid tables, biases, kernel centres, activation coefficients.
    case nonMatrix
}

/// A named parameter tensor that a module declares; the store lays these out one after another.
public struct ParameterTensor: Sendable, Equatable {
    /// The tensor's name, relative to its module (e.g. `weight0`, `table`).
    public var name: String
    /// The tensor's shape (row-major); its element count is the product.
    public var shape: [Int]
    /// How optimizers treat it.
    public var kind: ParameterKind
    /// A multiplier on the optimizer's learning rate for this tensor only (default 1), e.g. the slow
    /// quadratic groups of ReLinear training. Adam applies it to each step's rate.
    public var learningRateScale: Float

    /// A tensor description (`learningRateScale` ≥ 0 multiplies the learning rate for this tensor).
    public init(_ name: String, shape: [Int], kind: ParameterKind, learningRateScale: Float = 1) {
        precondition(learningRateScale >= 0 && learningRateScale.isFinite, "ParameterTensor: invalid learning-rate scale")
        self.name = name
        self.shape = shape
        self.kind = kind
        self.learningRateScale = learningRateScale
    }

    /// The same tensor under `prefix + name` (how a composite module names its children's tensors).
    public func prefixed(_ prefix: String) -> ParameterTensor {
        var t = self
        t.name = prefix + name
        return t
    }

    /// The number of floats it holds.
    public var count: Int { shape.reduce(1, *) }
}

/// A placed tensor: its full name and where it sits in the flat parameter array.
public struct ParameterSegment: Sendable, Equatable {
    /// Full name, e.g. `encoding.table` or `network.weight1`.
    public var name: String
    /// First element inside the store.
    public var offset: Int
    /// Shape (row-major).
    public var shape: [Int]
    /// How optimizers treat it.
    public var kind: ParameterKind
    /// The tensor's learning-rate multiplier (1 unless the module asked otherwise).
    public var learningRateScale: Float = 1
    /// The number of floats.
    public var count: Int { shape.reduce(1, *) }
}

/// Pointers to the slice of parameter values and gradients that belongs to one module.
public struct ParameterBinding {
    /// The module's first parameter value.
    public var values: UnsafeMutablePointer<Float>
    /// The module's first parameter gradient (same layout as `values`).
    public var gradients: UnsafeMutablePointer<Float>

    /// A binding to explicit pointers.
    public init(values: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        self.values = values
        self.gradients = gradients
    }

    /// The binding `n` floats further on.
    public func advanced(by n: Int) -> ParameterBinding {
        ParameterBinding(values: values + n, gradients: gradients + n)
    }
}

/// All of a model's parameters and their gradients in two flat arrays, with the named layout.
/// Optimizers and checkpoints work on this; modules only see their own `ParameterBinding`.
public final class ParameterStore {
    /// Every tensor with its full name and offset, in storage order.
    public let segments: [ParameterSegment]
    /// Parameter values.
    public let values: FloatBuffer
    /// Gradients; the trainer zeroes them before each backward pass and modules accumulate into them.
    public let gradients: FloatBuffer

    /// Lays out `tensors` (name prefixes already applied) one after another.
    public init(tensors: [ParameterTensor]) {
        var segs: [ParameterSegment] = []
        var offset = 0
        for t in tensors {
            segs.append(ParameterSegment(name: t.name, offset: offset, shape: t.shape, kind: t.kind,
                                         learningRateScale: t.learningRateScale))
            offset += t.count
        }
        segments = segs
        values = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
    }

    /// The total number of parameters.
    public var count: Int { values.count }

    /// The binding for the whole store (offset 0).
    public var binding: ParameterBinding { ParameterBinding(values: values.pointer, gradients: gradients.pointer) }

    /// Sets all gradients to zero.
    public func zeroGradients() { gradients.fill(0) }

    /// A per-element mask of the kind: true where the parameter is a matrix parameter (built on demand).
    public func kinds() -> [ParameterKind] {
        var k = [ParameterKind](repeating: .nonMatrix, count: count)
        for s in segments where s.kind == .matrix { for i in s.offset..<(s.offset + s.count) { k[i] = .matrix } }
        return k
    }
}
