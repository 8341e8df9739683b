@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Foundation
import Simulator
import Testing

/// The Veeam adapter against the simulated server over a real socket, with manual clocks.
struct VeeamM365IntegrationTests {
    static let epoch: Double = 1_700_000_000
    static let user = "monitor@contoso.example"
    static let mailboxes = "3c407448-4d05-432f-a651-144827bed5ce"
    static let oneDrive = "8f2e6b1a-93c4-4d7e-b0a5-5c1d2e3f4a6b"

    /// Cycles of 200 s: 10 s queued, 100 s running, 90 s rest.
    static func jobs() -> [ScriptedJob] {
        [
            ScriptedJob(id: mailboxes, name: "Mailboxes", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                        outcomes: [.succeeded, .warning, .failed, .cancelled], sizeBytes: 1_200_000),
            ScriptedJob(id: oneDrive, name: "OneDrive", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                        outcomes: [.succeeded], sizeBytes: 2_400_000, phaseOffset: 50),
        ]
    }

    typealias Fixture = SimulatorFixture<VeeamM365Simulator>

    static func withSimulator(
        at offset: Double = 455, versions: Set<String> = ["v6", "v7", "v8"], tokenLifetime: Double = 3600,
        _ body: (Fixture) async throws -> Void
    ) async throws {
        let clock = SimulatorClock.manual(at: epoch + offset)
        let simulator = VeeamM365Simulator(jobs: jobs(), credentials: .init(username: user, password: SessionVendorHarness.password),
                                           clock: clock, epoch: epoch, servedVersions: versions, tokenLifetime: tokenLifetime)
        try await withVendorSimulator(vendor: "veeam_m365", handler: { await simulator.handle($0) }) { server in
            try await body(Fixture(simulator: simulator, server: server, clock: clock))
        }
    }

    /// The simulator and the adapter the registry builds for it (default target), on a fresh client.
    static func withAdapter(at offset: Double = 455, versions: Set<String> = ["v6", "v7", "v8"], _ body: (Fixture, any VendorAdapter) async throws -> Void) async throws {
        try await withSimulator(at: offset, versions: versions) { fixture in
            try await SessionVendorHarness.withAdapter(try target(fixture.url)) { try await body(fixture, $0) }
        }
    }

    static func target(_ url: String, password: String = SessionVendorHarness.password, timeout: String = "5s", options: String = "") throws -> TargetConfiguration {
        let extra = options.isEmpty ? "" : "options:\n" + options.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return try SessionVendorHarness.target(vendor: "veeam_m365", url: url, username: user, password: password, timeout: timeout, extra: extra)
    }

    static func session(_ job: String, _ cycle: Int) -> String {
        "\(job.prefix(8))-5e55-4000-8000-\(String(format: "%012lx", cycle))"
    }

    @Test("logs in with the password grant and reads jobs and their sessions, newest first")
    func listsJobsAndSessions() async throws {
        try await Self.withAdapter { fixture, adapter in
            let jobs = try await adapter.poll()
            let e = Self.epoch
            #expect(jobs == [
                // The job fields: enabled, the next cycle as next run, the current cycle as last
                // run and status; a warned session's details are its vendor message.
                ObservedJob(id: Self.mailboxes, name: "Mailboxes", runs: [
                    ObservedRun(id: Self.session(Self.mailboxes, 2), state: .running, startTime: e + 400, sizeBytes: 0, objectCount: 0, vendorStatus: "Running"),
                    ObservedRun(id: Self.session(Self.mailboxes, 1), state: .warning, startTime: e + 200, endTime: e + 310, sizeBytes: 600_000, objectCount: 60, vendorStatus: "Warning",
                                vendorMessage: "Processing completed with warnings: 3 items were skipped (item size exceeds the limit)."),
                    ObservedRun(id: Self.session(Self.mailboxes, 0), state: .succeeded, startTime: e, endTime: e + 110, sizeBytes: 1_200_000, objectCount: 120, vendorStatus: "Success"),
                ], enabled: true, nextRunTime: e + 600,
                summaryRun: ObservedRun(id: Self.mailboxes + "#lastRun", state: .running, startTime: e + 400, vendorStatus: "Running")),
                ObservedJob(id: Self.oneDrive, name: "OneDrive", runs: [
                    ObservedRun(id: Self.session(Self.oneDrive, 2), state: .waiting, startTime: e + 450, sizeBytes: 0, objectCount: 0, vendorStatus: "Queued"),
                    ObservedRun(id: Self.session(Self.oneDrive, 1), state: .succeeded, startTime: e + 250, endTime: e + 360, sizeBytes: 2_400_000, objectCount: 120, vendorStatus: "Success"),
                    ObservedRun(id: Self.session(Self.oneDrive, 0), state: .succeeded, startTime: e + 50, endTime: e + 160, sizeBytes: 2_400_000, objectCount: 120, vendorStatus: "Success"),
                ], enabled: true, nextRunTime: e + 650,
                summaryRun: ObservedRun(id: Self.oneDrive + "#lastRun", state: .waiting, startTime: e + 450, vendorStatus: "Queued")),
            ])
            let counters = fixture.simulator.counters
            #expect(counters.passwordLogins == 1)
            #expect(counters.calls == [
                "GET /v8/Jobs?limit=100&offset=0",
                "GET /v8/JobSessions?jobId=\(Self.mailboxes)&limit=100&offset=0",
                "GET /v8/JobSessions?jobId=\(Self.oneDrive)&limit=100&offset=0",
            ])
        }
    }

    @Test("the configured job list keeps only those jobs")
    func jobFilter() async throws {
        try await Self.withSimulator { fixture in
            try await withHTTPClient { client in
                let target = try SessionVendorHarness.target(vendor: "veeam_m365", url: fixture.url, username: Self.user,
                                                             extra: "jobs: [\"\(Self.oneDrive.uppercased())\"]")
                let jobs = try await SessionVendorHarness.adapter(target, client: client).poll()
                #expect(jobs.map(\.id) == [Self.oneDrive])
            }
        }
    }

    @Test("jobs and sessions are read in pages of page_size; every session page, then the newest sessions_per_job")
    func paging() async throws {
        try await Self.withSimulator(at: 200 * 12 + 5) { fixture in
            try await withHTTPClient { client in
                let target = try Self.target(fixture.url, options: "page_size: 2\nsessions_per_job: 5")
                let jobs = try await SessionVendorHarness.adapter(target, client: client).poll()
                #expect(jobs.map(\.id) == [Self.mailboxes, Self.oneDrive])
                #expect(jobs[0].runs.map(\.id) == (8...12).reversed().map { Self.session(Self.mailboxes, $0) })
                #expect(jobs[1].runs.map(\.id) == (7...11).reversed().map { Self.session(Self.oneDrive, $0) })
                let calls = fixture.simulator.counters.calls
                // The listing's order is undocumented, so every page is read: 13 and 12 sessions,
                // until a short (or empty) page.
                #expect(calls == [
                    "GET /v8/Jobs?limit=2&offset=0",
                    "GET /v8/Jobs?limit=2&offset=2",
                ] + (0...6).map { "GET /v8/JobSessions?jobId=\(Self.mailboxes)&limit=2&offset=\($0 * 2)" }
                  + (0...6).map { "GET /v8/JobSessions?jobId=\(Self.oneDrive)&limit=2&offset=\($0 * 2)" })
            }
        }
    }

    @Test("a server without v8 answers on v7, one without v7 on v6, and the jobs read the same")
    func versionFallback() async throws {
        var results: [String: [ObservedJob]] = [:]
        for versions: Set<String> in [["v6", "v7", "v8"], ["v6", "v7"], ["v6"]] {
            try await Self.withAdapter(versions: versions) { fixture, adapter in
                results[versions.sorted().last ?? ""] = try await adapter.poll()
                // The fallback is remembered: a second poll sends no more 404 probes.
                _ = try await adapter.poll()
                let calls = fixture.simulator.counters.calls
                switch versions.count {
                case 3:
                    #expect(calls.first == "GET /v8/Jobs?limit=100&offset=0")
                case 2:
                    #expect(calls.first == "GET /v7/Jobs?limit=100&offset=0")
                    #expect(calls[1] == "GET /v7/JobSessions?jobId=\(Self.mailboxes)&limit=100&offset=0")
                default:
                    #expect(calls.first == "GET /v6/Jobs?limit=100&offset=0")
                    #expect(calls[1] == "GET /v6/Jobs/\(Self.mailboxes)/JobSessions?limit=100&offset=0")
                }
                #expect(fixture.simulator.counters.passwordLogins == 1)
            }
        }
        #expect(results["v8"]?.count == 2)
        #expect(results["v7"] == results["v8"])
        #expect(results["v6"] == results["v8"])
    }

    @Test("a server that serves none of v8, v7, v6 is an http error naming the versions tried")
    func noVersion() async throws {
        try await Self.withAdapter(versions: ["v9"]) { fixture, adapter in
            #expect(await pollError(adapter) == PollError(.http, "POST /v<N>/Token: HTTP 404 for every API version tried (v8, v7, v6)"))
        }
    }

    @Test("every Veeam status word is served and mapped as tabled")
    func everyStatus() async throws {
        try await Self.withSimulator(at: 200 * 12 + 5) { fixture in
            try await withHTTPClient { client in
                let target = try Self.target(fixture.url, options: "sessions_per_job: 20")
                let adapter = try SessionVendorHarness.adapter(target, client: client)
                var seen: [String: JobState] = [:]
                for _ in 0..<2 {
                    for job in try await adapter.poll() {
                        for run in job.runs { seen[run.vendorStatus ?? ""] = run.state }
                    }
                    fixture.clock.advance(by: 50)
                }
                #expect(seen == [
                    "Queued": .waiting, "Running": .running, "Success": .succeeded, "Warning": .warning, "Failed": .failed,
                    "Stopped": .cancelled, "Disconnected": .unknown, "NotConfigured": .unknown,
                ])
            }
        }
    }

    /// The adapter on a clock of its own (the token lifetime is its business), after one poll.
    static func withClockedAdapter(_ body: (Fixture, VeeamM365Adapter, SimulatorClock) async throws -> Void) async throws {
        try await withSimulator { fixture in
            try await withHTTPClient { client in
                let adapterClock = SimulatorClock.manual(at: 0)
                let context = try SessionVendorHarness.context(try target(fixture.url), client: client)
                let adapter = VeeamM365Adapter(context: context, options: VeeamM365Options(), clock: { adapterClock.now() })
                _ = try await adapter.poll()
                try await body(fixture, adapter, adapterClock)
            }
        }
    }

    @Test("a token about to expire is refreshed with the refresh grant, not the password")
    func refreshBeforeExpiry() async throws {
        try await Self.withClockedAdapter { fixture, adapter, adapterClock async throws in
            adapterClock.advance(by: 3500)
            _ = try await adapter.poll()
            #expect(fixture.simulator.counters.refreshLogins == 0)
            adapterClock.advance(by: 50)  // within a minute of expires_in (3600)
            _ = try await adapter.poll()
            let counters = fixture.simulator.counters
            #expect(counters.passwordLogins == 1)
            #expect(counters.refreshLogins == 1)
            #expect(counters.rejectedTokens == 0)
            #expect(await adapter.session.logins == 2)
        }
    }

    @Test("a refused refresh token falls back to the password within the same poll")
    func refusedRefresh() async throws {
        try await Self.withClockedAdapter { fixture, adapter, adapterClock async throws in
            fixture.simulator.rejectRefreshTokens = true
            adapterClock.advance(by: 3590)
            #expect(try await adapter.poll().count == 2)
            let counters = fixture.simulator.counters
            #expect(counters.passwordLogins == 2)
            #expect(counters.refreshLogins == 0)
            #expect(counters.refusedLogins == 1)
        }
    }
}
