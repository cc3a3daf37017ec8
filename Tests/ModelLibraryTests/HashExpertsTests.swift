import FieldIO
import Foundation
import ModelLibrary
import TensorCore
import Testing

/// The mixture of hash experts (`HashExperts`): gradients with the routing held fixed, the balance loss's
/// gradient, the module contract (determinism, thread counts, training = inference), capacity and dropping in
/// training, inference keeping every sample, the gate's learning-rate scale, a fixed-step image and SDF fit, the
/// balance loss spreading the load, and one-line config errors.
struct HashExpertsTests {
    /// A small 2D mixture: 3 experts of 3 levels with resolutions 2–4 → 8–24, 4 features out.
    static func json(capacity: Double = 8, weight: Double = 0, experts: Int = 3, dims: Int = 2) -> String {
        """
        {"otype": "HashExperts", "n_experts": \(experts), "n_levels": 3, "n_features_per_level": 2, "log2_hashmap_size": \(dims == 2 ? 8 : 10),
         "base_resolution": [2, 4], "finest_resolution": [8, 24], "n_output_dims": 4, "capacity_factor": \(capacity),
         "balance_loss_weight": \(weight),
         "gate_encoding": {"n_levels": 2, "log2_hashmap_size": 6, "base_resolution": 2, "per_level_scale": 2},
         "gate_network": {"n_neurons": 8}, "expert_network": {"n_neurons": 8}}
        """
    }

    static func mixture(_ json: String, inputWidth: Int = 2) throws -> HashExpertsEncoding {
        try #require(try RepresentationTestSupport.encoding(json, inputWidth: inputWidth) as? HashExpertsEncoding)
    }

    @Test func layoutFollowsTheRule() throws {
        let m = try HashExpertsTests.mixture(HashExpertsTests.json())
        #expect(m.expertCount == 3 && m.outputWidth == 4 && m.inputWidth == 2)
        let grids = m.experts.map { $0.encoding as! GridEncoding }
        #expect(grids.map(\.baseResolution) == [2, 3, 4])
        // Finest resolutions 8, √(8·24) ≈ 13.9, 24: heterogeneous ranges.
        for (grid, finest) in zip(grids, [8.0, (8.0 * 24).squareRoot(), 24]) {
            let top = Double(grid.baseResolution) * pow(grid.perLevelScale, 2)
            #expect(abs(top - finest) / finest < 0.2, "\(top) vs \(finest)")
        }
        let names = m.parameterTensors.map(\.name)
        #expect(names.first == "gate.encoding.level0" && names.contains("expert2.network.weight0"))
        #expect(m.parameterCount == m.gate.parameterCount + m.experts.reduce(0) { $0 + $1.parameterCount })
    }

    @Test(arguments: [8.0, 0.7])
    func gradientsMatchFiniteDifferencesWithRoutingFixed(_ capacity: Double) throws {
        let m = try HashExpertsTests.mixture(HashExpertsTests.json(capacity: capacity))
        // ε 1e-3 for the parameters: a wider step flips a row's argmax (or a ReLU) often enough to spoil the check.
        let x = RepresentationTestSupport.points(12 * 2, seed: 21)
        let p = GradientCheck.check(m, input: x, batch: 12, seed: 3, epsilon: 1e-3, parameterJitter: 0.3, maxParameters: 400,
                                    checkInputs: false)
        let i = RepresentationTestSupport.gradientCheck(m, batch: 12, jitter: 0.3).inputs
        #expect(p.parameterError < 0.02, "parameters: \(p)")
        #expect(i.inputError < 0.05, "inputs: \(i)")
        #expect(p.checked > 100)
    }

    /// With a zero output gradient, a training backward leaves exactly the gradient of w·l_aux (frac held fixed).
    @Test func balanceLossGradientMatchesFiniteDifferences() throws {
        let weight: Float = 0.5
        let m = try HashExpertsTests.mixture(HashExpertsTests.json(weight: Double(weight)))
        let batch = 24
        let store = DecoderTestSupport.bound(m, seed: 3, jitter: 0.3)
        let x = RepresentationTestSupport.points(batch * 2, seed: 5)
        let context = m.makeContext(capacity: batch)
        let pool = WorkerPool(threads: 1)
        var y = [Float](repeating: 0, count: batch * 4)
        let dy = [Float](repeating: 0, count: batch * 4)
        func auxLoss() -> Float {
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                m.forward(input: xp.baseAddress!, output: yp.baseAddress!, batch: batch, context: context, pool: pool)
            } }
            return weight * m.lastBalanceLoss(context)
        }
        store.zeroGradients()
        _ = auxLoss()
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
            m.backward(input: xp.baseAddress!, output: yp.baseAddress!, outputGradient: dp.baseAddress!, inputGradient: nil,
                       batch: batch, context: context, pool: pool)
        } } }
        let analytic = store.gradients.array
        // Only the gate's parameters move l_aux. A step that flips a row's argmax changes frac, a jump that one-sided
        // differences disagree on (as on a ReLU kink): those parameters are skipped (and counted).
        let base = auxLoss()
        var worst: Float = 0, checked = 0, flipped = 0
        for j in 0..<m.gate.parameterCount where abs(analytic[j]) > 3e-3 {  // smaller ones vanish in the Float rounding of l_aux
            let saved = store.values[j], h: Float = 1e-3
            store.values[j] = saved + h; let plus = auxLoss()
            store.values[j] = saved - h; let minus = auxLoss()
            store.values[j] = saved
            let forward = (plus - base) / h, backward = (base - minus) / h
            if abs(forward - backward) > 0.05 * max(abs(forward), abs(backward)) + 1e-4 { flipped += 1; continue }
            let numeric = (plus - minus) / (2 * h)
            worst = max(worst, abs(numeric - analytic[j]) / max(abs(numeric), abs(analytic[j]), 1e-3))
            checked += 1
        }
        #expect(checked > 20 && flipped * 4 <= checked && worst < 0.05, "\(checked) checked, \(flipped) flipped, worst \(worst)")
        for j in m.gate.parameterCount..<store.count { #expect(analytic[j] == 0) }
        #expect(m.load.steps == 1 && m.load.samples == batch)
    }

    /// The contract compares training with inference, so it holds where training drops nothing (capacity 8);
    /// with a capacity below 1 the training forward drops samples that inference keeps (the next two tests).
    @Test func keepsTheModuleContract() throws {
        let m = try HashExpertsTests.mixture(HashExpertsTests.json(capacity: 8, weight: 0.01))
        let failure = DecoderTestSupport.contractFailure(m)
        #expect(failure == nil, "\(failure ?? "")")
    }

    /// In training each expert keeps at most ⌈factor·batch/E⌉ samples, the kept ones have the larger gate
    /// probability, and dropped samples output zeros.
    @Test func capacityDropsTheLeastConfidentSamplesInTraining() throws {
        let m = try HashExpertsTests.mixture(HashExpertsTests.json(capacity: 0.5))
        let batch = 300
        let store = DecoderTestSupport.bound(m, seed: 3, jitter: 0.5)
        let x = RepresentationTestSupport.points(batch * 2, seed: 8)
        let y = DecoderTestSupport.forward(m, x, batch: batch, context: m.makeContext(capacity: batch), threads: 2)
        withExtendedLifetime(store) {}
        let capacity = m.expertCapacity(batch: batch)
        #expect(capacity == 50)
        let zeroRows = (0..<batch).filter { r in (0..<4).allSatisfy { y[r * 4 + $0] == 0 } }.count
        #expect(zeroRows >= batch - 3 * capacity, "\(zeroRows) zero rows")
    }

    /// Inference keeps every sample whatever the capacity: a mixture of capacity 0.5 gives what the same
    /// parameters give with a capacity that never drops (for any later batch size too); the same rows through a
    /// training context lose the over-capacity samples.
    @Test func inferenceKeepsEverySample() throws {
        let tight = try HashExpertsTests.mixture(HashExpertsTests.json(capacity: 0.5))
        let loose = try HashExpertsTests.mixture(HashExpertsTests.json(capacity: 8))
        let batch = 300
        // The stores own the bound parameter memory: keep them alive while the modules run.
        let stores = [DecoderTestSupport.bound(tight, seed: 3, jitter: 0.5), DecoderTestSupport.bound(loose, seed: 3, jitter: 0.5)]
        let x = RepresentationTestSupport.points(batch * 2, seed: 8)
        let y = DecoderTestSupport.forward(tight, x, batch: batch, context: nil, threads: 2)
        let reference = DecoderTestSupport.forward(loose, x, batch: batch, context: nil, threads: 1)
        let trained = DecoderTestSupport.forward(tight, x, batch: batch, context: tight.makeContext(capacity: batch), threads: 2)
        func zeroRows(_ v: [Float]) -> Int { (0..<batch).filter { r in (0..<4).allSatisfy { v[r * 4 + $0] == 0 } }.count }
        #expect(y == reference)
        // Rows can be exactly zero without dropping (the bias-free decoders' ReLUs all off); dropping adds the rest.
        let lost = batch - 3 * tight.expertCapacity(batch: batch)
        print("HashExperts zero rows: inference \(zeroRows(y)), training with capacity 0.5 \(zeroRows(trained)), dropped ≥ \(lost)")
        #expect(zeroRows(y) < batch / 10 && zeroRows(trained) >= lost)
        // A smaller batch after a larger one reuses the scratch and still keeps every row.
        let small = DecoderTestSupport.forward(tight, Array(x[0..<40]), batch: 20, context: nil, threads: 2)
        #expect(small == Array(reference[0..<80]))
        withExtendedLifetime(stores) {}
    }

    /// `gate_learning_rate_scale` multiplies the learning rate of the gate's tensors only.
    @Test func gateLearningRateScaleReachesOnlyTheGate() throws {
        let plain = try HashExpertsTests.mixture(HashExpertsTests.json())
        let slow = try HashExpertsTests.mixture(HashExpertsTests.json().replacingOccurrences(
            of: #""capacity_factor""#, with: #""gate_learning_rate_scale": 0.1, "capacity_factor""#))
        #expect(slow.gateLearningRateScale == 0.1 && plain.gateLearningRateScale == 1)
        for (a, b) in zip(plain.parameterTensors, slow.parameterTensors) {
            #expect(a.name == b.name)
            let expected = a.name.hasPrefix("gate.") ? a.learningRateScale * 0.1 : a.learningRateScale
            #expect(abs(b.learningRateScale - expected) < 1e-7, "\(a.name)")
        }
        #expect(plain.parameterTensors.contains { $0.name.hasPrefix("gate.") })
    }

    @Test func fitsAnAnalyticImage() throws {
        let encoding = """
        {"otype": "HashExperts", "n_experts": 4, "n_levels": 6, "log2_hashmap_size": 10, "base_resolution": [4, 6],
         "finest_resolution": [24, 48], "n_output_dims": 8, "capacity_factor": 1.5, "balance_loss_weight": 0.01}
        """
        let psnr = try RepresentationTestSupport.fitImage(encoding: encoding, network: RepresentationFitTests.imageNetwork, steps: 300)
        print("representation fit image HashExperts: \(psnr) dB")
        #expect(psnr >= 33, "\(psnr) dB")
    }

    @Test func fitsAnAnalyticSDF() throws {
        let encoding = """
        {"otype": "HashExperts", "n_experts": 4, "n_levels": 6, "log2_hashmap_size": 12, "base_resolution": 4,
         "finest_resolution": [24, 64], "n_output_dims": 8, "capacity_factor": 1.5}
        """
        let fit = try RepresentationTestSupport.fitSDF(encoding: encoding, network: RepresentationFitTests.sdfNetwork, steps: 200)
        print("representation fit sdf HashExperts: IoU \(fit.iou)")
        #expect(fit.iou >= 0.9, "IoU \(fit.iou)")
        let load = try #require(fit.trainer.model.moduleTree.compactMap { $0 as? HashExpertsEncoding }.first).load
        #expect(load.steps == 200 && abs(load.assigned.reduce(0, +) - 1) < 1e-9)
    }

    /// On the same problem and seed, the balance loss spreads the samples: with it every expert gets a real
    /// share; without it the gate is free to starve some.
    @Test func balanceLossSpreadsTheLoad() throws {
        func load(weight: Double) throws -> ExpertLoad {
            let encoding = """
            {"otype": "HashExperts", "n_experts": 4, "n_levels": 4, "log2_hashmap_size": 8, "base_resolution": 4,
             "finest_resolution": [16, 32], "n_output_dims": 4, "capacity_factor": 4, "balance_loss_weight": \(weight)}
            """
            let t = try RepresentationTestSupport.trainer(encoding: encoding, network: RepresentationFitTests.imageNetwork,
                                                          inputWidth: 2, outputWidth: 3, batch: 256, learningRate: 1e-2)
            let mixture = t.model.moduleTree.compactMap { $0 as? HashExpertsEncoding }.first!
            RepresentationTestSupport.train(t, inputWidth: 2, outputWidth: 3, steps: 150, batch: 256) { rng, x, y in
                x[0] = rng.nextFloat(); x[1] = rng.nextFloat()
                let c = DecoderFitTests.pixel(x[0], x[1])
                y[0] = c.x; y[1] = c.y; y[2] = c.z
            }
            mixture.resetLoad()
            RepresentationTestSupport.train(t, inputWidth: 2, outputWidth: 3, steps: 20, batch: 256) { rng, x, y in
                x[0] = rng.nextFloat(); x[1] = rng.nextFloat()
                let c = DecoderFitTests.pixel(x[0], x[1])
                y[0] = c.x; y[1] = c.y; y[2] = c.z
            }
            return mixture.load
        }
        let balanced = try load(weight: 0.5), free = try load(weight: 0)
        print("HashExperts load with balance loss: \(balanced.summary); without: \(free.summary)")
        #expect(balanced.smallestShare >= 0.15, "\(balanced.summary)")
        #expect(balanced.balanceLoss < free.balanceLoss, "\(balanced.summary) vs \(free.summary)")
        #expect(balanced.largestShare - balanced.smallestShare < free.largestShare - free.smallestShare)
    }

    @Test func badInputGetsOneClearError() {
        RepresentationTestSupport.expectOneLineErrors([
            (#"{"otype": "HashExperts", "n_experts": 0}"#, 2, "encoding.n_experts", "expected"),
            (#"{"otype": "HashExperts", "capacity_factor": -1}"#, 2, "encoding.capacity_factor", "expected"),
            (#"{"otype": "HashExperts", "balance_loss_weight": "high"}"#, 2, "encoding.balance_loss_weight", "number"),
            (#"{"otype": "HashExperts", "gate_learning_rate_scale": -0.5}"#, 2, "encoding.gate_learning_rate_scale", "expected"),
            (#"{"otype": "HashExperts", "finest_resolution": [64]}"#, 3, "encoding.finest_resolution", "two numbers"),
            (#"{"otype": "HashExperts", "base_resolution": 64, "finest_resolution": 32}"#, 3, "encoding.finest_resolution", "below"),
            (#"{"otype": "HashExperts", "experts": [{"otype": "Frequency"}]}"#, 2, "encoding.experts[0].otype", "grid"),
            (#"{"otype": "HashExperts", "experts": [{"n_levels": 2}], "n_experts": 3}"#, 2, "encoding.n_experts", "together"),
            (#"{"otype": "HashExperts", "experts": [{"n_levelz": 2}]}"#, 2, "encoding.experts[0].n_levelz", "unknown"),
            (#"{"otype": "HashExperts", "gate_network": {"n_neurons": 0}}"#, 2, "encoding.gate_network.n_neurons", "expected"),
            (#"{"otype": "HashExperts", "gate_encoding": 3}"#, 2, "encoding.gate_encoding", "object"),
            (#"{"otype": "HashExperts", "expert_network": {"colour": 1}}"#, 2, "encoding.expert_network.colour", "unknown"),
            (#"{"otype": "HashExperts", "n_expertz": 4}"#, 2, "encoding.n_expertz", "unknown"),
        ])
    }

    @Test func explicitExpertGridsAreUsed() throws {
        let m = try HashExpertsTests.mixture("""
            {"otype": "HashExperts", "experts": [{"n_levels": 2, "base_resolution": 4, "log2_hashmap_size": 8},
                                                 {"otype": "DenseGrid", "n_levels": 3, "base_resolution": 8}]}
            """)
        #expect(m.expertCount == 2 && m.gate.outputWidth == 2)
        #expect((m.experts[1].encoding as! GridEncoding).levelCount == 3)
    }
}
