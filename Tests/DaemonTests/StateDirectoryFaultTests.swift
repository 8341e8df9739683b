import Foundation
import Simulator
import TestSupport
import Testing

/// The state directory on a small tmpfs that the test fills up under a running daemon: metrics
/// keep being served and moving, the failure is logged at `error` and counted in
/// `backup_exporter_state_write_errors_total`, and writes resume when space comes back (proved by
/// a restart that finds the newest counts, including the change that was pending). Needs root and
/// mount(8); CI has both. A read-only remount cannot be staged under a running daemon (the kernel
/// refuses it with EBUSY while the database is open for writing); the store's own tests cover a
/// refused write with a locked database instead.
@Suite("State directory faults", .serialized)
struct StateDirectoryFaultTests {
    let job = DaemonFixture.nightly.id

    @Test("a full state directory: served, counted, logged at error, and writes resume when space returns")
    func fullDisk() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mountPoint = directory + "/state"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]) == 0,
                     "mounting a tmpfs needs root and mount(8)")
        defer { _ = Self.run("/bin/umount", ["-l", mountPoint]) }

        let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 125)  // run 0 finished
        let simulator = try await DaemonFixture.startSimulator(jobs: [DaemonFixture.nightly], clock: clock)
        defer { Task { await simulator.stop() } }
        try Data(DaemonFixture.token.utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        try """
            defaults: { interval: 100ms, timeout: 1s, jitter: 0% }
            targets:
              - name: pdfc
                vendor: inet
                url: \(simulator.baseURL)
                auth: { token_file: token }
            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let arguments = ["--config.file", directory + "/config.yaml", "--storage.path", mountPoint,
                         "--web.listen-address", "127.0.0.1:\(port)", "--log.format", "logfmt"]
        let page = { () async -> MetricsPage in MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "") }
        let succeeded = { (page: MetricsPage) in page.value("backup_job_runs_total", ["target": "pdfc", "job_id": self.job, "result": "succeeded"]) }
        let writeErrors = { (page: MetricsPage) in page.value("backup_exporter_state_write_errors_total") ?? 0 }

        var daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, directory: directory)
        var seen = MetricsPage("")
        _ = await eventually { seen = await page(); return succeeded(seen) == 1 }
        #expect(succeeded(seen) == 1, "\(daemon.output)")
        #expect(writeErrors(seen) == 0)

        let errorsBefore = writeErrors(seen)
        // Full: fill the tmpfs, finish another run, then free the space.
        let filler = mountPoint + "/filler"
        _ = Self.run("/bin/dd", ["if=/dev/zero", "of=" + filler, "bs=64k", "count=64"])
        clock.advance(by: 120)
        _ = await eventually { seen = await page(); return succeeded(seen) == 2 && writeErrors(seen) > errorsBefore }
        #expect(succeeded(seen) == 2)
        #expect(writeErrors(seen) > errorsBefore)
        #expect(daemon.output.contains("level=error msg=\"cannot write the state store\""), "\(daemon.output.suffix(2000))")
        try FileManager.default.removeItem(atPath: filler)
        clock.advance(by: 120)
        _ = await eventually { seen = await page(); return succeeded(seen) == 3 }
        let errorsAfter = writeErrors(seen)
        try await Task.sleep(for: .milliseconds(500))
        #expect(writeErrors(await page()) == errorsAfter, "writes should succeed again once there is space")

        // A clean stop and a restart find everything, including what was pending while it failed.
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0, "\(daemon.output.suffix(2000))")
        simulator.faults.set(.status(503))  // the restarted daemon may only show what it stored
        daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, directory: directory)
        _ = await eventually { seen = await page(); return seen.value("backup_exporter_build_info") == 1 }
        #expect(succeeded(seen) == 3, "\(daemon.output.suffix(2000))")
        #expect(seen.value("backup_job_last_success_timestamp_seconds", ["target": "pdfc", "job_id": job]) == DaemonFixture.epoch + 110 + 2 * 120)
        daemon.signal(SIGTERM)
        _ = await daemon.waitForExit(timeout: 5)
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
