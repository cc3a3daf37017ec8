import Foundation
import ModelLibrary
import Render
import TensorCore

/// NeuRBF's per-point weights for NeRF kernels (seed-papers A.2), read off a trained density network on the
/// cell centres of an n³ lattice over the scene box, in the network's [0, 1]³ coordinates (what the position
/// encoding sees: `RadianceVolume.networkPosition`).
///
/// weight = α · ‖∇f‖, with α = 1 − exp(−σ·δ) (σ the field's density, δ the lattice spacing in scene units) and
/// ‖∇f‖ the central-difference gradient (per lattice cell, replicated at the faces, as kornia's
/// `SpatialGradient3d('diff')`) of the geometry features the density network hands to the colour network (its
/// output columns 1…15), min-max normalised over the lattice with one range for all channels as NeuRBF does.
/// Points whose occupancy-grid cell is empty, or unseen by the training cameras, weigh 0 and are left out.
///
/// The lattice is evaluated one z slice at a time (three slices kept for the differences), so memory stays
/// at n² feature rows whatever n is. Each point's weight depends only on the field, so the samples are the
/// same for any thread count.
struct DensityGradientSamples {
    /// Kept points, `[count, 3]`, in z, y, x lattice order.
    var points: [Float] = []
    /// Their weights, `[count]`, all positive.
    var weights: [Float] = []

    /// Samples `network`'s density branch on an `n`³ lattice; `grid` (over the same volume) masks empty space.
    init(network: NeRFNetwork, grid: OccupancyGrid, resolution n: Int, pool: WorkerPool) {
        let volume = grid.volume
        let width = network.geometryWidth, plane = n * n
        let spacing = Float(volume.aabbScale) / Float(n)
        let positions = FloatBuffer(count: plane * 3)
        let slices = (0..<3).map { _ in FloatBuffer(count: plane * width) }
        var all = [Float](repeating: 0, count: plane * n)
        var low = Float.infinity, high = -Float.infinity

        func evaluate(_ z: Int) {
            let p = positions.pointer, zc = (Float(z) + 0.5) / Float(n)
            for y in 0..<n {
                for x in 0..<n {
                    let i = 3 * (y * n + x)
                    p[i] = (Float(x) + 0.5) / Float(n); p[i + 1] = (Float(y) + 0.5) / Float(n); p[i + 2] = zc
                }
            }
            let out = slices[z % 3].pointer
            network.density.forward(input: p, output: out, batch: plane, context: nil, pool: pool)
            for i in 0..<plane {
                for c in 1..<width { low = min(low, out[i * width + c]); high = max(high, out[i * width + c]) }
            }
        }

        evaluate(0)
        for z in 0..<n {
            if z + 1 < n { evaluate(z + 1) }
            let below = UnsafePointer(slices[max(z - 1, 0) % 3].pointer), here = UnsafePointer(slices[z % 3].pointer)
            let above = UnsafePointer(slices[min(z + 1, n - 1) % 3].pointer)
            let zc = (Float(z) + 0.5) / Float(n)
            all.withUnsafeMutableBufferPointer { buffer in
                let w = buffer.baseAddress! + z * plane
                pool.parallelRanges(n, granularity: 8) { _, rows in
                    for y in rows {
                        let ym = max(y - 1, 0), yp = min(y + 1, n - 1)
                        for x in 0..<n {
                            let q = SIMD3((Float(x) + 0.5) / Float(n), (Float(y) + 0.5) / Float(n), zc)
                            let i = y * n + x
                            guard grid.isOccupied(volume.boxMin + q * Float(volume.aabbScale)) else { w[i] = 0; continue }
                            let xm = max(x - 1, 0), xp = min(x + 1, n - 1)
                            var squared: Float = 0
                            for c in 1..<width {
                                let dx = here[(y * n + xp) * width + c] - here[(y * n + xm) * width + c]
                                let dy = here[(yp * n + x) * width + c] - here[(ym * n + x) * width + c]
                                let dz = above[i * width + c] - below[i * width + c]
                                squared += 0.25 * (dx * dx + dy * dy + dz * dz)
                            }
                            let alpha = 1 - exp(-VolumeCompositing.density(here[i * width]) * spacing)
                            w[i] = alpha * squared.squareRoot()
                        }
                    }
                }
            }
        }

        let range = high - low
        guard range > 0, range.isFinite else { return }
        for i in 0..<(plane * n) where all[i] > 0 && all[i].isFinite {
            let x = i % n, y = (i / n) % n, z = i / plane
            points.append((Float(x) + 0.5) / Float(n)); points.append((Float(y) + 0.5) / Float(n))
            points.append((Float(z) + 0.5) / Float(n))
            weights.append(all[i] / range)
        }
    }
}
