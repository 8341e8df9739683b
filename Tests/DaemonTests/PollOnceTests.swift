import Foundation
import Simulator
import TestSupport
import Testing

/// `backup-exporter poll-once`, the binary as an operator runs it: one poll of every target, a
/// table on stdout, and the exit status a script can test.
@Suite("poll-once")
struct PollOnceTests {
    @Test("prints each job's state with the vendor's own words for a failed run, and a down target's reason; exits 2")
    func tableWithVendorMessages() async throws {
        let directory = try TemporaryDirectory.kept()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = SimulatorClock.manual(at: DaemonFixture.epoch + 1)
        let jobs = [
            ScriptedJob(id: "def-db", name: "Database", waitSeconds: 1, runSeconds: 2, restSeconds: 600, outcomes: [.failed]),
            ScriptedJob(id: "def-files", name: "Files", waitSeconds: 1, runSeconds: 2, restSeconds: 600, outcomes: [.succeeded]),
        ]
        let simulator = try await DaemonFixture.startSimulator(jobs: jobs, clock: clock)
        defer { Task { await simulator.stop() } }
        clock.advance(by: 5)
        try Data((DaemonFixture.token + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/token"))
        let closedPort = try freePort()
        try """
            targets:
              - name: pdfc
                vendor: inet
                url: \(simulator.baseURL)
                timeout: 5s
                auth:
                  token_file: token
              - name: gone
                vendor: inet
                url: http://127.0.0.1:\(closedPort)
                timeout: 5s
                auth:
                  token_file: token

            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)

        let command = try ChildProcess(executable: "backup-exporter",
                                       arguments: ["poll-once", "--config.file", directory + "/config.yaml"], directory: directory)
        let status = await command.waitForExit(timeout: 30)
        let lines = command.output.split(separator: "\n").map(String.init)
        #expect(status == 2, "a target that could not be polled makes the exit status 2: \(command.output)")
        #expect(lines.first?.hasSuffix("VENDOR_MESSAGE") == true)
        let failed = try #require(lines.first { $0.hasPrefix("pdfc ") && $0.contains(" def-db ") })
        #expect(failed.contains(" failed "))
        #expect(failed.hasSuffix("database: target volume not writable"))
        let succeeded = try #require(lines.first { $0.hasPrefix("pdfc ") && $0.contains(" def-files ") })
        #expect(succeeded.contains(" succeeded "))
        #expect(!succeeded.contains("not writable"))
        let gone = try #require(lines.first { $0.hasPrefix("gone ") })
        #expect(gone.contains("(connect: "))
    }
}
