extension ImageTask {
    /// The Sobel gradient magnitude of the target at every pixel (`[pixelCount]`, row-major), as NeuRBF weights
    /// its kernel initialisation: kornia's normalised Sobel (each 3×3 kernel divided by 8, borders replicated),
    /// the L2 norm over channels and over x and y.
    public func sobelMagnitude() -> [Float] {
        let w = width, h = height, c = channels, src = target.pointer
        var out = [Float](repeating: 0, count: w * h)
        @inline(__always) func at(_ x: Int, _ y: Int, _ k: Int) -> Float {
            src[(min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)) * c + k]
        }
        for y in 0..<h {
            for x in 0..<w {
                var sum: Float = 0
                for k in 0..<c {
                    let gx = (at(x + 1, y - 1, k) + 2 * at(x + 1, y, k) + at(x + 1, y + 1, k)
                              - at(x - 1, y - 1, k) - 2 * at(x - 1, y, k) - at(x - 1, y + 1, k)) / 8
                    let gy = (at(x - 1, y + 1, k) + 2 * at(x, y + 1, k) + at(x + 1, y + 1, k)
                              - at(x - 1, y - 1, k) - 2 * at(x, y - 1, k) - at(x + 1, y - 1, k)) / 8
                    sum += gx * gx + gy * gy
                }
                out[y * w + x] = sum.squareRoot()
            }
        }
        return out
    }
}
