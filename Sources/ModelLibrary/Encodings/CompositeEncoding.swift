import FieldIO
import TensorCore

/// tiny-cuda-nn's `Composite` encoding: several nested encodings side by side, their outputs concatenated
/// (nested 0 first), e.g. a TriPlane beside a HashGrid.
///
/// Which input columns a nested encoding reads: when no nested object says `n_dims_to_encode`, every nested
/// encoding reads all input columns (the "beside" use). Otherwise tcnn's rule: the columns are handed out in
/// order, each nested encoding taking `n_dims_to_encode` of them, one without the key taking all that remain,
/// and together they must cover the input exactly.
///
/// Parameters: each nested encoding's, prefixed `nested<i>.`, one after another. Input gradients add the
/// nested encodings' contributions per column, in order (deterministic).
public final class CompositeEncoding: CompositeModule {
    /// The nested encodings, in output order.
    public let nested: [DifferentiableModule]
    /// The nested encodings, in parameter order.
    public var children: [DifferentiableModule] { nested }
    /// The input columns each nested encoding reads (a contiguous range).
    public let columns: [Range<Int>]
    public let inputWidth: Int
    public let outputWidth: Int
    /// First output column of each nested encoding.
    private let outputOffsets: [Int]
    /// Each nested encoding's output width (kept so that a step builds no arrays).
    private let outputWidths: [Int]

    /// Nested encodings reading `columns` of an `inputWidth`-column input.
    public init(nested: [DifferentiableModule], columns: [Range<Int>], inputWidth: Int) {
        precondition(!nested.isEmpty && nested.count == columns.count, "CompositeEncoding: one column range per nested encoding")
        for (e, c) in zip(nested, columns) {
            precondition(e.inputWidth == c.count && c.lowerBound >= 0 && c.upperBound <= inputWidth, "CompositeEncoding: column mismatch")
        }
        self.nested = nested
        self.columns = columns
        self.inputWidth = inputWidth
        var offsets: [Int] = [], total = 0
        for e in nested { offsets.append(total); total += e.outputWidth }
        outputOffsets = offsets
        outputWidths = nested.map(\.outputWidth)
        outputWidth = total
    }

    /// Reads `nested` (an array of encoding objects, each built by `makeNested` with its input width) and the
    /// nested objects' `n_dims_to_encode`. Errors name the key path.
    public convenience init(config: ConfigObject, inputWidth: Int,
                            makeNested: (ConfigObject, Int) throws(FieldError) -> DifferentiableModule) throws(FieldError) {
        guard let items = try config.array("nested"), !items.isEmpty else {
            throw config.error("nested", "missing or empty: list the encodings to combine, e.g. [{\"otype\": \"TriPlane\"}, {\"otype\": \"HashGrid\"}]")
        }
        var objects: [ConfigObject] = []
        for (i, item) in items.enumerated() {
            objects.append(try ConfigObject(item, file: config.file, path: config.keyPath("nested[\(i)]")))
        }
        var counts: [Int?] = []
        for o in objects { counts.append(try o.int("n_dims_to_encode")) }
        var ranges: [Range<Int>] = []
        if counts.allSatisfy({ $0 == nil }) {
            ranges = Array(repeating: 0..<inputWidth, count: objects.count)
        } else {
            var cursor = 0
            for (i, n) in counts.enumerated() {
                let take = n ?? (inputWidth - cursor)
                guard take >= 1, cursor + take <= inputWidth else {
                    throw objects[i].error("n_dims_to_encode", "columns \(cursor)..<\(cursor + take) do not fit the \(inputWidth)-column input")
                }
                ranges.append(cursor..<(cursor + take))
                cursor += take
            }
            guard cursor == inputWidth else {
                throw config.error("nested", "the nested encodings cover \(cursor) of the \(inputWidth) input columns; n_dims_to_encode must add up to \(inputWidth)")
            }
        }
        var modules: [DifferentiableModule] = []
        for (o, r) in zip(objects, ranges) { modules.append(try makeNested(o, r.count)) }
        self.init(nested: modules, columns: ranges, inputWidth: inputWidth)
    }

    public var parameterTensors: [ParameterTensor] {
        nested.enumerated().flatMap { i, e in e.parameterTensors.map { $0.prefixed("nested\(i).") } }
    }

    public func bind(_ binding: ParameterBinding) {
        var offset = 0
        for e in nested {
            e.bind(binding.advanced(by: offset))
            offset += e.parameterCount
        }
    }

    public func initializeParameters(_ rng: inout RandomGenerator) {
        for (i, e) in nested.enumerated() {
            var r = rng.fork(UInt64(i + 1))
            e.initializeParameters(&r)
        }
    }

    /// Per nested encoding: its input columns (when not the whole row), its output and output gradient, its
    /// input gradient, and its own context.
    final class Context: ModuleContext {
        let inputs, outputs, outputGradients, inputGradients: [FloatBuffer]
        /// The pointers of `outputs`, `outputGradients` and `inputGradients`, made once so that a step builds no arrays.
        let outputPointers, outputGradientPointers, inputGradientPointers: [UnsafeMutablePointer<Float>]
        let contexts: [ModuleContext?]
        init(capacity: Int, composite: CompositeEncoding, training: Bool) {
            let whole = composite.columns.map { $0.count == composite.inputWidth }
            let t = training ? capacity : 0
            inputs = zip(composite.nested, whole).map { FloatBuffer(count: $1 ? 0 : capacity * $0.inputWidth) }
            outputs = composite.nested.map { FloatBuffer(count: capacity * $0.outputWidth) }
            outputGradients = composite.nested.map { FloatBuffer(count: t * $0.outputWidth) }
            inputGradients = composite.nested.map { FloatBuffer(count: t * $0.inputWidth) }
            contexts = composite.nested.map { training ? $0.makeContext(capacity: capacity) : nil }
            outputPointers = outputs.map(\.pointer)
            outputGradientPointers = outputGradients.map(\.pointer)
            inputGradientPointers = inputGradients.map(\.pointer)
            super.init(capacity: capacity)
        }
    }

    public func makeContext(capacity: Int) -> ModuleContext { Context(capacity: capacity, composite: self, training: true) }

    /// Inference scratch, grown (outside training steps) when a larger batch arrives.
    private var inferenceScratch: Context?

    /// Nested encoding `k`'s input: the batch itself when it reads every column, else its columns gathered.
    private func nestedInput(_ k: Int, _ input: UnsafePointer<Float>, batch: Int, _ ctx: Context, pool: WorkerPool) -> UnsafePointer<Float> {
        let r = columns[k], w = inputWidth
        if r.count == w { return input }
        let dst = ctx.inputs[k].pointer, n = r.count, lo = r.lowerBound
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows { (dst + i &* n).update(from: input + (i &* w &+ lo), count: n) }
        }
        return UnsafePointer(dst)
    }

    public func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                        context: ModuleContext?, pool: WorkerPool) {
        guard batch > 0 else { return }
        let ctx: Context
        if let c = context as? Context {
            precondition(batch <= c.capacity, "CompositeEncoding: batch larger than the context")
            ctx = c
        } else {
            if inferenceScratch == nil || inferenceScratch!.capacity < batch {
                inferenceScratch = Context(capacity: batch, composite: self, training: false)
            }
            ctx = inferenceScratch!
        }
        for (k, e) in nested.enumerated() {
            let x = nestedInput(k, input, batch: batch, ctx, pool: pool)
            e.forward(input: x, output: ctx.outputs[k].pointer, batch: batch, context: ctx.contexts[k], pool: pool)
        }
        let width = outputWidth, offsets = outputOffsets, outs = ctx.outputPointers, widths = outputWidths
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                for k in 0..<outs.count {
                    (output + (i &* width &+ offsets[k])).update(from: outs[k] + i &* widths[k], count: widths[k])
                }
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, context: ModuleContext, pool: WorkerPool) {
        guard let ctx = context as? Context else { preconditionFailure("CompositeEncoding: wrong context type") }
        guard batch > 0 else { return }
        let width = outputWidth, offsets = outputOffsets, grads = ctx.outputGradientPointers, widths = outputWidths
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                for k in 0..<grads.count {
                    (grads[k] + i &* widths[k]).update(from: outputGradient + (i &* width &+ offsets[k]), count: widths[k])
                }
            }
        }
        for (k, e) in nested.enumerated() where e.parameterCount > 0 || inputGradient != nil {
            // The gathered input is still in the context from the forward pass.
            let x = columns[k].count == inputWidth ? input : UnsafePointer(ctx.inputs[k].pointer)
            e.backward(input: x, output: ctx.outputs[k].pointer, outputGradient: grads[k],
                       inputGradient: inputGradient == nil ? nil : ctx.inputGradients[k].pointer,
                       batch: batch, context: ctx.contexts[k]!, pool: pool)
        }
        guard let dx = inputGradient else { return }
        let w = inputWidth, ranges = columns, dins = ctx.inputGradientPointers
        pool.parallelRanges(batch, granularity: 256) { _, rows in
            for i in rows {
                let row = dx + i &* w
                row.update(repeating: 0, count: w)
                for k in 0..<dins.count {
                    let n = ranges[k].count, src = dins[k] + i &* n
                    for j in 0..<n { row[ranges[k].lowerBound &+ j] += src[j] }
                }
            }
        }
    }
}
