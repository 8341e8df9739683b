@testable import Adapters
import BackupModel
import Foundation
import Testing

/// Every vendor end to end against captured answers, through the one `Golden` harness and the one
/// layout it documents. The captures include the odd cases: unknown status words, null and missing
/// fields, extra fields, an offset time, numbers sent as strings, a name with quotes, a job the
/// controller forgot. Run with `UPDATE_GOLDEN=1` to accept a deliberate change, then review the diff.
@Suite("Golden responses")
struct GoldenTests {
    @Test("Veeam M365 captured answers give the golden jobs and metric lines")
    func veeam() async throws {
        let jobs = try await Golden.poll(vendor: "veeam_m365") { url in
            try SessionVendorHarness.target(vendor: "veeam_m365", url: url)
        }
        try await Golden.check(jobs, vendor: "veeam_m365", model: .veeamM365, now: 1_709_678_400)
    }

    @Test("Unitrends captured answers give the golden jobs and metric lines")
    func unitrends() async throws {
        let jobs = try await Golden.poll(vendor: "unitrends") { url in
            try SessionVendorHarness.target(vendor: "unitrends", url: url, extra: "timezone: Europe/Berlin")
        }
        try await Golden.check(jobs, vendor: "unitrends", model: .unitrends, now: 1_413_411_000)
    }

    /// `jobs.json` and `jobs.xml` answer `GET /Job` as `Accept` asks: both formats must give the one
    /// expected file.
    @Test("Commvault JSON and XML captures both give the golden jobs and metric lines")
    func commvault() async throws {
        func poll(format: String) async throws -> [ObservedJob] {
            try await Golden.poll(vendor: "commvault") { url in
                try CommvaultEclypseHarness.target(vendor: .commvault, url: url + "/api", options: "format: \(format)")
            }
        }
        let fromJSON = try await poll(format: "json")
        let fromXML = try await poll(format: "xml")
        #expect(fromXML == fromJSON)
        try await Golden.check(fromJSON, vendor: "commvault", model: .commvault, now: 1_795_482_600)
    }

    static let eclypseIDs = [
        "c83b7cd2-e5df-4dcc-9e9e-301927c76a30", "a697b806-14b1-4c61-a9db-5e875f3982f3",
        "0b9e4d61-7f2a-4c3e-8d5b-2a6c1e9f7b30", "5d2c8a17-93e4-4b6f-a1c0-7e8f9d0b1a2c",
        "ffffffff-0000-4000-8000-000000000404",
    ]

    @Test("ECLYPSE captured answers (one job forgotten) give the golden jobs and metric lines")
    func eclypse() async throws {
        let ids = Self.eclypseIDs
        let jobs = try await Golden.poll(vendor: "eclypse") { url in
            try CommvaultEclypseHarness.target(vendor: .eclypse, url: url, jobs: ids,
                                               options: "names:\n  \(ids[0]): AHU-1 nightly\n  \(ids[3]): Boiler room")
        }
        try await Golden.check(jobs, vendor: "eclypse", model: .eclypse, now: 1_795_482_600)
    }

    /// The responses follow the vendor's documented result shape (`vendors/inet.md`, the help
    /// page's example is one of them); the list shapes mix both forms the adapter accepts.
    @Test("i-net captured answers give the golden jobs and metric lines")
    func inet() async throws {
        let jobs = try await Golden.poll(vendor: "inet") { url in TestTargets.target(url: url) }
        try await Golden.check(jobs, vendor: "inet", model: .inet, now: 1_576_300_000)
    }
}
