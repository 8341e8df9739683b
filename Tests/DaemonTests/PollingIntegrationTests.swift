import Foundation
import Simulator
import TestSupport
import Testing

/// The daemon and a simulated vendor over real sockets: what an operator sees on /metrics as a
/// backup job moves and as its server goes away.
@Suite("Polling, end to end")
struct PollingIntegrationTests {
    let job = DaemonFixture.nightly.id

    @Test("a job goes waiting → running with rising progress → succeeded, and /metrics shows each step")
    func jobLifecycleShowsOnMetrics() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }

        // Both targets' first polls: they run on their own timers, so pdfc's can show first.
        var page = await fixture.waitForMetrics {
            $0.state(target: "pdfc", job: job) == "waiting" && $0.value("backup_target_up", ["target": "cowork"]) == 1
        }
        #expect(page.state(target: "pdfc", job: job) == "waiting")
        #expect(page.value("backup_target_up", ["target": "pdfc"]) == 1)
        #expect(page.value("backup_target_up", ["target": "cowork"]) == 1)
        #expect(page.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0)
        #expect(page.value("backup_job_last_run_start_timestamp_seconds", ["target": "pdfc", "job_id": job]) == DaemonFixture.epoch)
        #expect(page.values("backup_job_state").filter { $0.labels["target"] == "pdfc" }.count == 7)
        #expect(page.text.contains(#"job_name="Nightly \"DS\"""#))

        fixture.clock.advance(by: 39)  // 30 s into the run
        page = await fixture.waitForMetrics { $0.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.3 }
        #expect(page.state(target: "pdfc", job: job) == "running")
        #expect(page.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.3)
        #expect(page.value("backup_job_last_run_end_timestamp_seconds", ["target": "pdfc", "job_id": job]) == nil)

        fixture.clock.advance(by: 30)
        page = await fixture.waitForMetrics { $0.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.6 }
        #expect(page.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.6)

        fixture.clock.advance(by: 45)  // past the end at epoch + 110
        page = await fixture.waitForMetrics { $0.state(target: "pdfc", job: job) == "succeeded" }
        #expect(page.state(target: "pdfc", job: job) == "succeeded")
        #expect(page.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 1)
        #expect(page.value("backup_job_last_run_end_timestamp_seconds", ["target": "pdfc", "job_id": job]) == DaemonFixture.epoch + 110)
        #expect(page.value("backup_job_last_run_duration_seconds", ["target": "pdfc", "job_id": job]) == 100)
        #expect(page.value("backup_job_last_run_size_bytes", ["target": "pdfc", "job_id": job]) == 4096)
        #expect(page.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == DaemonFixture.epoch + 110)
        #expect(page.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1)
        #expect(page.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "failed"]) == 0)
    }

    @Test("when the vendor goes away the target is down with reason connect and its jobs keep their last values")
    func targetDownKeepsJobValues() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        fixture.clock.advance(by: 39)
        let before = await fixture.waitForMetrics { $0.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.3 }
        #expect(before.value("backup_target_up", ["target": "pdfc"]) == 1)

        await fixture.simulator.stop()
        let after = await fixture.waitForMetrics {
            $0.value("backup_target_up", ["target": "pdfc"]) == 0 && $0.value("backup_target_up", ["target": "cowork"]) == 0
        }
        #expect(after.value("backup_target_up", ["target": "pdfc"]) == 0)
        #expect((after.value("backup_target_poll_errors_total", ["target": "pdfc", "reason": "connect"]) ?? 0) >= 1)
        #expect(after.value("backup_target_poll_errors_total", ["target": "pdfc", "reason": "auth"]) == 0)
        #expect(after.state(target: "pdfc", job: job) == "running")
        #expect(after.value("backup_job_progress_ratio", ["target": "pdfc", "job_id": job]) == 0.3)
        #expect(after.value("backup_target_jobs", ["target": "pdfc"]) == 1)
        let status = try await fixture.get("/status").body
        #expect(status.contains("\"reason\" : \"connect\""))
    }

    @Test("a vendor that hangs marks only its target down with reason timeout; the other target keeps polling")
    func hangingTargetDoesNotDelayOthers() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        let hanging = try await DaemonFixture.startSimulator(jobs: [DaemonFixture.nightly], clock: fixture.clock)
        hanging.faults.set(.hang)
        defer { Task { await hanging.stop() } }
        try fixture.writeConfig(DaemonFixture.config(url: fixture.simulator.baseURL, interval: "200ms", extraTargets: """
              - name: stuck
                vendor: inet
                url: \(hanging.baseURL)
                auth:
                  token_file: token
            """))
        _ = await fixture.daemon.reload()
        let page = await fixture.waitForMetrics {
            ($0.value("backup_target_poll_errors_total", ["target": "stuck", "reason": "timeout"]) ?? 0) >= 1
        }
        #expect(page.value("backup_target_up", ["target": "stuck"]) == 0)
        let pollsBefore = page.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0
        // While "stuck" hangs for a whole timeout per poll, "pdfc" keeps its 200 ms rhythm.
        let later = await fixture.waitForMetrics { ($0.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= pollsBefore + 5 }
        #expect((later.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= pollsBefore + 5)
        #expect(later.value("backup_target_up", ["target": "pdfc"]) == 1)
    }
}
