@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Foundation
import Simulator
import Testing

/// The Unitrends adapter against the simulated appliance over a real socket, with a manual clock.
struct UnitrendsIntegrationTests {
    /// On a whole minute, so `start_date_time` (minute precision) loses only what the cycle adds.
    static let epoch: Double = 1_700_000_040
    static let zone = "America/New_York"

    /// Cycles of 200 s: 10 s queued, 100 s running, 90 s rest.
    static func assets() -> [UnitrendsSimulator.Asset] {
        [
            UnitrendsSimulator.Asset(clientID: 2, clientName: "win32", instanceID: 23, instanceName: "file-level",
                                     job: ScriptedJob(id: "2/23", name: "win32/file-level", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                                      outcomes: [.succeeded, .warning, .failed, .cancelled], sizeBytes: 10_485_760)),
            UnitrendsSimulator.Asset(clientID: 9, clientName: "esx-vm-web",
                                     job: ScriptedJob(id: "9", name: "esx-vm-web", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                                      outcomes: [.succeeded], sizeBytes: 20_971_520, phaseOffset: 50)),
        ]
    }

    typealias Fixture = SimulatorFixture<UnitrendsSimulator>

    static func withSimulator(
        at offset: Double = 455, tokenField: String = "auth_token", historyLimit: Int = 500, _ body: (Fixture) async throws -> Void
    ) async throws {
        let clock = SimulatorClock.manual(at: epoch + offset)
        let simulator = UnitrendsSimulator(
            assets: assets(), credentials: .init(username: "monitor", password: SessionVendorHarness.password), clock: clock, epoch: epoch,
            timeZone: try #require(TimeZone(identifier: zone)), tokenField: tokenField, historyLimit: historyLimit)
        try await withVendorSimulator(vendor: "unitrends", handler: { await simulator.handle($0) }) { server in
            try await body(Fixture(simulator: simulator, server: server, clock: clock))
        }
    }

    /// The simulator and the adapter the registry builds for it (default target), on a fresh client.
    static func withAdapter(at offset: Double = 455, tokenField: String = "auth_token", _ body: (Fixture, any VendorAdapter) async throws -> Void) async throws {
        try await withSimulator(at: offset, tokenField: tokenField) { fixture in
            try await SessionVendorHarness.withAdapter(try target(fixture.url)) { try await body(fixture, $0) }
        }
    }

    static func target(_ url: String, password: String = SessionVendorHarness.password, timeout: String = "5s", extra: String = "") throws -> TargetConfiguration {
        try SessionVendorHarness.target(vendor: "unitrends", url: url, password: password, timeout: timeout,
                                        extra: "timezone: \(zone)\n" + extra)
    }

    /// `start_date_time` has minute precision.
    static func minute(_ offset: Double) -> Double { ((epoch + offset) / 60).rounded(.down) * 60 }

    @Test("logs in, lists recent backups per asset with local times, MiB sizes and running progress")
    func listsBackups() async throws {
        try await Self.withAdapter { fixture, adapter in
            let jobs = try await adapter.poll()
            let mib = 1_048_576.0
            #expect(jobs == [
                ObservedJob(id: "2/23", name: "win32/file-level", runs: [
                    ObservedRun(id: "300", state: .running, progressPercent: 45, startTime: Self.minute(410), sizeBytes: 0, objectCount: 0, vendorStatus: "None"),
                    ObservedRun(id: "200", state: .warning, startTime: Self.minute(210), endTime: Self.minute(210) + 100, durationSeconds: 100,
                                sizeBytes: 5 * mib, objectCount: 23, vendorStatus: "Warning",
                                vendorMessage: "Backup of win32/file-level completed with warnings: 3 files were skipped because they were in use."),
                    ObservedRun(id: "100", state: .succeeded, startTime: Self.minute(10), endTime: Self.minute(10) + 100, durationSeconds: 100,
                                sizeBytes: 10 * mib, objectCount: 47, vendorStatus: "Success"),
                ]),
                ObservedJob(id: "9", name: "esx-vm-web", runs: [
                    ObservedRun(id: "201", state: .succeeded, startTime: Self.minute(260), endTime: Self.minute(260) + 100, durationSeconds: 100,
                                sizeBytes: 20 * mib, objectCount: 95, vendorStatus: "Success"),
                    ObservedRun(id: "101", state: .succeeded, startTime: Self.minute(60), endTime: Self.minute(60) + 100, durationSeconds: 100,
                                sizeBytes: 20 * mib, objectCount: 95, vendorStatus: "Success"),
                ]),
            ])
            let counters = fixture.simulator.counters
            #expect(counters.logins == 1)
            #expect(counters.calls == ["POST /api/backups", "GET /api/jobs/active"])
            #expect(counters.backupFilters == [#"{"start_hours":48}"#])
        }
    }

    @Test("a percentage sent as a decimal string is read in the C locale")
    func stringPercent() async throws {
        // Odd cycles send "45.0"-style strings.
        try await Self.withSimulator(at: 200 + 455) { fixture in
            try await withHTTPClient { client in
                let jobs = try await SessionVendorHarness.adapter(try Self.target(fixture.url), client: client).poll()
                #expect(jobs.first?.runs.first?.state == .running)
                #expect(jobs.first?.runs.first?.progressPercent == 45)
            }
        }
    }

    @Test("no running backup, no call for active jobs")
    func noActiveCall() async throws {
        try await Self.withSimulator(at: 200 * 3 + 170) { fixture in
            try await withHTTPClient { client in
                _ = try await SessionVendorHarness.adapter(try Self.target(fixture.url), client: client).poll()
                #expect(fixture.simulator.counters.calls == ["POST /api/backups"])
            }
        }
    }

    @Test("history is bounded by start_hours and each asset keeps its newest backups_per_job")
    func boundedHistory() async throws {
        try await Self.withSimulator(at: 100 * 3600 + 150, historyLimit: 5000) { fixture in
            try await withHTTPClient { client in
                let target = try Self.target(fixture.url, extra: "options:\n  history: 2h\n  backups_per_job: 4")
                let jobs = try await SessionVendorHarness.adapter(target, client: client).poll()
                #expect(fixture.simulator.counters.backupFilters == [#"{"start_hours":2}"#])
                #expect(jobs.map(\.runs.count) == [4, 4])
                let ids = jobs[0].runs.compactMap { Int($0.id) }
                #expect(ids == ids.sorted(by: >))
                #expect(ids.first == (Int((100 * 3600 + 150) / 200) + 1) * 100)
            }
        }
    }

    @Test("the configured job list keeps only those assets (applied by the daemon's JobFilter, not the adapter)")
    func jobFilter() async throws {
        try await Self.withSimulator { fixture in
            try await withHTTPClient { client in
                let target = try Self.target(fixture.url, extra: "jobs: [\"9\"]")
                let jobs = try await SessionVendorHarness.adapter(target, client: client).poll()
                #expect(jobs.map(\.id) == ["2/23", "9"])
                #expect(AdapterRegistry.jobFilter(for: target).apply(jobs).selected.map(\.id) == ["9"])
            }
        }
    }

    @Test("every Unitrends status word is served and mapped as tabled")
    func everyStatus() async throws {
        try await Self.withSimulator(at: 200 * 4 + 50) { fixture in
            try await withHTTPClient { client in
                let jobs = try await SessionVendorHarness.adapter(try Self.target(fixture.url, extra: "options:\n  backups_per_job: 10"), client: client).poll()
                let seen = Set(jobs.flatMap(\.runs).map { "\($0.vendorStatus ?? "")→\($0.state.rawValue)" })
                #expect(seen == ["None→running", "Success→succeeded", "Warning→warning", "Failure→failed", "None→unknown"])
            }
        }
    }

    @Test("an appliance answering `token` instead of `auth_token` works the same")
    func tokenField() async throws {
        try await Self.withAdapter(tokenField: "token") { fixture, adapter async throws in
            #expect(try await adapter.poll().count == 2)
        }
    }

    @Test("the seed's missing comma is a decode error with the byte offset and no body content")
    func missingComma() async throws {
        try await Self.withSimulator { fixture in
            fixture.simulator.omitCommaAfterSize = true
            try await withHTTPClient { client in
                let error = await pollError(try SessionVendorHarness.adapter(try Self.target(fixture.url), client: client))
                let message = try #require(error?.message)
                #expect(error?.reason == .decode)
                #expect(message.hasPrefix("POST /api/backups: response is not valid JSON at byte "))
                #expect(message.hasSuffix(": expected ',' or '}'"))
                let offset = try #require(Int(message.dropFirst("POST /api/backups: response is not valid JSON at byte ".count).prefix { $0.isNumber }))
                // The first backup is the oldest (id 100): its "size" line ends before byte 300.
                #expect((200..<300).contains(offset))
                #expect(!message.contains("win32") && !message.contains("files"))
            }
        }
    }
}
