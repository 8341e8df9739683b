import Adapters
import AsyncHTTPClient
import BackupModel
import Daemon
import Foundation
import Logging
import Simulator
import TestSupport
import Testing

/// The config's `jobs:` through the real daemon, for every vendor: each vendor's simulator, the
/// scheduler, the one filter and `/metrics`. Each entry names a job the way an operator would
/// copy it from that vendor's console, which is not always the id the exporter keys on.
@Suite("jobs: filter, end to end for every vendor")
struct JobFilterTests {
    @Test("each vendor's jobs: entry selects exactly its job, by any key the vendor names it by; a typo is logged once per target")
    func filterSelectsByVendorKeys() async throws {
        let suite = try await SimulatorSuite.start()
        let directory = try TemporaryDirectory.kept()
        let client = VendorHTTPClient()
        let logs = CapturedLog()
        let options = DaemonFixture.options(directory: directory)
        let configPath = options.configPath
        defer {
            Task {
                await suite.stop()
                try? await client.shutdown()
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        let eclypseIDs = EclypseSimulator.demoJobs().map(\.id)
        try Self.config(suite, eclypse: eclypseIDs, filters: [:]).write(toFile: configPath, atomically: true, encoding: .utf8)
        let daemon = try DaemonFixture.makeDaemon(options: options, environment: [:], client: client, logger: logs.logger)
        try await daemon.start()
        let base = "http://127.0.0.1:\(await daemon.boundPort ?? 0)"

        // Unfiltered: learn each vendor's jobs as the vendor lists them.
        let targets = ["inet", "veeam", "unitrends", "commvault"]
        var page = await Self.waitForPage(base) { page in
            targets.allSatisfy { page.jobs(of: $0).count >= 2 }
        }
        try #require(targets.allSatisfy { page.jobs(of: $0).count >= 2 }, "every vendor lists at least two jobs")
        let inet = try #require(page.jobs(of: "inet").first)
        let veeam = try #require(page.jobs(of: "veeam").first)
        let unitrends = try #require(page.jobs(of: "unitrends").first { !$0.name.isEmpty && $0.name != $0.id })
        let commvault = try #require(page.jobs(of: "commvault").first { !$0.name.isEmpty && $0.name != $0.id })

        // Filtered: i-net by definition id, Veeam by its GUID in upper case, Unitrends and
        // Commvault by the display name, ECLYPSE by one of its ids; plus a typo everywhere.
        let filters: [String: [String]] = [
            "inet": [inet.id, "no-such-job"],
            "veeam": [veeam.id.uppercased(), "no-such-job"],
            "unitrends": [unitrends.name, "no-such-job"],
            "commvault": [commvault.name, "no-such-job"],
        ]
        try Self.config(suite, eclypse: [eclypseIDs[0]], filters: filters).write(toFile: configPath, atomically: true, encoding: .utf8)
        guard case .success = await daemon.reload() else {
            Issue.record("the filtered config was rejected")
            await daemon.stop()
            return
        }
        let expected: [String: [String]] = [
            "inet": [inet.id], "veeam": [veeam.id], "unitrends": [unitrends.id], "commvault": [commvault.id],
            "eclypse": [eclypseIDs[0]],
        ]
        page = await Self.waitForPage(base) { page in
            expected.allSatisfy { target, ids in page.jobs(of: target).map { $0.id } == ids }
        }
        for (target, ids) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(page.jobs(of: target).map { $0.id } == ids, "target \(target)")
            #expect(page.value("backup_target_jobs", ["target": target]) == Double(ids.count), "target \(target)")
        }
        // Let a few more polls happen: the typo is still reported once per target.
        try await Task.sleep(for: .milliseconds(800))
        let typos = ["commvault no-such-job", "inet no-such-job", "unitrends no-such-job", "veeam no-such-job"]
        #expect(Self.unmatchedEntries(logs) == typos)

        // A reload of the same file keeps every poller, and reports each typo once more: an
        // operator who reloads to check a fix sees whether it took.
        guard case .success = await daemon.reload() else {
            Issue.record("the unchanged config was rejected on reload")
            await daemon.stop()
            return
        }
        _ = await eventually(timeout: 10) { Self.unmatchedEntries(logs).count >= 2 * typos.count }
        try await Task.sleep(for: .milliseconds(800))
        await daemon.stop()
        #expect(Self.unmatchedEntries(logs) == typos.flatMap { [$0, $0] })
    }

    /// "target entry" for each unmatched-entry warning logged so far, sorted.
    static func unmatchedEntries(_ logs: CapturedLog) -> [String] {
        logs.entries.filter { $0.message == "jobs: entry matches no job of the target" }
            .map { "\($0.metadata["target"] ?? "") \($0.metadata["entry"] ?? "")" }.sorted()
    }

    /// One target per vendor (the demo's credentials), polled every 200 ms.
    static func config(_ suite: SimulatorSuite, eclypse: [String], filters: [String: [String]]) -> String {
        func jobs(_ target: String) -> String {
            guard let entries = filters[target] else { return "" }
            return "    jobs: [" + entries.map { "\"\($0)\"" }.joined(separator: ", ") + "]\n"
        }
        return """
            defaults:
              interval: 200ms
              timeout: 2s
              jitter: 0%
            targets:
              - name: inet
                vendor: inet
                url: \(suite.inet.baseURL)
                auth:
                  token: \(SimulatorSuite.inetToken)
            \(jobs("inet"))  - name: veeam
                vendor: veeam_m365
                url: \(suite.veeamM365.baseURL)
                auth:
                  username: \(SimulatorSuite.veeamUser)
                  password: \(SimulatorSuite.veeamPassword)
            \(jobs("veeam"))  - name: unitrends
                vendor: unitrends
                url: \(suite.unitrends.baseURL)
                timezone: \(SimulatorSuite.unitrendsTimeZone)
                auth:
                  username: \(SimulatorSuite.unitrendsUser)
                  password: \(SimulatorSuite.unitrendsPassword)
            \(jobs("unitrends"))  - name: commvault
                vendor: commvault
                url: \(suite.commvault.baseURL)/webconsole/api
                auth:
                  username: \(SimulatorSuite.commvaultUser)
                  password: \(SimulatorSuite.commvaultPassword)
            \(jobs("commvault"))  - name: eclypse
                vendor: eclypse
                url: \(suite.eclypse.baseURL)
                auth:
                  username: \(SimulatorSuite.eclypseUser)
                  password: \(SimulatorSuite.eclypsePassword)
                jobs: [\(eclypse.joined(separator: ", "))]

            """
    }

    static func waitForPage(_ base: String, _ condition: @escaping (MetricsPage) -> Bool) async -> MetricsPage {
        await MetricsPage.waitFor(timeout: 20, from: {
            var request = HTTPClientRequest(url: base + "/metrics")
            request.method = .GET
            guard let response = try? await scrapeClient.execute(request, timeout: .seconds(5)),
                  let body = try? await response.body.collect(upTo: 64 << 20) else { return MetricsPage("") }
            return MetricsPage(String(buffer: body))
        }, until: condition)
    }
}

extension MetricsPage {
    /// The jobs of a target as `backup_job_runs_total{result="succeeded"}` lists them (one series
    /// per job, present for every job, run or not).
    func jobs(of target: String) -> [(id: String, name: String)] {
        values("backup_job_runs_total")
            .filter { $0.labels["target"] == target && $0.labels["result"] == "succeeded" }
            .map { ($0.labels["job_id"] ?? "", $0.labels["job_name"] ?? "") }
    }
}
