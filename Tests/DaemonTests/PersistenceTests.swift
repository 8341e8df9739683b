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

        try await fixture.restartDaemon()
        // Straight after start, before any poll could change them: the persisted values.
        let restored = await fixture.waitForMetrics { $0.value("backup_exporter_build_info", ["version": "test"]) == 1 }
        #expect(restored.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == lastSuccess)
        #expect(restored.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 1)
        #expect(restored.state(target: "pdfc", job: job) == "waiting")

        // After polls that list the same finished run again, it is still counted once.
        let afterPolls = await fixture.waitForMetrics { ($0.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= 3 }
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

        // Two more finished runs while killing the daemon between polls.
        for round in 1...2 {
            await daemon.kill9()
            clock.advance(by: 120)
            daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, environment: environment, directory: directory)
            _ = await eventually {
                seen = await page()
                return seen.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == Double(round + 1)
            }
            #expect(seen.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == Double(round + 1), "\(daemon.output)")
            #expect(seen.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == DaemonFixture.epoch + 110 + Double(round) * 120)
        }
        // The same runs listed again after one more kill are not counted again.
        await daemon.kill9()
        daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, environment: environment, directory: directory)
        _ = await eventually { seen = await page(); return (seen.value("backup_target_polls_total", ["target": "pdfc"]) ?? 0) >= 3 }
        #expect(seen.value("backup_job_runs_total", ["target": "pdfc", "job_id": job, "result": "succeeded"]) == 3)
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0)
    }
}
