@testable import Adapters
import BackupModel
import Foundation
import Testing

/// Captured answers in, the exact normalised jobs and the exact `backup_job_*` lines out. The
/// captures (under `Golden/<vendor>/responses`) include the odd cases: unknown status words, null
/// and missing fields, extra fields, an offset time, numbers sent as strings, a name with quotes.
/// Run with `UPDATE_GOLDEN=1` to accept a deliberate change, then review the diff.
struct SessionVendorGoldenTests {

    @Test("Veeam M365 captured answers give the golden jobs and metric lines")
    func veeam() async throws {
        try await Self.check(vendor: "veeam_m365", model: .veeamM365, extra: "", now: 1_709_678_400)
    }

    @Test("Unitrends captured answers give the golden jobs and metric lines")
    func unitrends() async throws {
        try await Self.check(vendor: "unitrends", model: .unitrends, extra: "timezone: Europe/Berlin", now: 1_413_411_000)
    }

    /// `now` is when the page is rendered, shortly after the captures: only a running run's
    /// elapsed duration depends on it.
    static func check(vendor: String, model: Vendor, extra: String, now: Double) async throws {
        let server = try await SessionVendorHarness.replayServer(vendor: vendor)
        defer { Task { await server.shutdown() } }
        let jobs = try await SessionVendorHarness.withClient { client in
            let target = try SessionVendorHarness.target(vendor: vendor, url: "http://127.0.0.1:\(server.port)", extra: extra)
            return try await SessionVendorHarness.adapter(target, client: client).poll()
        }
        try SessionVendorHarness.expectGolden(try SessionVendorHarness.json(jobs), vendor: vendor, name: "expected-jobs.json")
        let lines = try await SessionVendorHarness.jobMetricLines(target: "\(vendor)-golden", vendor: model, jobs: jobs, now: now)
        try SessionVendorHarness.expectGolden(lines, vendor: vendor, name: "expected-metrics.prom")
    }
}
