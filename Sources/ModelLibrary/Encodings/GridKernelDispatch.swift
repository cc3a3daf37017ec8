/// Work that is generic over the per-vertex feature vector; `runWithFeatureVector` picks the concrete
/// SIMD type once per level, so the kernels inside are fully specialised.
protocol GridFeatureTask {
    func run<V: GridFeatureVector>(_: V.Type)
}

/// Runs `task` with the feature vector type of `width` floats (1, 2, 4 or 8).
@inline(__always)
func runWithFeatureVector<T: GridFeatureTask>(_ width: Int, _ task: T) {
    switch width {
    case 1: task.run(Float.self)
    case 2: task.run(SIMD2<Float>.self)
    case 4: task.run(SIMD4<Float>.self)
    default: task.run(SIMD8<Float>.self)
    }
}

/// The pointers and sizes one level's kernel works on.
struct GridLevelWork {
    let level: GridLevelKernel
    let dimensions: Int
    let interpolation: GridInterpolation
    /// The level's table (values for forward and input gradients, gradients for backward).
    let table: UnsafeMutableRawPointer
    let input: UnsafePointer<Float>
    /// The level's first output column of row 0 (forward: output; backward: output gradient).
    let rows: UnsafeMutableRawPointer
    let rowBytes: Int
    let range: Range<Int>

    /// 2D/3D linear levels have hand-written kernels; everything else takes the general path.
    var specialisedDimensions: Int {
        interpolation == .linear && (dimensions == 2 || dimensions == 3) && gridFitsWideKernels(level) ? dimensions : 0
    }
    var generic: GridKernelsGeneric { GridKernelsGeneric(dimensions: dimensions, interpolation: interpolation, level: level) }
}

/// Forward pass of one level: writes its features.
struct GridForwardTask: GridFeatureTask {
    let work: GridLevelWork
    func run<V: GridFeatureVector>(_: V.Type) {
        let w = work, lv = w.level
        switch (w.specialisedDimensions, lv.hashed) {
        case (2, true):
            GridKernels2D.forward(V.self, corners: HashedCorners2D(mask: lv.entries &- 1), scale: lv.scale, table: w.table,
                                  input: w.input, output: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (2, false):
            GridKernels2D.forward(V.self, corners: DenseCorners2D(lv), scale: lv.scale, table: w.table,
                                  input: w.input, output: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (3, true):
            GridKernels3D.forward(V.self, corners: HashedCorners3D(mask: lv.entries &- 1), scale: lv.scale, table: w.table,
                                  input: w.input, output: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (3, false):
            GridKernels3D.forward(V.self, corners: DenseCorners3D(lv), scale: lv.scale, table: w.table,
                                  input: w.input, output: w.rows, rowBytes: w.rowBytes, range: w.range)
        default:
            w.generic.forward(V.self, table: w.table, input: w.input, output: w.rows, rowBytes: w.rowBytes, range: w.range)
        }
    }
}

/// Backward pass of one level: scatter-adds into its table gradient.
struct GridBackwardTask: GridFeatureTask {
    let work: GridLevelWork
    func run<V: GridFeatureVector>(_: V.Type) {
        let w = work, lv = w.level
        switch (w.specialisedDimensions, lv.hashed) {
        case (2, true):
            GridKernels2D.backward(V.self, corners: HashedCorners2D(mask: lv.entries &- 1), scale: lv.scale, gradient: w.table,
                                   input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (2, false):
            GridKernels2D.backward(V.self, corners: DenseCorners2D(lv), scale: lv.scale, gradient: w.table,
                                   input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (3, true):
            GridKernels3D.backward(V.self, corners: HashedCorners3D(mask: lv.entries &- 1), scale: lv.scale, gradient: w.table,
                                   input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes, range: w.range)
        case (3, false):
            GridKernels3D.backward(V.self, corners: DenseCorners3D(lv), scale: lv.scale, gradient: w.table,
                                   input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes, range: w.range)
        default:
            w.generic.backward(V.self, gradient: w.table, input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes, range: w.range)
        }
    }
}

/// Input-gradient pass of one level: adds its dL/dx contribution.
struct GridInputGradientTask: GridFeatureTask {
    let work: GridLevelWork
    let inputGradient: UnsafeMutablePointer<Float>
    func run<V: GridFeatureVector>(_: V.Type) {
        let w = work, lv = w.level
        switch (w.specialisedDimensions, lv.hashed) {
        case (2, true):
            GridKernels2D.inputGradient(V.self, corners: HashedCorners2D(mask: lv.entries &- 1), scale: lv.scale, table: w.table,
                                        input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes,
                                        inputGradient: inputGradient, range: w.range)
        case (2, false):
            GridKernels2D.inputGradient(V.self, corners: DenseCorners2D(lv), scale: lv.scale, table: w.table,
                                        input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes,
                                        inputGradient: inputGradient, range: w.range)
        case (3, true):
            GridKernels3D.inputGradient(V.self, corners: HashedCorners3D(mask: lv.entries &- 1), scale: lv.scale, table: w.table,
                                        input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes,
                                        inputGradient: inputGradient, range: w.range)
        case (3, false):
            GridKernels3D.inputGradient(V.self, corners: DenseCorners3D(lv), scale: lv.scale, table: w.table,
                                        input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes,
                                        inputGradient: inputGradient, range: w.range)
        default:
            w.generic.inputGradient(V.self, table: w.table, input: w.input, outputGradient: w.rows, rowBytes: w.rowBytes,
                                    inputGradient: inputGradient, range: w.range)
        }
    }
}

/// Copies rows `range` of a row-major `[batch, L·F]` matrix into level-major `[L][batch][F]`.
struct GridTransposeTask: GridFeatureTask {
    let source: UnsafeRawPointer
    let destination: UnsafeMutableRawPointer
    let levels: Int
    let rowFloats: Int
    let batch: Int
    let range: Range<Int>
    func run<V: GridFeatureVector>(_: V.Type) {
        let vb = V.width &* 4, rowBytes = rowFloats &* 4, levelBytes = batch &* vb
        // Blocks of 64 rows (8 KB for 32 features) stay in L1 while each level's slice is written as one run.
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start &+ 64, range.upperBound)
            for l in 0..<levels {
                let column = l &* vb, level = l &* levelBytes
                for i in start..<end { V.load(source, i &* rowBytes &+ column).store(destination, level &+ i &* vb) }
            }
            start = end
        }
    }
}

/// Copies rows `range` of a level-major `[L][batch][F]` scratch into a row-major `[batch, L·F]` matrix.
struct GridInterleaveTask: GridFeatureTask {
    let source: UnsafeRawPointer
    let destination: UnsafeMutableRawPointer
    let levels: Int
    let rowFloats: Int
    let batch: Int
    let range: Range<Int>
    func run<V: GridFeatureVector>(_: V.Type) {
        let vb = V.width &* 4, rowBytes = rowFloats &* 4, levelBytes = batch &* vb
        // Blocks of 64 rows stay in L1 while each level's slice is read as one run.
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start &+ 64, range.upperBound)
            for l in 0..<levels {
                let column = l &* vb, level = l &* levelBytes
                for i in start..<end { V.load(source, level &+ i &* vb).store(destination, i &* rowBytes &+ column) }
            }
            start = end
        }
    }
}
