import Foundation
import Simulator
import TestSupport
import Testing

/// `kill -9` of the daemon at random moments while jobs keep changing state, restarting it each
/// time: the store always opens, no last-success time goes backwards, no run counter decreases,
/// and at the end every finished run the vendor listed is counted exactly once.
///
/// CI runs about 150 state changes; `RELIABILITY_FULL=1` runs 500.
@Suite("Crash loop")
struct CrashLoopTests {
    static let jobs: [ScriptedJob] = (0..<5).map { index in
        ScriptedJob(id: "def-\(index)", name: "Job \(index)", waitSeconds: 1, runSeconds: 2, restSeconds: 1,
                    outcomes: [.succeeded, .failed, .warning], sizeBytes: 1000, phaseOffset: Double(index) * 0.7)
    }
    /// waiting → running → finished: three changes per cycle of 4 s of simulated time per job.
    static let changesPerSimulatedSecond = Double(jobs.count) * 3 / 4

    @Test("kill -9 during state changes never loses or double-counts a run")
    func killNineLoop() async throws {
        let targetChanges = ProcessInfo.processInfo.environment["RELIABILITY_FULL"] == "1" ? 500.0 : 150.0
        let clock = SimulatorClock.manual(at: DaemonFixture.epoch)
        let workspace = try await ChildDaemonWorkspace.make(clock: clock, jobs: Self.jobs, config: ChildDaemonWorkspace.oneTarget)
        defer { Task { await workspace.tearDown() } }
        let directory = workspace.directory
        let port = try freePort()
        let arguments = workspace.arguments(port: port) + ["--log.format", "logfmt"]
        let page = { () async -> MetricsPage in MetricsPage((try? await httpGet("http://127.0.0.1:\(port)/metrics")) ?? "") }

        var generator = SystemRandomNumberGenerator()
        var lastSuccess: [String: Double] = [:]
        var runs: [String: Double] = [:]
        var regressions: [String] = []
        var rounds = 0
        var simulated = 0.0
        while simulated * Self.changesPerSimulatedSecond < targetChanges {
            let daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, directory: directory)
            // The store must open every time: the page is served and carries the persisted values.
            let opened = await eventually(timeout: 10) { await page().value("backup_exporter_build_info") == 1 }
            guard opened else {
                Issue.record("round \(rounds): daemon did not come up: \(daemon.output)")
                await daemon.kill9()
                return
            }
            let step = Double.random(in: 0.3...2.5, using: &generator)
            clock.advance(by: step)
            simulated += step
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &generator)))
            await daemon.kill9()
            rounds += 1

            // A second daemon reads back what the store kept (it may poll and be killed too: one
            // more crash at an arbitrary moment).
            let check = try ChildProcess(executable: "backup-exporter", arguments: arguments, directory: directory)
            var current = MetricsPage("")
            _ = await eventually(timeout: 10) { current = await page(); return current.value("backup_exporter_build_info") == 1 }
            for job in Self.jobs {
                let labels = ["target": "pdfc", "job_id": job.id]
                if let value = current.value("backup_job_last_success_timestamp_seconds", labels) {
                    if value < lastSuccess[job.id, default: 0] { regressions.append("round \(rounds): \(job.id) last success went back") }
                    lastSuccess[job.id] = value
                }
                for result in ["succeeded", "warning", "failed", "cancelled"] {
                    let key = job.id + "/" + result
                    let value = current.value("backup_job_runs_total", labels.merging(["result": result]) { $1 }) ?? 0
                    if value < runs[key, default: 0] { regressions.append("round \(rounds): \(key) runs went from \(runs[key, default: 0]) to \(value)") }
                    runs[key] = value
                }
            }
            await check.kill9()
        }
        #expect(regressions == [])

        // Finally let one daemon poll the final state and compare with what the vendor produced.
        let daemon = try ChildProcess(executable: "backup-exporter", arguments: arguments, directory: directory)
        let now = clock.now()
        var final = MetricsPage("")
        let expected = Self.expectedRuns(now: now)
        let settled = await eventually(timeout: 15) {
            final = await page()
            return expected.allSatisfy { key, count in
                let parts = key.split(separator: "/")
                return final.value("backup_job_runs_total", ["target": "pdfc", "job_id": String(parts[0]), "result": String(parts[1])]) == count
            }
        }
        #expect(settled, "after \(rounds) kills over \(Int(simulated * Self.changesPerSimulatedSecond)) state changes: \(Self.diff(expected, final))")
        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: 5) == 0)
    }

    /// Finished runs per job and result up to `now`, as the simulator scripted them.
    static func expectedRuns(now: Double) -> [String: Double] {
        var counts: [String: Double] = [:]
        for job in jobs {
            for result in ["succeeded", "warning", "failed", "cancelled"] { counts[job.id + "/" + result] = 0 }
            for run in job.runs(now: now, epoch: DaemonFixture.epoch, limit: 10_000) {
                if case .finished(let outcome) = run.phase { counts[job.id + "/" + outcome.rawValue, default: 0] += 1 }
            }
        }
        return counts
    }

    static func diff(_ expected: [String: Double], _ page: MetricsPage) -> String {
        expected.sorted { $0.key < $1.key }.compactMap { key, count in
            let parts = key.split(separator: "/")
            let actual = page.value("backup_job_runs_total", ["target": "pdfc", "job_id": String(parts[0]), "result": String(parts[1])])
            return actual == count ? nil : "\(key) expected \(count) got \(actual.map { "\($0)" } ?? "none")"
        }.joined(separator: ", ")
    }
}
