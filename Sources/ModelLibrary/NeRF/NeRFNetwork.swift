import TensorCore

/// instant-ngp's NeRF model as one module: `[x, y, z, u, v, w]` rows (position in the scene's unit box,
/// direction mapped to [0, 1] as `(d + 1) / 2`) → `[raw density, r, g, b]`.
///
/// The position goes through `density` (an encoding and a small network, e.g. hash grid → MLP 32→64→16);
/// its output column 0 is the raw density (the renderer applies the truncated exp). All its columns,
/// followed by the direction encoding (spherical harmonics), feed `color`, whose output (e.g. sigmoid) is
/// RGB. Parameters: `density.*`, `color_cam.*` (with a view modulation), then `color.*` (the direction
/// encoding has none).
///
/// View modulation (optional `colorTrunk`, CAM over the view direction): the colour branch's first hidden
/// layer(s) become a `CAMTrunk` fed with [geometry, encoded direction] whose grid is indexed by the view
/// direction's (azimuth, polar angle) (`ViewAngles`); its output feeds `color`.
public final class NeRFNetwork: CompositeModule {
    /// Position → geometry features (column 0: raw density).
    public let density: DifferentiableModule
    /// Direction encoding (no parameters).
    public let direction: DifferentiableModule
    /// Geometry features + encoded direction → RGB.
    public let color: DifferentiableModule
    /// Optional CAM layers between the colour input and `color`, modulated by the view direction's angles.
    public let colorTrunk: CAMTrunk?

    /// Chains the parts; `color` must take `density.outputWidth + direction.outputWidth` inputs (or, with
    /// `colorTrunk`, the trunk's width, the trunk taking those inputs and 2 angle coordinates) and give 3.
    public init(density: DifferentiableModule, direction: DifferentiableModule, color: DifferentiableModule,
                colorTrunk: CAMTrunk? = nil) {
        precondition(density.inputWidth == 3 && direction.inputWidth == 3, "NeRFNetwork: position and direction need 3 inputs")
        let colorInputWidth = density.outputWidth + direction.outputWidth
        if let t = colorTrunk {
            precondition(t.featureWidth == colorInputWidth && t.coordinateWidth == 2 && color.inputWidth == t.width,
                         "NeRFNetwork: view-modulation widths do not match")
        } else {
            precondition(color.inputWidth == colorInputWidth, "NeRFNetwork: colour network widths do not match")
        }
        precondition(color.outputWidth == 3, "NeRFNetwork: the colour network must give 3 outputs")
        self.colorTrunk = colorTrunk
        precondition(direction.parameterCount == 0, "NeRFNetwork: the direction encoding must have no parameters")
        self.density = density
        self.direction = direction
        self.color = color
    }

    public var children: [DifferentiableModule] { [density, direction, color] }

    public var inputWidth: Int { 6 }
    public var outputWidth: Int { 4 }
    /// Columns of the geometry features.
    public var geometryWidth: Int { density.outputWidth }

    public var parameterTensors: [ParameterTensor] {
        density.parameterTensors.map { $0.prefixed("density.") } + (colorTrunk?.parameterTensors ?? []).map { $0.prefixed("color_cam.") }
            + color.parameterTensors.map { $0.prefixed("color.") }
    }

    public func bind(_ binding: ParameterBinding) {
        density.bind(binding)
        colorTrunk?.bind(binding.advanced(by: density.parameterCount))
        color.bind(binding.advanced(by: density.parameterCount + (colorTrunk?.parameterCount ?? 0)))
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        var densityRNG = rng.fork(1)
        var colorRNG = rng.fork(2)
        density.initializeParameters(&densityRNG)
        color.initializeParameters(&colorRNG)
        var trunkRNG = rng.fork(3)
        colorTrunk?.initializeParameters(&trunkRNG)
    }

    /// Scratch for one batch: the split inputs, geometry features, encoded directions, the colour
    /// network's input and output, and (training) their gradients and the parts' contexts.
    final class Context: ModuleContext {
        let positions, directions, geometry, encodedDirections, colorInput, rgb: FloatBuffer
        let rgbGradient, colorInputGradient, geometryGradient, directionGradient: FloatBuffer
        /// dL/dposition then dL/ddirection, `[capacity, 3]` each (only when input gradients are asked for).
        let inputGradientScratch: FloatBuffer
        let densityContext, directionContext, colorContext: ModuleContext?
        /// View modulation: the angles, the trunk's output, their gradients and the trunk's context.
        let angles, trunkOutput, trunkOutputGradient, angleGradient: FloatBuffer
        let trunkContext: CAMTrunk.Context?
        /// An extra dL/dgeometry that `backward` adds to what arrives through the outputs (distillation's feature
        /// loss), `[capacity, geometryWidth]`; made on first request by `geometryGradientAddend(in:)`.
        var geometryGradientAddend: FloatBuffer?

        init(capacity: Int, network: NeRFNetwork, training: Bool) {
            let g = network.geometryWidth, e = network.direction.outputWidth
            positions = FloatBuffer(count: capacity * 3)
            directions = FloatBuffer(count: capacity * 3)
            geometry = FloatBuffer(count: capacity * g)
            encodedDirections = FloatBuffer(count: capacity * e)
            colorInput = FloatBuffer(count: capacity * (g + e))
            rgb = FloatBuffer(count: capacity * 3)
            let t = training ? capacity : 0
            rgbGradient = FloatBuffer(count: t * 3)
            colorInputGradient = FloatBuffer(count: t * (g + e))
            geometryGradient = FloatBuffer(count: t * g)
            directionGradient = FloatBuffer(count: t * e)
            inputGradientScratch = FloatBuffer(count: t * 6)
            densityContext = training ? network.density.makeContext(capacity: capacity) : nil
            directionContext = training ? network.direction.makeContext(capacity: capacity) : nil
            colorContext = training ? network.color.makeContext(capacity: capacity) : nil
            let v = network.colorTrunk == nil ? 0 : capacity, tw = network.colorTrunk?.width ?? 0
            angles = FloatBuffer(count: v * 2)
            trunkOutput = FloatBuffer(count: v * tw)
            trunkOutputGradient = FloatBuffer(count: (training ? v : 0) * tw)
            angleGradient = FloatBuffer(count: (training ? v : 0) * 2)
            trunkContext = training ? network.colorTrunk?.makeContext(capacity: capacity) : nil
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, network: self, training: true) }

    /// Inference scratch, grown (outside training steps) when a larger inference batch arrives.
    private var inferenceScratch: Context?

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        let ctx: Context
        if let c = context as? Context {
            precondition(batch <= c.capacity, "NeRFNetwork: batch larger than the context")
            ctx = c
        } else {
            if inferenceScratch == nil || inferenceScratch!.capacity < batch {
                inferenceScratch = Context(capacity: batch, network: self, training: false)
            }
            ctx = inferenceScratch!
        }
        let g = geometryWidth, e = direction.outputWidth, cw = g + e
        let positions = ctx.positions.pointer, directions = ctx.directions.pointer
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let r = input + 6 &* i
                positions[3 &* i] = r[0]; positions[3 &* i &+ 1] = r[1]; positions[3 &* i &+ 2] = r[2]
                directions[3 &* i] = r[3]; directions[3 &* i &+ 1] = r[4]; directions[3 &* i &+ 2] = r[5]
            }
        }
        let geometry = ctx.geometry.pointer, encoded = ctx.encodedDirections.pointer, colorInput = ctx.colorInput.pointer
        density.forward(input: positions, output: geometry, batch: batch, context: ctx.densityContext, pool: pool)
        direction.forward(input: directions, output: encoded, batch: batch, context: ctx.directionContext, pool: pool)
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                (colorInput + i &* cw).update(from: geometry + i &* g, count: g)
                (colorInput + (i &* cw &+ g)).update(from: encoded + i &* e, count: e)
            }
        }
        let rgb = ctx.rgb.pointer
        var colorNetworkInput = UnsafePointer(colorInput)
        if let trunk = colorTrunk {
            ViewAngles.forward(directions: directions, into: ctx.angles.pointer, batch: batch, pool: pool)
            trunk.forward(features: colorInput, coordinates: ctx.angles.pointer, output: ctx.trunkOutput.pointer, batch: batch,
                          context: ctx.trunkContext, pool: pool)
            colorNetworkInput = UnsafePointer(ctx.trunkOutput.pointer)
        }
        color.forward(input: colorNetworkInput, output: rgb, batch: batch, context: ctx.colorContext, pool: pool)
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let o = output + 4 &* i
                o[0] = geometry[i &* g]
                o[1] = rgb[3 &* i]; o[2] = rgb[3 &* i &+ 1]; o[3] = rgb[3 &* i &+ 2]
            }
        }
    }

    /// The geometry features (`[batch, geometryWidth]`, column 0 the raw density) of the last `forward` with
    /// `context`, or with no context (inference) when it is nil.
    public func geometryFeatures(in context: ModuleContext?) -> UnsafePointer<Float> {
        guard let ctx = (context as? Context) ?? inferenceScratch else { preconditionFailure("NeRFNetwork: no forward ran yet") }
        return UnsafePointer(ctx.geometry.pointer)
    }

    /// A per-sample dL/dgeometry (`[capacity, geometryWidth]`) that `backward` with this training context adds to
    /// the gradient of the geometry features (PVD's feature loss on the density branch). Made (zeroed) on the
    /// first call, so call it once outside the training step; the caller writes it before each backward.
    public func geometryGradientAddend(in context: ModuleContext) -> UnsafeMutablePointer<Float> {
        guard let ctx = context as? Context else { preconditionFailure("NeRFNetwork: wrong context type") }
        if ctx.geometryGradientAddend == nil {
            let buffer = FloatBuffer(count: ctx.capacity * geometryWidth)
            buffer.pointer.update(repeating: 0, count: buffer.count)
            ctx.geometryGradientAddend = buffer
        }
        return ctx.geometryGradientAddend!.pointer
    }

    /// Inference scratch of `colorForward` with a view modulation: angles and the CAM layers' output.
    private var colorScratch: (angles: FloatBuffer, trunk: FloatBuffer)?

    /// Inference of the colour branch alone, for renderers that evaluate colour only where it shows: rows of
    /// `[geometry, encoded direction]` and the matching direction rows (`(d + 1) / 2`) → RGB (`[batch, 3]`).
    /// Applies the view modulation when there is one. Grows its scratch on demand (call it outside training steps).
    public func colorForward(colorInput: UnsafePointer<Float>, directions: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             batch: Int, pool: WorkerPool) {
        guard batch > 0 else { return }
        guard let trunk = colorTrunk else {
            color.forward(input: colorInput, output: output, batch: batch, context: nil, pool: pool)
            return
        }
        if colorScratch == nil || colorScratch!.angles.count < batch * 2 {
            colorScratch = (FloatBuffer(count: batch * 2), FloatBuffer(count: batch * trunk.width))
        }
        let scratch = colorScratch!
        ViewAngles.forward(directions: directions, into: scratch.angles.pointer, batch: batch, pool: pool)
        trunk.forward(features: colorInput, coordinates: scratch.angles.pointer, output: scratch.trunk.pointer, batch: batch,
                      context: nil, pool: pool)
        color.forward(input: scratch.trunk.pointer, output: output, batch: batch, context: nil, pool: pool)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context, let colorContext = ctx.colorContext, let densityContext = ctx.densityContext,
              let directionContext = ctx.directionContext else { preconditionFailure("NeRFNetwork: wrong context type") }
        let g = geometryWidth, e = direction.outputWidth, cw = g + e
        let rgbGradient = ctx.rgbGradient.pointer
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let d = outputGradient + 4 &* i
                rgbGradient[3 &* i] = d[1]; rgbGradient[3 &* i &+ 1] = d[2]; rgbGradient[3 &* i &+ 2] = d[3]
            }
        }
        let colorInputGradient = ctx.colorInputGradient.pointer
        let wantsInput = inputGradient != nil
        if let trunk = colorTrunk, let trunkContext = ctx.trunkContext {
            color.backward(input: ctx.trunkOutput.pointer, output: ctx.rgb.pointer, outputGradient: rgbGradient,
                           inputGradient: ctx.trunkOutputGradient.pointer, batch: batch, context: colorContext, pool: pool)
            trunk.backward(features: ctx.colorInput.pointer, coordinates: ctx.angles.pointer, output: ctx.trunkOutput.pointer,
                           outputGradient: ctx.trunkOutputGradient.pointer, featureGradient: colorInputGradient,
                           coordinateGradient: wantsInput ? ctx.angleGradient.pointer : nil, batch: batch, context: trunkContext,
                           pool: pool)
        } else {
            color.backward(input: ctx.colorInput.pointer, output: ctx.rgb.pointer, outputGradient: rgbGradient,
                           inputGradient: colorInputGradient, batch: batch, context: colorContext, pool: pool)
        }
        let geometryGradient = ctx.geometryGradient.pointer, directionGradient = ctx.directionGradient.pointer
        let addend = ctx.geometryGradientAddend.map { UnsafePointer($0.pointer) }
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                (geometryGradient + i &* g).update(from: colorInputGradient + i &* cw, count: g)
                geometryGradient[i &* g] += outputGradient[4 &* i]
                if let addend { for k in 0..<g { geometryGradient[i &* g &+ k] += addend[i &* g &+ k] } }
                if wantsInput { (directionGradient + i &* e).update(from: colorInputGradient + (i &* cw &+ g), count: e) }
            }
        }
        let dpos: UnsafeMutablePointer<Float>? = wantsInput ? ctx.inputGradientScratch.pointer : nil
        density.backward(input: ctx.positions.pointer, output: ctx.geometry.pointer, outputGradient: geometryGradient,
                         inputGradient: dpos, batch: batch, context: densityContext, pool: pool)
        guard let dx = inputGradient, let dpos else { return }
        let ddir = ctx.inputGradientScratch.pointer + batch * 3
        direction.backward(input: ctx.directions.pointer, output: ctx.encodedDirections.pointer, outputGradient: directionGradient,
                           inputGradient: ddir, batch: batch, context: directionContext, pool: pool)
        if colorTrunk != nil {
            ViewAngles.backward(directions: ctx.directions.pointer, angleGradient: ctx.angleGradient.pointer, accumulateInto: ddir,
                                batch: batch, pool: pool)
        }
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                for k in 0..<3 { dx[6 &* i &+ k] = dpos[3 &* i &+ k]; dx[6 &* i &+ 3 &+ k] = ddir[3 &* i &+ k] }
            }
        }
    }
}
