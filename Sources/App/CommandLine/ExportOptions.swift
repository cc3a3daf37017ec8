/// What `fieldfit export` asks for beyond the output file and mesh resolution (`Options.outputFolder`,
/// `Options.meshResolution`): the NeRF mesh's density threshold and preview, the point cloud's size and opacity cut.
public struct ExportOptions: Equatable {
    /// NeRF mesh: the density σ (per unit-cube length) whose level set is the surface (nil: the default).
    public var densityThreshold: Double?
    /// Mesh: also render the exported mesh to this PNG.
    public var previewPath: String?
    /// Point cloud: rays cast from the training views.
    public var points: Int?
    /// Point cloud: keep a ray's point only when its accumulated opacity exceeds this.
    public var opacityThreshold: Double?

    /// Nothing set: the defaults.
    public init() {}
}
