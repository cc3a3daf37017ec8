import FieldIO

/// How a mixture's gate spread the training samples over its experts, summed over the training steps since
/// the last `reset` (`HashExpertsEncoding.load`): per expert the fraction of samples whose top gate probability
/// chose it and the fraction it processed (after its capacity), the fraction dropped, and the mean
/// load-balancing loss l_aux = E·Σ_e mean(p_e)·frac(e) (1 when perfectly balanced).
public struct ExpertLoad: Equatable, Sendable {
    /// Per expert: the fraction of samples routed to it (sums to 1).
    public var assigned: [Double]
    /// Per expert: the fraction of samples it processed (sums to 1 − `dropped`).
    public var processed: [Double]
    /// The fraction of samples dropped because their expert was full.
    public var dropped: Double
    /// The mean balance loss l_aux over the steps (without its weight).
    public var balanceLoss: Double
    /// Training steps counted.
    public var steps: Int
    /// Samples counted.
    public var samples: Int

    /// The smallest share of the samples any expert was assigned.
    public var smallestShare: Double { assigned.min() ?? 0 }
    /// The largest share of the samples any expert was assigned.
    public var largestShare: Double { assigned.max() ?? 0 }

    /// As metrics.json writes it.
    public var json: JSONValue {
        .object([("experts", .int(assigned.count)), ("assigned", .array(assigned.map { .double($0) })),
                 ("processed", .array(processed.map { .double($0) })), ("dropped", .double(dropped)),
                 ("balance_loss", .double(balanceLoss)), ("steps", .int(steps))])
    }

    /// One line for the run summary, e.g. "experts 8: load 9–16 % per expert, 3.1 % dropped, l_aux 1.04".
    public var summary: String {
        func percent(_ x: Double) -> String { String(format: "%.1f", 100 * x) }
        return "experts \(assigned.count): load \(percent(smallestShare))–\(percent(largestShare)) % per expert, "
            + "\(percent(dropped)) % dropped, l_aux \(String(format: "%.3f", balanceLoss))"
    }
}
