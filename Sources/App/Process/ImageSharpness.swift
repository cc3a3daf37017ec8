import FieldIO

/// Sharpness of an image as colmap2nerf.py measures it (`cv2.Laplacian(gray, cv2.CV_64F).var()`): the
/// variance of the 4-neighbour Laplacian of the grey image on the 0...255 scale, over interior pixels.
/// Blurred frames score low; instant-ngp's `sharpness_discard_threshold` compares against these values.
extension Image {
    /// The variance of the Laplacian of the image's luminance (BT.601 weights, as OpenCV's grey), 0 for
    /// images smaller than 3×3.
    public var laplacianSharpness: Double {
        guard width >= 3, height >= 3 else { return 0 }
        var grey = [Double](repeating: 0, count: width * height)
        let c = channels
        for i in 0..<(width * height) {
            grey[i] = c >= 3 ? 255 * (0.299 * Double(pixels[i * c]) + 0.587 * Double(pixels[i * c + 1]) + 0.114 * Double(pixels[i * c + 2]))
                : 255 * Double(pixels[i * c])
        }
        var sum = 0.0, sumSquares = 0.0
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let i = y * width + x
                let l = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i]
                sum += l; sumSquares += l * l
            }
        }
        let n = Double((width - 2) * (height - 2))
        let mean = sum / n
        return max(0, sumSquares / n - mean * mean)
    }
}
