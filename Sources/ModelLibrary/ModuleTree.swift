import FieldIO
import TensorCore

/// A module built from other modules (an encoding and its network, a hybrid's nested grid), so that
/// code outside can find the parts that need something from it (`SampleInitializable`, `ParameterConstrained`).
public protocol CompositeModule: DifferentiableModule {
    /// The modules this one is made of, in parameter order.
    var children: [DifferentiableModule] { get }
}

/// A module whose parameters can be initialised from weighted samples of the training target (NeuRBF's
/// kernels: weighted k-means on the target's detail). Tasks call it after the trainer is built and before training.
public protocol SampleInitializable: DifferentiableModule {
    /// Dimensions of a sample point (the module's input coordinates, in [0, 1]^d).
    var sampleDimensions: Int { get }
    /// Initialises from `count` points (`[count, sampleDimensions]`) and their non-negative weights.
    func initialize(points: UnsafePointer<Float>, weights: UnsafePointer<Float>, count: Int,
                    rng: inout RandomGenerator, pool: WorkerPool) throws(FieldError)
}

/// A module whose parameters must be projected back into a valid set after each optimizer step
/// (NeuRBF's trainable kernel shapes). `Trainer` calls it after every update.
public protocol ParameterConstrained: DifferentiableModule {
    /// Projects the bound parameters into their valid set.
    func applyConstraints()
}

extension DifferentiableModule {
    /// This module and every module inside it, depth first, parents before children.
    public var moduleTree: [DifferentiableModule] {
        var all: [DifferentiableModule] = [self]
        if let composite = self as? CompositeModule { for child in composite.children { all += child.moduleTree } }
        return all
    }

    /// The modules in `moduleTree` that can be initialised from samples of the target.
    public var sampleInitializables: [SampleInitializable] { moduleTree.compactMap { $0 as? SampleInitializable } }
}

/// The fixed grid of input points a task trains and evaluates on (an image's pixel centres), so that modules
/// can precompute per-point work once (`LatticeCacheable`).
public struct InputLattice {
    /// Points per row and rows.
    public let width: Int, height: Int
    /// The points, row-major `[height · width, 2]`, exactly as the task feeds them (pixel (x, y) at `y·width + x`;
    /// u = (x + ½)/width, v = (y + ½)/height up to the task's rounding).
    public let points: FloatBuffer

    /// A lattice of `width × height` points given row-major.
    public init(width: Int, height: Int, points: FloatBuffer) {
        precondition(width > 0 && height > 0 && points.count == width * height * 2, "InputLattice: points must be [width·height, 2]")
        self.width = width
        self.height = height
        self.points = points
    }
}

/// A module that can cache per-point state for the points of an `InputLattice` (NeuRBF: each pixel's nearest
/// kernels and their weights, computed once while the kernels are frozen). Inputs not on the lattice are
/// computed as usual, and cached results are bit-identical to computed ones.
public protocol LatticeCacheable: DifferentiableModule {
    /// Registers the lattice; the module decides when (and whether) to build its cache.
    func useLattice(_ lattice: InputLattice)
}

extension DifferentiableModule {
    /// The modules in `moduleTree` that can cache per-point state for a task's input lattice.
    public var latticeCacheables: [LatticeCacheable] { moduleTree.compactMap { $0 as? LatticeCacheable } }
}
