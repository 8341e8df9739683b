import Foundation
import Simulator
import TestSupport
import Testing

@Suite("State across restarts")
struct PersistenceTests {
    let job = DaemonFixture.nightly.id

    @Test("a clean restart brings back last success and runs counted, and counts no run twice")
    func restartKeepsHistory() async throws {
        let fixture = try await DaemonFixture()
        defer { Task { await fixture.tearDown() } }
        fixture.clock.advance(by: 125)  // run 0 finished, run 1 waiting
        let before = await fixture.waitForMetrics {
            $0.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1
                && $0.state(target: "pdfc", job: job) == "waiting"
        }
        let lastSuccess = before.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job])
        #expect(lastSuccess == DaemonFixture.epoch + 110)

        // The vendor answers only 503 from here on: whatever the restarted daemon shows of run 0
        // can only have come from the state directory, not from listing the run again.
        fixture.simulator.faults.set(.status(503))
        try await fixture.restartDaemon()
        let restored = await fixture.waitForMetrics {
            ($0.value("backup_target_poll_errors_total", ["target": "pdfc", "reason": "http"]) ?? 0) >= 1
        }
        #expect(restored.value("backup_target_up", ["target": "pdfc"]) == 0)
        #expect(restored.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == lastSuccess)
        #expect(restored.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1)
        #expect(restored.state(target: "pdfc", job: job) == "waiting")

        // Once the vendor answers again it lists the same finished run: still counted once.
        fixture.simulator.faults.set(nil)
        let polls = restored.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0
        let afterPolls = await fixture.waitForMetrics {
            ($0.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= polls + 3 && $0.value("backup_target_up", ["target": "pdfc"]) == 1
        }
        #expect(afterPolls.value("backup_target_up", ["target": "pdfc"]) == 1)
        #expect(afterPolls.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1)
        #expect(afterPolls.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == lastSuccess)
    }

    @Test("kill -9 of the daemon process loses nothing it had written, and a restart counts no run twice")
    func killNineLosesNothing() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 125)
        let simulator = try await DaemonFixture.startSimulator(jobs: [DaemonFixture.nightly], clock: clock)
        defer { Task { await simulator.stop() } }
        try Data(DaemonFixture.token.utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        try DaemonFixture.config(url: simulator.baseURL, interval: "200ms")
            .write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let arguments = ["--config.file", directory + "/config.yaml", "--storage.path", directory + "/state",
                         "--web.listen-address", "127.0.0.1:\(port)", "--log.format", "logfmt"]
        let environment = ["INET_PASSWORD": DaemonFixture.password]
        let page = { () async -> MetricsPage in MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "") }

        var daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, environment: environment, directory: directory)
        var seen = MetricsPage("")
        _ = await eventually { seen = await page(); return seen.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1 }
        #expect(seen.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1, "\(daemon.output)")

        let succeeded = { (page: MetricsPage) in page.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) }
        let lastSuccess = { (page: MetricsPage) in page.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) }
        let httpErrors = { (page: MetricsPage) in page.value("backup_target_poll_errors_total", ["target": "pdfc", "reason": "http"]) ?? 0 }
        /// kill -9, then a new daemon against a vendor that answers only 503: what it shows once
        /// a poll has failed came from the state directory, never from the vendor listing runs again.
        func killAndRestartFromStoreOnly() async throws {
            await daemon.kill9()
            simulator.faults.set(.status(503))
            daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, environment: environment, directory: directory)
            _ = await eventually { seen = await page(); return httpErrors(seen) >= 1 }
            #expect(httpErrors(seen) >= 1, "\(daemon.output)")
            #expect(seen.value("backup_target_up", ["target": "pdfc"]) == 0)
        }

        // Two more finished runs, killing the daemon between them.
        for round in 1...2 {
            try await killAndRestartFromStoreOnly()
            #expect(succeeded(seen) == Double(round), "\(daemon.output)")
            #expect(lastSuccess(seen) == DaemonFixture.epoch + 110 + Double(round - 1) * 120)
            simulator.faults.set(nil)
            clock.advance(by: 120)
            _ = await eventually { seen = await page(); return succeeded(seen) == Double(round + 1) }
            #expect(succeeded(seen) == Double(round + 1), "\(daemon.output)")
            #expect(lastSuccess(seen) == DaemonFixture.epoch + 110 + Double(round) * 120)
        }
        // One more kill: the store has all three; the vendor listing them again counts none twice.
        try await killAndRestartFromStoreOnly()
        #expect(succeeded(seen) == 3, "\(daemon.output)")
        #expect(lastSuccess(seen) == DaemonFixture.epoch + 110 + 2 * 120)
        simulator.faults.set(nil)
        let polls = seen.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0
        _ = await eventually {
            seen = await page()
            return (seen.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= polls + 3 && seen.value("backup_target_up", ["target": "pdfc"]) == 1
        }
        #expect(seen.value("backup_target_up", ["target": "pdfc"]) == 1)
        #expect(succeeded(seen) == 3)
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0)
    }
}
