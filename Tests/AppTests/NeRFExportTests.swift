import FieldIO
import Foundation
import Render
import Testing
@testable import App

/// The Euclidean length of `v`.
func norm(_ v: SIMD3<Float>) -> Float { (v * v).sum().squareRoot() }

/// A binary PLY as `ColoredPLY` writes it, read back: the header's elements and each vertex's position and colour.
struct ReadPLY {
    var elements: [(name: String, count: Int)] = []
    var positions: [SIMD3<Float>] = []
    var colors: [SIMD3<UInt8>] = []
    var triangles: [SIMD3<UInt32>] = []
    var edges: [SIMD2<UInt32>] = []

    init(_ path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let marker = Array("end_header\n".utf8)
        guard let end = (0...(bytes.count - marker.count)).first(where: { Array(bytes[$0..<($0 + marker.count)]) == marker }) else {
            throw FieldError(file: path, "no end_header")
        }
        let header = String(decoding: bytes[0..<end], as: UTF8.self)
        var normals = false
        for line in header.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.first == "element" { elements.append((String(words[1]), Int(words[2])!)) }
            if line == "property float nx" { normals = true }
        }
        var at = end + marker.count
        func u32() -> UInt32 {
            defer { at += 4 }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func f32() -> Float { Float(bitPattern: u32()) }
        for (name, count) in elements {
            for _ in 0..<count {
                switch name {
                case "vertex":
                    positions.append(SIMD3(f32(), f32(), f32()))
                    if normals { at += 12 }
                    colors.append(SIMD3(bytes[at], bytes[at + 1], bytes[at + 2])); at += 3
                case "face":
                    #expect(bytes[at] == 3); at += 1
                    triangles.append(SIMD3(u32(), u32(), u32()))
                default:
                    edges.append(SIMD2(u32(), u32()))
                }
            }
        }
        #expect(at == bytes.count, "trailing bytes in \(path)")
    }
}

/// `fieldfit export` of NeRF runs (mesh, point cloud, cameras), `render --video`, and their bad input.
@Suite(.serialized) struct NeRFExportTests {
    /// A procedural NeRF trained once for the tests of this suite.
    static let run: String = {
        let dir = temporaryFolder("NeRFExportTests")
        let scene = writeFile(dir, "shapes.json", nerfSceneText(training: "\"steps\": 300, \"batch_size\": 16384, \"eval_every_steps\": 300, \"seed\": 2",
                                                               extra: ""))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        precondition(r.status == 0, r.stderr)
        return out
    }()

    @Test func meshExportIsColouredAndInsideTheOccupiedBox() throws {
        let dir = temporaryFolder()
        let r = runFieldfit(["export", Self.run, "mesh", "--resolution", "40", "--out", dir + "/m.ply", "--preview", dir + "/m.png", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let ply = try ReadPLY(dir + "/m.ply")
        #expect(ply.elements.map(\.name) == ["vertex", "face"])
        #expect(ply.triangles.count > 200, "\(ply.triangles.count) triangles")
        // The shapes lie within 0.3 of the centre; the mesh hugs them (the procedural scene is in unit-cube units).
        for p in ply.positions { #expect(norm(p - SIMD3(repeating: 0.5)) < 0.45) }
        #expect(ply.triangles.allSatisfy { max($0.x, $0.y, $0.z) < UInt32(ply.positions.count) })
        // Colours follow the shapes: some vertices are clearly red (the red sphere), some clearly green (the box).
        let reds = ply.colors.filter { Int($0.x) > Int($0.y) + 60 && Int($0.x) > Int($0.z) + 60 }.count
        let greens = ply.colors.filter { Int($0.y) > Int($0.x) + 40 && Int($0.y) > Int($0.z) + 40 }.count
        #expect(reds > ply.colors.count / 20 && greens > ply.colors.count / 50, "\(reds) red, \(greens) green of \(ply.colors.count)")
        let preview = try Image.read(dir + "/m.png")
        #expect(preview.width == 40 && preview.height == 32)
        #expect(preview.pixels.contains { $0 < 0.9 })   // the mesh shows, not just background
        // The short form writes mesh.ply into the run folder; a NeRF mesh is PLY only.
        let obj = runFieldfit(["export", Self.run, "mesh", "--resolution", "16", "--out", dir + "/m.obj", "--quiet"])
        #expect(obj.status != 0 && obj.stderr.contains("--out") && obj.stderr.contains(".ply"), "\(obj.stderr)")
        let high = runFieldfit(["export", Self.run, "mesh", "--resolution", "16", "--threshold", "1e9", "--out", dir + "/h.ply", "--quiet"])
        #expect(high.status != 0 && high.stderr.contains("--threshold"), "\(high.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/h.ply"))
    }

    @Test func pointCloudLiesOnTheShapes() throws {
        let dir = temporaryFolder()
        let r = runFieldfit(["export", Self.run, "pointcloud", "--points", "3000", "--out", dir + "/p.ply", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let ply = try ReadPLY(dir + "/p.ply")
        #expect(ply.elements.map(\.name) == ["vertex"])
        // The shapes cover about a tenth of each view.
        #expect(ply.positions.count > 100 && ply.positions.count <= 3100, "\(ply.positions.count) points")
        // Each point is near a shape's surface: its distance to the scene's nearest surface along any ray is small.
        let scene = ProceduralRadianceScene()
        var near = 0
        for p in ply.positions where norm(p - SIMD3(repeating: 0.5)) < 0.35 {
            // inside or within 0.03 of a shape: a short probe in six directions hits it.
            let probes: [SIMD3<Float>] = [SIMD3(1, 0, 0), SIMD3(-1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, -1, 0), SIMD3(0, 0, 1), SIMD3(0, 0, -1)]
            if scene.contains(p) || probes.contains(where: { (scene.trace(origin: p, direction: $0)?.distance ?? 1) < 0.03 }) { near += 1 }
        }
        #expect(near > ply.positions.count * 8 / 10, "\(near) of \(ply.positions.count) points near a surface")
        let distinct = Set(ply.colors.map { [$0.x / 32, $0.y / 32, $0.z / 32] }).count
        #expect(distinct >= 4, "only \(distinct) colour bins")
    }

    @Test func camerasRoundTrip() throws {
        let dir = temporaryFolder()
        let r = runFieldfit(["export", Self.run, "cameras", "--out", dir + "/cams.json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(file: dir + "/cams.json")
        guard case .array(let frames)? = json["frames"] else { Issue.record("no frames"); return }
        // 24 views, every 6th held out: training views first, then the test views.
        #expect(frames.count == 24)
        let expected = ProceduralRadianceScene.cameras(count: 24, width: 32, height: 32)
        let train = expected.enumerated().filter { DatasetSplit.heldOut(index: $0.offset, every: 6) == .train }.map(\.element)
        let test = expected.enumerated().filter { DatasetSplit.heldOut(index: $0.offset, every: 6) == .test }.map(\.element)
        for (k, camera) in (train + test).enumerated() {
            let f = frames[k]
            #expect(f["split"] == .string(k < train.count ? "train" : "test"))
            #expect(number(f["w"]) == 32 && abs(number(f["fl_x"]) - Double(camera.focalX)) < 1e-3)
            guard case .array(let rows)? = f["transform_matrix"], rows.count == 4 else { Issue.record("matrix"); continue }
            func m(_ i: Int, _ j: Int) -> Float {
                guard case .array(let row) = rows[i] else { return .nan }
                return Float(number(row[j]))
            }
            #expect(norm(SIMD3(m(0, 3), m(1, 3), m(2, 3)) - camera.position) < 1e-4)
            #expect(norm(SIMD3(m(0, 2), m(1, 2), m(2, 2)) - camera.backward) < 1e-4)
        }
        let ply = try ReadPLY(dir + "/cams.ply")
        #expect(ply.elements.map(\.name) == ["vertex", "edge"])
        #expect(ply.positions.count == 24 * 5 && ply.edges.count == 24 * 8)
        #expect(norm(ply.positions[0] - train[0].position) < 1e-5)
        #expect(ply.colors[0] != ply.colors[5 * train.count])   // train and test coloured apart
    }

    @Test(.enabled(if: VideoEncoder.find("ffmpeg") != nil, "ffmpeg is not installed (tools/setup installs it)"))
    func videoOfTheRenderPath() throws {
        let dir = temporaryFolder()
        let video = dir + "/orbit.mp4"
        let r = runFieldfit(["render", Self.run, "--video", video, "--frames", "5", "--fps", "5", "--width", "35", "--height", "25", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["orbit.mp4"])   // no temporary left
        if let ffprobe = VideoEncoder.find("ffprobe") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ffprobe)
            p.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                           "stream=codec_name,width,height,pix_fmt,nb_read_frames", "-of", "csv=p=0", video]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            p.waitUntilExit()
            let line = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(line.trimmingCharacters(in: .whitespacesAndNewlines) == "h264,34,24,yuv420p,5", "\(line)")
        } else {
            #expect(((try FileManager.default.attributesOfItem(atPath: video)[.size] as? Int) ?? 0) > 1000)
        }
    }

    @Test func missingFfmpegIsOneClearLine() {
        do {
            _ = try VideoEncoder(path: temporaryFolder() + "/v.mp4", width: 8, height: 8, fps: 10, executable: "ffmpeg-not-installed-here")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("--video") && error.description.contains("not found") && !error.description.contains("\n"))
        }
    }

    @Test func exportsARunHasNoFieldForAreOneClearLine() throws {
        let dir = temporaryFolder()
        let sdf = writeFile(dir, "s.json", sdfSceneText(training: "\"steps\": 5, \"batch_size\": 1024"))
        #expect(runFieldfit([sdf, "--out", dir + "/sdf", "--quiet"]).status == 0)
        for (args, fragment) in [(["export", dir + "/sdf", "pointcloud"], "point cloud"), (["export", dir + "/sdf", "cameras"], "cameras"),
                                 (["export", dir + "/sdf", "mesh", "--threshold", "3"], "--threshold"),
                                 (["render", dir + "/sdf", "--path", "spiral"], "--path"),
                                 (["export", dir + "/nothing-here", "mesh"], "nothing-here"),
                                 (["export", Self.run, "pointcloud", "--opacity", "2"], "--opacity"),
                                 (["export", Self.run, "cameras", "--out", dir + "/c.txt"], ".json"),
                                 (["export", Self.run, "volume"], "volume"),
                                 (["export", Self.run], "mesh, pointcloud or cameras"),
                                 (["render", Self.run, "--path", dir + "/missing.json"], "missing.json"),
                                 (["render", Self.run, "--fps", "10"], "--fps")] {
            let r = runFieldfit(args + (args.count == 3 && args[0] == "export" && !["mesh", "pointcloud", "cameras"].contains(args[2]) || args.count == 2 ? [] : ["--quiet"]))
            #expect(r.status != 0 && r.stderr.contains(fragment) && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
        let image = writeFile(dir, "i.json", sceneText(training: "\"steps\": 2, \"batch_size\": 256"))
        #expect(runFieldfit([image, "--out", dir + "/image", "--quiet"]).status == 0)
        let r = runFieldfit(["export", dir + "/image", "mesh", "--quiet"])
        #expect(r.status != 0 && r.stderr.contains("image task"), "\(r.stderr)")
        // The SDF run's mesh export lives under `export` too.
        let m = runFieldfit(["export", dir + "/sdf", "mesh", "--resolution", "16", "--out", dir + "/sdf.obj", "--quiet"])
        #expect(m.status == 0 && FileManager.default.fileExists(atPath: dir + "/sdf.obj"), "\(m.stderr)")
    }
}
