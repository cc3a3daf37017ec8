import FieldIO
import ModelLibrary

/// NeuRBF's `"n_kernels": "auto"` for the scene's top-level RBF encoding: as many kernels as fit in the
/// parameter count of a reference model, the RBF's grid and the scene's network(s) included. Kernel centres
/// and shapes are charged to the budget, as NeuRBF charges them. The reference is the encoding object
/// `auto_reference` with the scene's own network(s); by default instant-ngp's hash grid (16 levels × 2
/// features, 2^19 entries, base resolution 16, the finest level at the task's resolution).
enum KernelBudget {
    /// The reference encoding when the scene gives no `auto_reference`.
    static let defaultReference: JSONValue = .object([
        ("otype", .string("HashGrid")), ("n_levels", .int(16)), ("n_features_per_level", .int(2)),
        ("log2_hashmap_size", .int(19)), ("base_resolution", .int(16)),
    ])

    /// Replaces `"n_kernels": "auto"` in the scene's encoding with the kernel count and drops `auto_reference`,
    /// so that `scene.resolvedJSON` records the model that is built. Does nothing for other encodings.
    static func resolve(_ scene: inout Scene, inputWidth: Int, outputWidth: Int, finestResolution: Int) throws(FieldError) {
        guard case .object(var members) = scene.encoding,
              let otype = member("otype", in: members), case .string(let name) = members[otype].value, name.lowercased() == "rbf",
              let count = member("n_kernels", in: members), case .string(let value) = members[count].value else { return }
        let file = scene.file
        guard value.lowercased() == "auto" else {
            throw FieldError(file: file, location: "encoding.n_kernels", "expected a positive number of kernels or \"auto\", got \"\(value)\"")
        }
        var reference = defaultReference
        if let r = member("auto_reference", in: members) {
            guard case .object = members[r].value else {
                throw FieldError(file: file, location: "encoding.auto_reference", "expected an encoding object (the model whose parameter count the kernels fill)")
            }
            reference = members[r].value
            members.remove(at: r)
        }
        var probe = scene
        probe.training.batchSize = 1
        func parameters(_ encoding: JSONValue, referencePath: Bool) throws(FieldError) -> Int {
            probe.encoding = encoding
            do throws(FieldError) {
                return try TaskFactory.makeTrainer(probe, inputWidth: inputWidth, outputWidth: outputWidth).store.count
            } catch {
                guard referencePath else { throw error }
                let location = error.location.hasPrefix("encoding") ? "encoding.auto_reference" + error.location.dropFirst("encoding".count)
                                                                    : error.location
                throw FieldError(file: error.file, location: location, error.message)
            }
        }
        let budget = try parameters(TaskFactory.withAutomaticLevelScale(reference, finestResolution: finestResolution), referencePath: true)
        // The count is affine in the number of kernels: measure it at two counts (64 is the most neighbours allowed).
        let base = 64
        func withKernels(_ n: Int) -> JSONValue {
            var m = members
            m[count].value = .int(n)
            return .object(m)
        }
        let atBase = try parameters(withKernels(base), referencePath: false)
        let perKernel = try parameters(withKernels(base + 1), referencePath: false) - atBase
        precondition(perKernel > 0, "KernelBudget: a kernel added no parameters")  // every kernel has C ≥ 1 weights
        let kernels = base + (budget - atBase).floorDivided(by: perKernel)
        let neighbours = neighbourCount(members, dimensions: inputWidth == 2 ? 2 : 3)
        guard kernels >= max(neighbours, 1) else {
            throw FieldError(file: file, location: "encoding.n_kernels",
                             "\"auto\" leaves room for \(max(kernels, 0)) kernels (fewer than n_neighbors = \(neighbours)): the reference has \(budget) parameters and the grid and network take \(atBase - base * perKernel) without kernels; make them smaller or give a number")
        }
        members[count].value = .int(kernels)
        scene.encoding = .object(members)
    }

    /// The index of `key` (any case) among `members`.
    private static func member(_ key: String, in members: [(key: String, value: JSONValue)]) -> Int? {
        members.firstIndex { $0.key.lowercased() == key }
    }

    /// `n_neighbors` as the encoding will read it (its default when absent).
    private static func neighbourCount(_ members: [(key: String, value: JSONValue)], dimensions: Int) -> Int {
        guard let i = member("n_neighbors", in: members) else { return RBFEncoding.defaultNeighbours(dimensions: dimensions) }
        guard case .number(let v, _) = members[i].value else { return 1 }  // the encoding reports the bad value
        return Int(v)
    }
}

extension Int {
    /// ⌊self / divisor⌋ for a positive divisor, also for negative `self`.
    func floorDivided(by divisor: Int) -> Int {
        self >= 0 ? self / divisor : -((-self + divisor - 1) / divisor)
    }
}
