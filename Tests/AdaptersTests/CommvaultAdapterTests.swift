@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
@testable import Simulator
import TestSupport
import Testing

/// The Commvault adapter against the simulator over a real socket: login, paging, formats,
/// renewal, wrong credentials, every status word, logout.
@Suite("Commvault adapter")
struct CommvaultAdapterTests {
    typealias H = CommvaultEclypseHarness

    @Test("logs in once with a base64 password, lists subclients with runs newest first, sends the lookup window")
    func pollsJobs() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                let jobs = try await adapter.poll()
                #expect(jobs == sim.expectedJobs())
                #expect(jobs.map(\.id) == ["2/3/2", "5/11/17"])
                #expect(jobs.map(\.name) == ["WINTER/defaultBackupSet/default", "SQL01/SQLINSTANCE/daily"])
                #expect(jobs.map(\.runs.count) == [11, 10])
                sim.clock.advance(by: 30)
                #expect(try await adapter.poll() == sim.expectedJobs())
                #expect(sim.sessions.logins == 1)
                let calls = sim.seen.map { "\($0.method) \($0.uri)" }
                #expect(calls == ["POST /webconsole/api/Login", "GET /webconsole/api/Job?completedJobLookupTime=172800&jobFilter=Backup",
                                  "GET /webconsole/api/Job?completedJobLookupTime=172800&jobFilter=Backup"])
                let job = try #require(sim.seen.last)
                #expect(job.accept == "application/json")
                #expect(job.authtoken?.hasPrefix("QSDK ") == true)
                #expect(job.limit == "100")
                #expect(job.offset == "0")
            }
        }
    }

    @Test("pages with limit/offset headers until the total, and max_jobs bounds what one poll reads")
    func paging() async throws {
        try await CommvaultSimulation.run(history: 4_000) { sim in
            try await withHTTPClient { client in
                let paged = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "page_size: 7"), client: client)
                sim.clearSeen()
                let jobs = try await paged.poll()
                #expect(jobs == sim.expectedJobs())
                let total = jobs.map(\.runs.count).reduce(0, +)
                #expect(total == 40)
                let pages = sim.seen.filter { $0.method == "GET" }
                #expect(pages.map(\.offset) == ["0", "7", "14", "21", "28", "35"])
                #expect(pages.map(\.limit) == ["7", "7", "7", "7", "7", "7"])

                let log = CapturedLog()
                let bounded = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "page_size: 4\nmax_jobs: 10"),
                                            client: client, log: log)
                sim.clearSeen()
                let newest = try await bounded.poll()
                #expect(newest.map(\.runs.count).reduce(0, +) == 10)
                #expect(sim.seen.filter { $0.method == "GET" }.map(\.limit) == ["4", "4", "2"])
                // The ten newest runs of the simulator, whatever subclient they belong to.
                let newestIDs = sim.simulator.allRuns(now: sim.clock.now()).prefix(10).map { found in
                    String(sim.simulator.jobNumber(subclientIndex: sim.simulator.subclients.firstIndex { $0.jobID == found.subclient.jobID } ?? 0,
                                                   cycle: found.run.cycle))
                }
                #expect(Set(newest.flatMap(\.runs).map(\.id)) == Set(newestIDs))
                _ = try await bounded.poll()
                #expect(log.messages(containing: "more backup jobs in the lookup window than max_jobs").count == 1)
            }
        }
    }

    @Test("lookup_window bounds history on the server side")
    func lookupWindow() async throws {
        try await CommvaultSimulation.run(history: 4_000) { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "lookup_window: 10m"), client: client)
                let jobs = try await adapter.poll()
                #expect(jobs == sim.expectedJobs(lookup: 600))
                #expect(jobs.map(\.runs.count).reduce(0, +) < 40)
                #expect(sim.seen.last?.uri == "/webconsole/api/Job?completedJobLookupTime=600&jobFilter=Backup")
            }
        }
    }

    @Test("the same jobs read from XML and from JSON are identical")
    func formats() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                let json = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "format: json"), client: client)
                let xml = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "format: xml"), client: client)
                for _ in 0..<6 {
                    let fromJSON = try await json.poll()
                    let fromXML = try await xml.poll()
                    #expect(fromXML == fromJSON)
                    #expect(fromXML == sim.expectedJobs())
                    sim.clock.advance(by: 37)
                }
                #expect(sim.seen.contains { $0.accept == "application/xml" })
            }
        }
    }

    @Test("an expired token is renewed by one new login and the poll still succeeds")
    func tokenExpiry() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                sim.sessions.expireAfterCalls = 2
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                for _ in 0..<5 { _ = try await adapter.poll() }
                // Calls 1, 2 on the first token; the 3rd poll is refused, logs in again, retries.
                #expect(sim.sessions.logins == 3)
                sim.sessions.expireAfterCalls = nil
                sim.sessions.revokeAll()
                #expect(try await adapter.poll() == sim.expectedJobs())
                #expect(sim.sessions.logins == 4)
                #expect(sim.sessions.failedLogins == 0)
            }
        }
    }

    @Test("tokens the server sends without QSDK get the prefix")
    func barePrefix() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                sim.sessions.prefixTokens = false
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                #expect(try await adapter.poll() == sim.expectedJobs())
                #expect(sim.seen.last?.authtoken?.hasPrefix("QSDK ") == true)
            }
        }
    }

    @Test("a wrong password is reason auth, costs one login per poll and never leaks the password")
    func wrongPassword() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url, password: "pw-SECRET-wrong"), client: client)
                for _ in 0..<3 {
                    let error = await pollError(adapter)
                    #expect(error == PollError(.auth, "POST /Login: login refused: Invalid Username or Password (errorCode 1116)"))
                    #expect(error?.message.contains("pw-SECRET-wrong") == false)
                }
                #expect(sim.sessions.logins == 3)
                #expect(sim.sessions.failedLogins == 3)
                #expect(sim.seen.allSatisfy { $0.method == "POST" })
            }
        }
    }

    @Test("every status word of the vendor note is served and mapped as tabled")
    func everyStatus() async throws {
        try await CommvaultSimulation.run(history: 0) { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "lookup_window: 8784h"), client: client)
                var seen: [String: JobState] = [:]
                // 28 cycles of the first subclient (4 outcomes × 7 waiting words), polled in every phase.
                for _ in 0..<(28 * 4) {
                    for run in try await adapter.poll().flatMap(\.runs) {
                        if let word = run.vendorStatus { seen[word] = run.state }
                    }
                    sim.clock.advance(by: 50)
                }
                // Interrupted needs a subclient with `interruptEvery` (`CommvaultTruthTests`); the
                // cleanup word shows in the last tenth of a failing run, which a poll at 500 s hits.
                let notServed: Set<String> = ["Interrupted", "Suspend Pending", "", "Completed with magic"]
                let expected = Dictionary(uniqueKeysWithValues: CommvaultJobSummaryTests.table.filter { !notServed.contains($0.word) })
                #expect(seen == expected)
            }
        }
    }

    @Test("errors_as_failed reports the errors word as failed; the jobs filter (applied by the daemon) matches ids or names")
    func optionsApply() async throws {
        try await CommvaultSimulation.run(history: 4_000) { sim in
            try await withHTTPClient { client in
                let strict = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "errors_as_failed: true"), client: client)
                let jobs = try await strict.poll()
                #expect(jobs == sim.expectedJobs(errorsAsFailed: true))
                #expect(jobs.flatMap(\.runs).contains { $0.vendorStatus == "Completed w/ one or more errors" && $0.state == .failed })
                // The adapter lists every job; the daemon applies `jobs:` through the one JobFilter.
                for filter in [["5/11/17"], ["SQL01/SQLINSTANCE/daily"]] {
                    let target = try H.target(vendor: .commvault, url: sim.url, jobs: filter)
                    let listed = try await H.adapter(target, client: client).poll()
                    #expect(listed.map(\.id) == ["2/3/2", "5/11/17"])
                    #expect(AdapterRegistry.jobFilter(for: target).apply(listed).selected.map(\.id) == ["5/11/17"])
                }
            }
        }
    }

    @Test("shutdown logs out the session")
    func logout() async throws {
        try await CommvaultSimulation.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                _ = try await adapter.poll()
                #expect(sim.sessions.activeTokens == 1)
                await adapter.shutdown()
                #expect(sim.sessions.logouts == 1)
                #expect(sim.sessions.activeTokens == 0)
                #expect(sim.seen.last.map { "\($0.method) \($0.uri)" } == "POST /webconsole/api/Logout")
                // Nothing to log out of any more.
                await adapter.shutdown()
                #expect(sim.sessions.logouts == 1)
            }
        }
    }

    @Test("bad options and missing credentials are config errors with the key", arguments: [
        ("format: yaml", "/etc/backup-exporter/config.yaml:10: targets[0].options.format: must be json or xml, not 'yaml'"),
        ("lookup_window: 10s", "/etc/backup-exporter/config.yaml:10: targets[0].options.lookup_window: must be between 1m and 8784h (a year)"),
        ("max_jobs: 0", "/etc/backup-exporter/config.yaml:10: targets[0].options.max_jobs: must be between 1 and 100000"),
        ("page_size: 20000", "/etc/backup-exporter/config.yaml:10: targets[0].options.page_size: must be between 1 and 10000"),
        ("lookup_windw: 1h", "/etc/backup-exporter/config.yaml:10: targets[0].options.lookup_windw: unknown key 'lookup_windw' (did you mean 'lookup_window'?)"),
    ])
    func badOptions(_ options: String, _ expected: String) async throws {
        let error = try await H.configError(try H.target(vendor: .commvault, url: "http://127.0.0.1:1", options: options))
        #expect(error?.description == expected)
    }
}
