import ModelLibrary
import Render
import TensorCore

/// A trained `NeRFNetwork` as the renderer's `RadianceField`: the density network for density rows, then the
/// direction encoding and the colour network (fed the geometry features and the encoded direction, as in
/// training) for the samples that show. Call the renderer inside `trainer.withInferenceParameters` for
/// averaged weights.
final class NeRFRadianceField: RadianceField {
    let network: NeRFNetwork
    let batchCapacity: Int
    /// Colour-network input rows (geometry features then encoded direction) and the encoded directions,
    /// grown to the largest call.
    private var colorInput = FloatBuffer(count: 0), encoded = FloatBuffer(count: 0)

    /// The field of `trainer`'s model, which must be a `NeRFNetwork`.
    init(trainer: Trainer) {
        guard let network = trainer.model as? NeRFNetwork else { preconditionFailure("NeRFRadianceField needs a NeRFNetwork") }
        self.network = network
        batchCapacity = trainer.batchCapacity
    }

    var geometryWidth: Int { network.geometryWidth }

    func density(points: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool) {
        network.density.forward(input: points, output: output, batch: count, context: nil, pool: pool)
    }

    func color(geometry: UnsafePointer<Float>, directions: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
               count: Int, pool: WorkerPool) {
        let g = network.geometryWidth, e = network.direction.outputWidth
        if colorInput.count < count * (g + e) {
            colorInput = FloatBuffer(count: count * (g + e)); encoded = FloatBuffer(count: count * e)
        }
        let ci = colorInput.pointer, ep = encoded.pointer
        network.direction.forward(input: directions, output: ep, batch: count, context: nil, pool: pool)
        pool.parallelRanges(count, granularity: 256) { _, range in
            for c in range {
                (ci + c &* (g &+ e)).update(from: geometry + c &* g, count: g)
                (ci + (c &* (g &+ e) &+ g)).update(from: ep + c &* e, count: e)
            }
        }
        network.colorForward(colorInput: ci, directions: directions, output: output, batch: count, pool: pool)
    }
}
