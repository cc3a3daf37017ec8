/// How to read a posed-image dataset: image downscaling and the train/test split rule.
public struct DatasetOptions: Equatable, Sendable {
    /// Integer factor by which images (and intrinsics) are shrunk; 1 keeps them as they are.
    public var downscale: Int
    /// Without a test file of its own, every `testEvery`-th view (indices 0, k, 2k, ...) is held out
    /// for testing; 0 holds out none.
    public var testEvery: Int

    /// Options from their values; defaults: full size, every 8th view held out.
    public init(downscale: Int = 1, testEvery: Int = 8) {
        self.downscale = downscale
        self.testEvery = testEvery
    }
}
