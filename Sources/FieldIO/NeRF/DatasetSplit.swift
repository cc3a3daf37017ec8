/// Which part of a dataset a view belongs to.
public enum DatasetSplit: String, Equatable, Sendable {
    /// Used for fitting.
    case train
    /// Held out for evaluation.
    case test
    /// A dataset's own validation views (`transforms_val.json`): neither fitted nor evaluated by default.
    case validation

    /// The split a file's name implies: `transforms_test.json` → test, `transforms_val.json` → validation,
    /// anything else → nil (the every-k-th rule decides).
    public static func implied(byFileName name: String) -> DatasetSplit? {
        let base = name.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        if base == "transforms_test.json" { return .test }
        if base == "transforms_val.json" { return .validation }
        if base == "transforms_train.json" { return .train }
        return nil
    }

    /// The every-k-th rule for a file without a split of its own: view `index` is held out when
    /// `index` is a multiple of `every` (never when `every` is 0).
    public static func heldOut(index: Int, every: Int) -> DatasetSplit {
        every > 0 && index % every == 0 ? .test : .train
    }
}
