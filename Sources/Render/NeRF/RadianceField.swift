import TensorCore

/// A radiance field as the volume renderer sees it, in the spirit of nerfacc's callbacks: density rows at
/// sample points first, then colours for the samples whose weight shows. The renderer marches and composites;
/// what computes the field (a network, an analytic scene, a distilled student) stays behind this protocol, so
/// the rendering module needs no model library.
public protocol RadianceField {
    /// Floats in a density row: column 0 is the raw density (`VolumeCompositing.density` maps it to σ), the rest
    /// are features that `color` takes back.
    var geometryWidth: Int { get }
    /// The most samples the renderer should evaluate in one call (it sizes its marching rounds by it).
    var batchCapacity: Int { get }
    /// Density rows (`[count, geometryWidth]`) at `count` xyz rows of `points`, in the field's unit-cube
    /// coordinates (`SceneVolume.networkPosition`).
    func density(points: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, pool: WorkerPool)
    /// RGB rows (`[count, 3]`) of `count` samples from their density rows (`[count, geometryWidth]`, as `density`
    /// wrote them) and view directions (`[count, 3]`, each unit direction d given as (d + 1)/2).
    func color(geometry: UnsafePointer<Float>, directions: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
               count: Int, pool: WorkerPool)
}
