import FieldIO
import Foundation
import TensorCore

/// The images of a processed capture: each source photo or video frame shrunk to fit `maxSize` on its long
/// side and written to `DATA_DIR/images` (a photo that already fits is copied byte for byte), with nerfstudio's
/// `images_2`, `images_4`, `images_8` copies and colmap2nerf's sharpness of each image.
struct CaptureImages {
    /// The names written (the same in every folder), in source order.
    let names: [String]
    /// Sharpness (variance of the Laplacian) of each written image in `images`.
    let sharpness: [Double]
    /// The size of the images in `images`.
    let width: Int, height: Int

    /// The downscaled copies nerfstudio writes beside `images`.
    static let copyFactors = [2, 4, 8]

    /// Writes the images of `sources` into `dataFolder`; `renameTo` gives each a new base name (video frames)
    /// or nil to keep the source's name. Any folder left from an earlier run is emptied first.
    static func write(_ sources: [String], names: [String]? = nil, into dataFolder: String, maxSize: Int,
                      pool: WorkerPool) throws(FieldError) -> CaptureImages {
        let folders = ["images"] + copyFactors.map { "images_\($0)" }
        for f in folders {
            try? FileManager.default.removeItem(atPath: dataFolder + "/" + f)
            try FileAccess.makeFolder(dataFolder + "/" + f)
        }
        let outNames = names ?? sources.map { ($0 as NSString).lastPathComponent }
        var results = [Result<(sharpness: Double, width: Int, height: Int), FieldError>](repeating: .failure(FieldError("not run")), count: sources.count)
        results.withUnsafeMutableBufferPointer { slots in
            pool.parallelRanges(sources.count) { _, range in
                for i in range {
                    do throws(FieldError) {
                        slots[i] = .success(try writeOne(sources[i], name: outNames[i], into: dataFolder, maxSize: maxSize))
                    } catch {
                        slots[i] = .failure(error)
                    }
                }
            }
        }
        var sharpness: [Double] = []
        var size = (0, 0)
        for r in results {
            switch r {
            case .success(let s): sharpness.append(s.sharpness); size = (s.width, s.height)
            case .failure(let e): throw e
            }
        }
        return CaptureImages(names: outNames, sharpness: sharpness, width: size.0, height: size.1)
    }

    /// One image: decoded, shrunk to fit, written (or copied) to `images`, its copies to `images_N`.
    private static func writeOne(_ source: String, name: String, into dataFolder: String,
                                 maxSize: Int) throws(FieldError) -> (sharpness: Double, width: Int, height: Int) {
        let full: Image
        do { full = try Image.read(source) } catch {
            throw FieldError(file: source, "unreadable image: \(error.message); remove it or re-export it as JPEG/PNG")
        }
        let fitted = Image.fittedSize(width: full.width, height: full.height, maxSize: maxSize)
        let image = full.channels == 4 || full.channels == 2 ? full.rgb() : full
        let resized = image.areaResized(width: fitted.width, height: fitted.height)
        let target = dataFolder + "/images/" + name
        if fitted.width == full.width && fitted.height == full.height && ImageFormat.fromExtension(source) == ImageFormat.fromExtension(name)
            && image.channels == full.channels {
            try FileAccess.writeAtomically(try FileAccess.readBytes(source), to: target)
        } else {
            try write(resized, to: target)
        }
        for f in copyFactors {
            try write(resized.downscaled(by: f), to: dataFolder + "/images_\(f)/" + name)
        }
        return (resized.laplacianSharpness, resized.width, resized.height)
    }

    /// PNG or JPEG (quality 95) after the name's extension.
    private static func write(_ image: Image, to path: String) throws(FieldError) {
        if ImageFormat.fromExtension(path) == .jpeg { try image.writeJPEG(to: path, quality: 95) } else { try image.writePNG(to: path) }
    }
}
