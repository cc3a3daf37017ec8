import FieldIO
import Foundation
import Testing
@testable import App

/// The procedural NeRF teacher every distillation test shares: a hash grid fitted for 300 steps (trained once).
private let nerfTeacher: String = {
    let dir = temporaryFolder("distill-nerf-teacher")
    let scene = writeFile(dir, "teacher.json", nerfSceneText(training: "\"steps\": 300, \"batch_size\": 16384, \"eval_every_steps\": 300, \"seed\": 3"))
    let r = runFieldfit([scene, "--out", dir + "/run", "--quiet", "--threads", "2"])
    precondition(r.status == 0, "teacher fit failed: \(r.stderr)")
    return dir + "/run"
}()

/// A student scene on the procedural views (no `data`: the teacher's) with `encoding` and `training`.
private func studentText(encoding: String, training: String, distill: String = "\"stage1_steps\": 20, \"stage2_steps\": 50") -> String {
    """
    {
      "encoding": \(encoding),
      "nerf": {"grid_resolution": 32, "steps_per_diagonal": 256},
      "training": {\(training)},
      "render": {"orbit": 2, "width": 40, "height": 32},
      "distill": {\(distill)}
    }
    """
}

private let triPlane = #"{"otype": "TriPlane", "n_features": 8, "resolution": 16, "n_levels": 3, "per_level_scale": 2, "reduction": "Sum"}"#

/// The PSNR between two runs' orbit renders (same cameras: the same data and render settings).
private func orbitPSNR(_ a: String, _ b: String) throws -> Double {
    var sum = 0.0, count = 0
    for v in 0..<2 {
        let x = try Image.read(a + "/renders/orbit/rgb_00\(v).png"), y = try Image.read(b + "/renders/orbit/rgb_00\(v).png")
        for i in 0..<min(x.pixels.count, y.pixels.count) {
            let d = Double(x.pixels[i]) - Double(y.pixels[i]); sum += d * d; count += 1
        }
    }
    return -10 * log10(max(sum / Double(count), 1e-12))
}

/// `fieldfit distill`: PVD (and PVD-AL) from a NeRF teacher into another representation, output distillation of
/// image and SDF runs, bad teachers, determinism.
@Suite(.serialized) struct DistillTests {
    @Test func triPlaneStudentMatchesItsTeacherFarBetterThanFromScratch() throws {
        let dir = temporaryFolder()
        let training = "\"steps\": 150, \"batch_size\": 16384, \"eval_every_steps\": 150, \"seed\": 5"
        let student = writeFile(dir, "student.json", studentText(encoding: triPlane, training: training))
        let r = runFieldfit(["distill", nerfTeacher, student, "--out", dir + "/student", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        // The same model from scratch on the ground truth, for the same steps.
        let scratchText = nerfSceneText(training: training).replacingOccurrences(
            of: #""encoding": {"otype": "HashGrid", "n_levels": 8, "n_features_per_level": 2, "log2_hashmap_size": 14, "base_resolution": 8}"#,
            with: "\"encoding\": \(triPlane)")
        #expect(scratchText.contains("TriPlane"))
        let scratch = writeFile(dir, "scratch.json", scratchText)
        #expect(runFieldfit([scratch, "--out", dir + "/scratch", "--quiet", "--threads", "2"]).status == 0)
        let distilled = try orbitPSNR(dir + "/student", nerfTeacher), fromScratch = try orbitPSNR(dir + "/scratch", nerfTeacher)
        #expect(distilled > 24 && distilled > fromScratch + 2, "student vs teacher \(distilled) dB, from scratch \(fromScratch) dB")
        // An ordinary run folder: metrics, eval.json, renders, checkpoint; the config records the teacher.
        let final = try finalMetrics(dir + "/student")
        #expect(number(final["test_psnr"]) > 22, "held-out PSNR \(number(final["test_psnr"]))")
        for name in ["eval.json", "metrics.json", "checkpoint/state.json", "test/view_000.png"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/student/" + name), "missing \(name)")
        }
        let config = try JSONParser.parse(file: dir + "/student/config.json")
        #expect(config["distill"]?["teacher"] == .string(nerfTeacher) && config["distill"]?["method"] == .string("PVD"))
        #expect(config["data"]?["procedural"] == .string("shapes"))
        #expect(runFieldfit(["render", dir + "/student", "--orbit", "1", "--out", dir + "/again", "--quiet"]).status == 0)
    }

    @Test func activeLearningFillsItsPoolsAndResumes() throws {
        let dir = temporaryFolder()
        let student = writeFile(dir, "student.json", studentText(encoding: triPlane, training: "\"steps\": 40, \"batch_size\": 16384, \"eval_every_steps\": 40",
                                                               distill: "\"pose_pool\": 8, \"ray_pool\": 4096"))
        let r = runFieldfit(["distill", nerfTeacher, student, "--method", "PVD-AL", "--out", dir + "/al", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let tensors = try SafeTensors.read(dir + "/al/checkpoint/task.safetensors").tensors
        let errors = try #require(tensors["distill_pose_error"]).floatValues(file: "")
        #expect(errors.count == 8 && errors.filter { $0 > 0 }.count >= 4, "\(errors)")
        let pool = try #require(tensors["distill_ray_pool"])
        #expect(pool.shape[1] > 100, "ray pool \(pool.shape)")
        let config = try JSONParser.parse(file: dir + "/al/config.json")
        #expect(config["distill"]?["method"] == .string("PVD-AL") && config["distill"]?["point_fraction"] == .double(0.3))
        #expect(number(try finalMetrics(dir + "/al")["test_psnr"]) > 15)
        let resumed = runFieldfit(["--resume", dir + "/al", "--steps", "50", "--quiet", "--threads", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }

    @Test func sameSeedGivesTheSameStudent() throws {
        let dir = temporaryFolder()
        let student = writeFile(dir, "student.json", studentText(encoding: triPlane, training: "\"steps\": 30, \"batch_size\": 16384, \"eval_every_steps\": 30",
                                                               distill: "\"method\": \"PVD-AL\", \"pose_pool\": 8"))
        for name in ["a", "b"] {
            #expect(runFieldfit(["distill", nerfTeacher, student, "--out", dir + "/" + name, "--quiet", "--threads", "2"]).status == 0)
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/checkpoint/parameters.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b/checkpoint/parameters.safetensors"))
        #expect(a == b)
    }

    @Test func imageAndSDFStudentsFitTheirTeachersOutputs() throws {
        let dir = temporaryFolder()
        let imageTeacher = writeFile(dir, "image.json", sceneText(training: "\"steps\": 150, \"batch_size\": 4096, \"eval_every_steps\": 150"))
        #expect(runFieldfit([imageTeacher, "--out", dir + "/image-teacher", "--quiet", "--threads", "2"]).status == 0)
        let imageStudent = writeFile(dir, "image-student.json", """
            {"encoding": {"otype": "DenseGrid", "n_levels": 4, "n_features_per_level": 2, "base_resolution": 8, "per_level_scale": 2},
             "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "Sigmoid", "n_neurons": 32, "n_hidden_layers": 1},
             "training": {"steps": 150, "batch_size": 4096, "eval_every_steps": 150}}
            """)
        let r = runFieldfit(["distill", dir + "/image-teacher", imageStudent, "--out", dir + "/image-student", "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let teacherPSNR = number(try finalMetrics(dir + "/image-teacher")["psnr"]), studentPSNR = number(try finalMetrics(dir + "/image-student")["psnr"])
        #expect(studentPSNR > 20 && studentPSNR > teacherPSNR - 8, "student \(studentPSNR) dB, teacher \(teacherPSNR) dB")

        let sdfTeacher = writeFile(dir, "sdf.json", sdfSceneText(training: "\"steps\": 100, \"batch_size\": 8192, \"eval_every_steps\": 100"))
        #expect(runFieldfit([sdfTeacher, "--out", dir + "/sdf-teacher", "--quiet", "--threads", "2"]).status == 0)
        let sdfStudent = writeFile(dir, "sdf-student.json", """
            {"encoding": \(triPlane),
             "network": {"otype": "FullyFusedMLP", "activation": "ReLU", "output_activation": "None", "n_neurons": 32, "n_hidden_layers": 2},
             "loss": {"otype": "MAPE"}, "optimizer": \(sdfConstantAdam),
             "training": {"steps": 100, "batch_size": 8192, "eval_every_steps": 100}, "render": {"orbit": 1, "width": 32, "height": 32},
             "mesh_export": {"resolution": 32}}
            """)
        let s = runFieldfit(["distill", dir + "/sdf-teacher", sdfStudent, "--out", dir + "/sdf-student", "--quiet", "--threads", "2"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(number(try finalMetrics(dir + "/sdf-student")["iou"]) > 0.8)
    }

    @Test func badTeachersGiveOneClearLine() throws {
        let dir = temporaryFolder()
        let student = writeFile(dir, "student.json", studentText(encoding: triPlane, training: "\"steps\": 2"))
        let missing = runFieldfit(["distill", dir + "/nowhere", student, "--quiet"])
        #expect(missing.status == 1 && missing.stderr.contains("distill.teacher") && missing.stderr.contains("no such run folder"), "\(missing.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        let notRun = runFieldfit(["distill", dir + "/empty", student, "--quiet"])
        #expect(notRun.status == 1 && notRun.stderr.contains("is not a run folder"), "\(notRun.stderr)")
        let image = writeFile(dir, "image.json", sceneText(training: "\"steps\": 2, \"batch_size\": 256"))
        #expect(runFieldfit([image, "--out", dir + "/image-run", "--quiet"]).status == 0)
        let nerfStudent = writeFile(dir, "nerf-student.json", #"{"task": "nerf", "data": {"procedural": "shapes", "views": 4, "width": 8, "height": 8}, "training": {"steps": 2}}"#)
        let mismatch = runFieldfit(["distill", dir + "/image-run", nerfStudent, "--quiet"])
        #expect(mismatch.status == 1 && mismatch.stderr.contains("task: is nerf, but the teacher") && mismatch.stderr.contains("image run"), "\(mismatch.stderr)")
        let badMethod = runFieldfit(["distill", dir + "/image-run", student, "--method", "KD"])
        #expect(badMethod.status != 0 && badMethod.stderr.contains("--method"), "\(badMethod.stderr)")
        for r in [missing, notRun, mismatch, badMethod] {
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }
}
