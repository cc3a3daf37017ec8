import TensorCore
import FieldIO

/// tiny-cuda-nn's `Identity` encoding: `out = x·scale + offset`, element-wise; no parameters.
public final class IdentityEncoding: ParameterFreeModule {
    public let inputWidth: Int
    /// The factor applied to every input.
    public let scale: Float
    /// The value added after scaling.
    public let offset: Float

    /// An identity over `inputWidth` columns.
    public init(inputWidth: Int, scale: Float = 1, offset: Float = 0) {
        precondition(inputWidth > 0, "IdentityEncoding: inputWidth must be positive")
        self.inputWidth = inputWidth
        self.scale = scale
        self.offset = offset
    }

    /// Reads tcnn's keys `scale` (1) and `offset` (0), any case.
    public convenience init(config: ConfigObject, inputWidth: Int) throws(FieldError) {
        guard inputWidth > 0 else { throw FieldError(file: config.file, location: config.path, "the Identity encoding needs at least one input") }
        let scale = try config.double("scale", default: 1, in: -1e30...1e30)
        let offset = try config.double("offset", default: 0, in: -1e30...1e30)
        self.init(inputWidth: inputWidth, scale: Float(scale), offset: Float(offset))
    }

    public var outputWidth: Int { inputWidth }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let n = batch &* inputWidth, s = scale, o = offset
        for i in 0..<n { output[i] = input[i] * s + o }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let dx = inputGradient else { return }
        let n = batch &* inputWidth, s = scale
        for i in 0..<n { dx[i] = outputGradient[i] * s }
    }
}
