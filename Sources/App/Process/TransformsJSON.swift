import FieldIO

/// A capture written as a transforms.json that fieldfit, instant-ngp and nerfstudio all read: OpenCV
/// intrinsics (`fl_x fl_y cx cy w h k1 k2 p1 p2`, `camera_model`) at the top level when every frame shares
/// them (else in each frame), `aabb_scale`, and per frame `file_path`, `sharpness` and `transform_matrix`
/// (OpenGL camera-to-world); `ply_file_path` names the sparse cloud for nerfstudio.
enum TransformsJSON {
    /// The JSON for `frames` (paths relative to the data folder in `filePaths`, sharpness per frame).
    static func make(frames: [PosedFrame], filePaths: [String], sharpness: [Double?], scene: SceneTransform,
                     pointCloud: String?) -> JSONValue {
        func intrinsics(_ k: CameraIntrinsics) -> [(key: String, value: JSONValue)] {
            var m: [(key: String, value: JSONValue)] = [
                ("fl_x", .double(k.focalX)), ("fl_y", .double(k.focalY)), ("cx", .double(k.centerX)), ("cy", .double(k.centerY)),
                ("w", .int(k.width)), ("h", .int(k.height)),
                ("k1", .double(k.distortion.k1)), ("k2", .double(k.distortion.k2)),
                ("p1", .double(k.distortion.p1)), ("p2", .double(k.distortion.p2)),
            ]
            if k.distortion.k3 != 0 { m.append(("k3", .double(k.distortion.k3))) }
            return m
        }
        let shared = frames.allSatisfy { $0.fileIntrinsics == frames[0].fileIntrinsics }
        var top: [(key: String, value: JSONValue)] = [("camera_model", .string("OPENCV"))]
        if shared, let first = frames.first { top += intrinsics(first.fileIntrinsics) }
        top.append(("aabb_scale", .int(scene.aabbScale)))
        if let pointCloud { top.append(("ply_file_path", .string(pointCloud))) }
        let list: [JSONValue] = frames.indices.map { i in
            let m = frames[i].cameraToWorld
            var f: [(key: String, value: JSONValue)] = [("file_path", .string(filePaths[i]))]
            if let s = sharpness[i] { f.append(("sharpness", .double(s))) }
            f.append(("transform_matrix", .array((0..<4).map { r in .array((0..<4).map { .double(m[4 * r + $0]) }) })))
            if !shared { f += intrinsics(frames[i].fileIntrinsics) }
            return .object(f)
        }
        top.append(("frames", .array(list)))
        return .object(top)
    }
}
