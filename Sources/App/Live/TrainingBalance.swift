import Foundation

/// Shares the background worker's time between training steps and renders while training runs:
/// a render is taken only while rendering has had at most `renderShare` of the recent time (a sliding
/// window with a half-life of about one second), so training keeps at least 1 − `renderShare` of it.
/// With training paused or finished, rendering gets all of it.
public struct TrainingBalance: Sendable {
    /// What the worker should do next.
    public enum Action: Equatable, Sendable { case train, render, idle }

    /// Fraction of the worker's time that renders may take while training runs (0.05…0.95).
    public let renderShare: Double
    private var renderSeconds = 0.0
    private var trainSeconds = 0.0

    /// A balance giving renders `renderShare` of the time.
    public init(renderShare: Double) {
        self.renderShare = min(0.95, max(0.05, renderShare))
    }

    /// The next action, given whether a render is wanted and whether training may run.
    public func next(renderWanted: Bool, training: Bool) -> Action {
        guard training else { return renderWanted ? .render : .idle }
        guard renderWanted else { return .train }
        let total = renderSeconds + trainSeconds
        return total <= 0 || renderSeconds <= renderShare * total ? .render : .train
    }

    /// Accounts for `seconds` spent on `action`.
    public mutating func spent(_ seconds: Double, on action: Action) {
        // Exponential forgetting: the older half of the window counts half.
        let keep = pow2(-seconds)
        renderSeconds *= keep; trainSeconds *= keep
        switch action {
        case .render: renderSeconds += seconds
        case .train: trainSeconds += seconds
        case .idle: break
        }
    }

    private func pow2(_ x: Double) -> Double { exp2(x) }
}
