@testable import Adapters
import BackupModel
import Foundation
import Testing
import WebServer

/// Commvault and ECLYPSE end to end against fixed responses, in the manner of node_exporter's
/// `e2e-output.txt`: captured answers in, exactly `Golden/<vendor>/expected-jobs.json` (JSON,
/// sorted keys) and `Golden/<vendor>/metrics.prom` (the `backup_job_*` lines of `/metrics`) out.
///
/// Commvault: `login.json` answers `POST /Login`; `jobs.json` and `jobs.xml` (the same jobs, the
/// XML with every value an attribute string) answer `GET /Job` as `Accept` asks. Both formats
/// must give the one expected file. The list was captured from the simulator, plus the API
/// reference's own example job (id 4) and one status word this version does not know.
///
/// ECLYPSE: `api/rest/v1/system/backup/jobs/<id>.json` answer the legacy path; one configured id
/// has no file, so the controller "forgot" it (404).
///
/// After an intended change, regenerate with
///
///     UPDATE_GOLDEN=1 swift test --filter AdaptersTests.SessionVendorGoldenTests
///
/// then run again without it and review `git diff Tests/AdaptersTests/Golden`.
@Suite("Commvault and ECLYPSE golden responses")
struct CommvaultEclypseGoldenTests {
    typealias H = CommvaultEclypseHarness

    static let commvaultNow = 1_795_482_600.0
    static let eclypseNow = 1_795_482_600.0
    static let eclypseIDs = [
        "c83b7cd2-e5df-4dcc-9e9e-301927c76a30", "a697b806-14b1-4c61-a9db-5e875f3982f3",
        "0b9e4d61-7f2a-4c3e-8d5b-2a6c1e9f7b30", "5d2c8a17-93e4-4b6f-a1c0-7e8f9d0b1a2c",
        "ffffffff-0000-4000-8000-000000000404",
    ]

    static func serve(_ handler: @escaping HTTPHandler, _ body: (String) async throws -> [ObservedJob]) async throws -> [ObservedJob] {
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0), handler: handler)
        do {
            let jobs = try await body("http://127.0.0.1:\(server.port)")
            await server.shutdown()
            return jobs
        } catch {
            await server.shutdown()
            throw error
        }
    }

    static func file(_ vendor: String, _ name: String) throws -> Data? {
        FileManager.default.contents(atPath: try H.goldenFolder(vendor).appendingPathComponent(name).path)
    }

    static func pollCommvault(format: String) async throws -> [ObservedJob] {
        let login = try #require(try file("commvault", "login.json"))
        let json = try #require(try file("commvault", "jobs.json"))
        let xml = try #require(try file("commvault", "jobs.xml"))
        return try await serve({ request in
            switch request.path {
            case "/api/Login": return HTTPResponse(status: .ok, contentType: "application/json", body: login)
            case let path where path.hasSuffix("/AdvancedDetails") && request.headers.first(name: "Authtoken") == "QSDK 3b1f0c9e5a7d":
                // No capture of a failed job's details: a server without them (the run keeps its pendingReason).
                return .json(#"{"errorCode":2,"errorMessage":"no such API"}"#, status: .notFound)
            case "/api/Job" where request.headers.first(name: "Authtoken") == "QSDK 3b1f0c9e5a7d":
                return request.headers.first(name: "Accept") == "application/xml"
                    ? HTTPResponse(status: .ok, contentType: "application/xml", body: xml)
                    : HTTPResponse(status: .ok, contentType: "application/json", body: json)
            default: return .json("{}", status: .unauthorized)
            }
        }) { url in
            try await H.withClient { client in
                try await H.adapter(try H.target(vendor: .commvault, url: url + "/api", options: "format: \(format)"), client: client).poll()
            }
        }
    }

    static func pollEclypse() async throws -> [ObservedJob] {
        let folder = try H.goldenFolder("eclypse")
        return try await serve({ request in
            let path = request.path.split(separator: "/").joined(separator: "/")
            guard !path.contains(".."), let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path + ".json").path) else {
                return .json(#"{"error":"Resource not found"}"#, status: .notFound)
            }
            return HTTPResponse(status: .ok, contentType: "application/json", body: data)
        }) { url in
            try await H.withClient { client in
                let target = try H.target(vendor: .eclypse, url: url, jobs: eclypseIDs,
                                          options: "names:\n  \(eclypseIDs[0]): AHU-1 nightly\n  \(eclypseIDs[3]): Boiler room")
                return try await H.adapter(target, client: client).poll()
            }
        }
    }

    @Test("Commvault: JSON and XML captures both normalise to exactly Golden/commvault/expected-jobs.json")
    func commvaultJobs() async throws {
        let fromJSON = try await Self.pollCommvault(format: "json")
        let fromXML = try await Self.pollCommvault(format: "xml")
        #expect(fromXML == fromJSON)
        try H.compareGolden(try H.renderJobs(fromJSON), vendor: "commvault", file: "expected-jobs.json")
        if try !H.updatingGolden {
            let data = try #require(try Self.file("commvault", "expected-jobs.json"))
            #expect(try JSONDecoder().decode([ObservedJob].self, from: data) == fromJSON)
        }
    }

    @Test("Commvault: those jobs give exactly the backup_job_* lines of Golden/commvault/metrics.prom")
    func commvaultMetrics() async throws {
        let jobs = try await Self.pollCommvault(format: "json")
        let lines = try await H.metricsLines(jobs, vendor: .commvault, target: "commvault-golden", now: Self.commvaultNow)
        try H.compareGolden(lines, vendor: "commvault", file: "metrics.prom")
    }

    @Test("ECLYPSE: captured answers normalise to exactly Golden/eclypse/expected-jobs.json")
    func eclypseJobs() async throws {
        let jobs = try await Self.pollEclypse()
        try H.compareGolden(try H.renderJobs(jobs), vendor: "eclypse", file: "expected-jobs.json")
        if try !H.updatingGolden {
            let data = try #require(try Self.file("eclypse", "expected-jobs.json"))
            #expect(try JSONDecoder().decode([ObservedJob].self, from: data) == jobs)
        }
    }

    @Test("ECLYPSE: those jobs give exactly the backup_job_* lines of Golden/eclypse/metrics.prom")
    func eclypseMetrics() async throws {
        let jobs = try await Self.pollEclypse()
        let lines = try await H.metricsLines(jobs, vendor: .eclypse, target: "eclypse-golden", now: Self.eclypseNow)
        try H.compareGolden(lines, vendor: "eclypse", file: "metrics.prom")
    }
}
