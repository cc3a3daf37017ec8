import FieldIO
import Foundation
import Testing
@testable import App

/// No dead time around NeRF training: no evaluation before the first step unless asked, periodic
/// evaluations on a fixed subset of test rays, full test views once at the end, timings in metrics.json.
@Suite(.serialized) struct NeRFRunScheduleTests {
    func evaluations(_ folder: String) throws -> [JSONValue] {
        guard case .array(let list)? = try JSONParser.parse(file: folder + "/metrics.json")["evaluations"] else { return [] }
        return list
    }

    @Test func periodicEvaluationsUseTheRaySubsetAndTheFinalOneTheFullViews() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", nerfSceneText(training: "\"steps\": 30, \"batch_size\": 8192, \"eval_every_steps\": 10",
                                                            nerf: "\"grid_resolution\": 32, \"steps_per_diagonal\": 256, \"eval_rays\": 500"))
        let out = dir + "/run"
        let r = runFieldfit([scene, "--out", out, "--quiet", "--threads", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let evals = try evaluations(out)
        #expect(evals.map { number($0["step"]) } == [10, 20, 30])          // none at step 0
        #expect(evals[0]["ssim"] == nil && number(evals[0]["psnr"]) > 5)    // the subset: PSNR only
        #expect(evals[2]["ssim"] != nil)                                     // the end: full test views
        let final = try finalMetrics(out)
        #expect(number(final["eval_rays"]) == 500)
        #expect(number(final["psnr"]) == number(final["test_psnr"]))        // the outputs reuse the final renders
        for key in ["first_step_after_seconds", "final_evaluation_seconds", "outputs_seconds", "wall_seconds", "end_test_views_seconds"] {
            #expect(number(final[key]) >= 0, "\(key)")
        }
        #expect(number(final["first_step_after_seconds"]) <= number(final["wall_seconds"]))
    }

    @Test func evalAtStartAndFullViewsWhenAsked() throws {
        let dir = temporaryFolder()
        let scene = writeFile(dir, "s.json", nerfSceneText(training: "\"steps\": 20, \"batch_size\": 8192, \"eval_every_steps\": 10",
                                                            nerf: "\"grid_resolution\": 32, \"steps_per_diagonal\": 256, \"eval_at_start\": true, \"eval_rays\": 0"))
        let out = dir + "/run"
        #expect(runFieldfit([scene, "--out", out, "--quiet"]).status == 0)
        let evals = try evaluations(out)
        #expect(evals.map { number($0["step"]) } == [0, 10, 20])
        #expect(evals.allSatisfy { $0["ssim"] != nil })
        let bad = writeFile(dir, "bad.json", nerfSceneText(nerf: "\"eval_rays\": -1"))
        let e = runFieldfit([bad, "--out", dir + "/bad"])
        #expect(e.status != 0 && e.stderr.contains("nerf.eval_rays"), "\(e.stderr)")
    }
}
