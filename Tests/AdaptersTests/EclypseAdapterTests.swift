@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Foundation
import NIOConcurrencyHelpers
@testable import Simulator
import TestSupport
import Testing
import WebServer

/// The ECLYPSE adapter against the simulated controller over a real socket.
@Suite("ECLYPSE adapter")
struct EclypseAdapterTests {
    typealias H = CommvaultEclypseHarness

    static let start = 1_700_000_000.0
    static let nightly = "c83b7cd2-e5df-4dcc-9e9e-301927c76a30"
    static let boiler = "a697b806-14b1-4c61-a9db-5e875f3982f3"
    /// Job 1: waits 10 s, runs 100 s, rests 90 s, succeeds. Job 2 the same, but fails, 5 s later.
    static let jobs = [
        ScriptedJob(id: nightly, name: "Nightly", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.succeeded]),
        ScriptedJob(id: boiler, name: "Boiler", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.failed, .succeeded],
                    phaseOffset: 5),
    ]

    struct Simulation: Sendable {
        let simulator: EclypseSimulator
        let server: VendorSimulator
        let paths: NIOLockedValueBox<[String]>
        var clock: SimulatorClock { simulator.clock }
        var uris: [String] { paths.withLockedValue { $0 } }
    }

    static func run<T: Sendable>(revision: Int = 6, repeats: Bool = false, _ body: (Simulation) async throws -> T) async throws -> T {
        let clock = SimulatorClock.manual(at: start)
        let simulator = EclypseSimulator(jobs: jobs, username: H.username, password: H.password, clock: clock, epoch: start,
                                         revision: revision, repeats: repeats)
        let paths = NIOLockedValueBox<[String]>([])
        return try await withVendorSimulator(vendor: "eclypse", handler: { request in
            paths.withLockedValue { $0.append(request.uri) }
            return await simulator.handle(request)
        }) { server in
            try await body(Simulation(simulator: simulator, server: server, paths: paths))
        }
    }

    static func target(_ url: String, options: String = "", password: String = H.password) throws -> TargetConfiguration {
        try H.target(vendor: .eclypse, url: url, password: password, jobs: [nightly, boiler], options: options)
    }

    @Test("follows the configured ids through waiting, running, OK and a failure word, with configured names")
    func states() async throws {
        try await Self.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try Self.target(sim.server.baseURL, options: "names:\n  \(Self.nightly): Nightly AHU"), client: client)
                sim.clock.advance(by: 6)
                #expect(try await adapter.poll() == [
                    ObservedJob(id: Self.nightly, name: "Nightly AHU", runs: [ObservedRun(id: Self.nightly, state: .waiting, progressPercent: 0)]),
                    ObservedJob(id: Self.boiler, name: "", runs: [ObservedRun(id: Self.boiler, state: .waiting, progressPercent: 0)]),
                ])
                sim.clock.advance(by: 54)  // 60 s: job 1 is 50 s into its run, job 2 45 s
                #expect(try await adapter.poll().map(\.runs) == [
                    [ObservedRun(id: Self.nightly, state: .running, progressPercent: 50)],
                    [ObservedRun(id: Self.boiler, state: .running, progressPercent: 45)],
                ])
                sim.clock.advance(by: 100)
                #expect(try await adapter.poll().map(\.runs) == [
                    [ObservedRun(id: Self.nightly, state: .succeeded, progressPercent: 100, vendorStatus: "OK")],
                    [ObservedRun(id: Self.boiler, state: .failed, progressPercent: 100, vendorStatus: "Failed")],
                ])
                #expect(sim.uris.allSatisfy { $0.hasPrefix("/api/rest/v1/system/backup/jobs/") && $0.hasSuffix("?$format=json") })
            }
        }
    }

    @Test("options.api jobs reads /api/rest/v1/jobs/<id>; the legacy path logs its deprecation once")
    func apis() async throws {
        try await Self.run { sim in
            try await withHTTPClient { client in
                let legacyLog = CapturedLog()
                let legacy = try H.adapter(try Self.target(sim.server.baseURL), client: client, log: legacyLog)
                let jobsLog = CapturedLog()
                let modern = try H.adapter(try Self.target(sim.server.baseURL, options: "api: jobs"), client: client, log: jobsLog)
                sim.clock.advance(by: 60)
                let fromLegacy = try await legacy.poll()
                _ = try await legacy.poll()
                sim.paths.withLockedValue { $0.removeAll() }
                let fromJobs = try await modern.poll()
                #expect(fromJobs == fromLegacy)
                #expect(sim.uris == ["/api/rest/v1/jobs/\(Self.nightly)?$format=json", "/api/rest/v1/jobs/\(Self.boiler)?$format=json"])
                #expect(legacyLog.messages(containing: "deprecated").count == 1)
                #expect(jobsLog.messages(containing: "deprecated").isEmpty)
            }
        }
    }

    @Test("the same jobs read from XML and from JSON are identical, in every phase")
    func formats() async throws {
        try await Self.run(repeats: true) { sim in
            try await withHTTPClient { client in
                let json = try H.adapter(try Self.target(sim.server.baseURL), client: client)
                let xml = try H.adapter(try Self.target(sim.server.baseURL, options: "format: xml"), client: client)
                var states: Set<JobState> = []
                sim.clock.advance(by: 6)  // both jobs exist
                for _ in 0..<40 {
                    let fromJSON = try await json.poll()
                    #expect(try await xml.poll() == fromJSON)
                    states.formUnion(fromJSON.flatMap(\.runs).map(\.state))
                    sim.clock.advance(by: 23)
                }
                // Every state the vendor note maps to is reached.
                #expect(states == [.waiting, .running, .succeeded, .failed])
                #expect(sim.uris.contains { $0.hasSuffix("?$format=xml") })
            }
        }
    }

    @Test("a forgotten id turns unknown, logged once until it answers again; the other job is unaffected")
    func forgotten() async throws {
        try await Self.run { sim in
            try await withHTTPClient { client in
                let log = CapturedLog()
                let adapter = try H.adapter(try Self.target(sim.server.baseURL), client: client, log: log)
                sim.clock.advance(by: 300)
                sim.simulator.controls.forget(Self.boiler)
                for _ in 0..<3 {
                    #expect(try await adapter.poll().map(\.runs) == [
                        [ObservedRun(id: Self.nightly, state: .succeeded, progressPercent: 100, vendorStatus: "OK")],
                        [ObservedRun(id: Self.boiler, state: .unknown, vendorStatus: "not found (HTTP 404)")],
                    ])
                }
                #expect(log.messages(containing: "no longer knows").map { $0.metadata["job_id"] } == [Self.boiler])
                sim.simulator.controls.remember(Self.boiler)
                #expect(try await adapter.poll()[1].runs[0].state == .failed)
                sim.simulator.controls.forget(Self.boiler)
                _ = try await adapter.poll()
                #expect(log.messages(containing: "no longer knows").count == 2)
            }
        }
    }

    @Test("a controller below revision 6 answers 404 on the jobs path: every job unknown, the target stays up")
    func oldRevision() async throws {
        try await Self.run(revision: 4) { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try Self.target(sim.server.baseURL, options: "api: jobs"), client: client)
                #expect(try await adapter.poll().flatMap(\.runs).map(\.state) == [.unknown, .unknown])
            }
        }
    }

    @Test("wrong credentials are reason auth; the 401 carries a basic realm; no password in the error")
    func wrongPassword() async throws {
        try await Self.run { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try Self.target(sim.server.baseURL, password: "pw-SECRET-wrong"), client: client)
                let error = await pollError(adapter)
                #expect(error == PollError(.auth, "GET /api/rest/v1/system/backup/jobs/\(Self.nightly): HTTP 401"))
                // One request: the poll stops at the first refusal instead of trying every id.
                #expect(sim.uris.count == 1)
                var request = HTTPClientRequest(url: sim.server.baseURL + "/api/rest/v1/system/backup/jobs/\(Self.nightly)")
                request.method = .GET
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                #expect(response.status.code == 401)
                #expect(response.headers.first(name: "WWW-Authenticate") == #"basic realm="ECLYPSE""#)
            }
        }
    }

    @Test("the simulator: $format wins over Accept, $select trims, a session cookie is set, finished backups are files")
    func simulatorShapes() async throws {
        try await Self.run { sim in
            try await withHTTPClient { client in
                sim.clock.advance(by: 300)
                let basic = "Basic " + Data("\(H.username):\(H.password)".utf8).base64EncodedString()
                func get(_ path: String, accept: String? = nil) async throws -> (String, String?, String?) {
                    var request = HTTPClientRequest(url: sim.server.baseURL + path)
                    request.headers.add(name: "Authorization", value: basic)
                    if let accept { request.headers.add(name: "Accept", value: accept) }
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    return (String(buffer: body), response.headers.first(name: "Content-Type"), response.headers.first(name: "Set-Cookie"))
                }
                let base = "/api/rest/v1/system/backup/jobs/\(Self.nightly)"
                #expect(try await get(base).0 == #"{"progress":100,"status":"OK"}"#)
                #expect(try await get(base, accept: "application/xml").0
                        == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Job><Status>OK</Status><Progress>100</Progress></Job>")
                #expect(try await get(base + "?$format=json", accept: "application/xml").0 == #"{"progress":100,"status":"OK"}"#)
                #expect(try await get(base + "?$format=json&$select=Progress").0 == #"{"progress":100}"#)
                let (_, type, cookie) = try await get(base + "?$format=xml")
                #expect(type == "application/xml; charset=utf-8")
                #expect(cookie?.hasPrefix("ECLYPSERESTSESSIONID=") == true)
                #expect(try await get("/api/rest/v1/system/backup/targets/device/files").0 == #"[{"name":"Nightly-1700000110.ecybackup"}]"#)
            }
        }
    }

    @Test("jobs are required, names must refer to them, api and format are checked", arguments: [
        ("", [], "/etc/backup-exporter/config.yaml:2: targets[0].jobs: eclypse has no list of backup jobs: name the job ids to follow in jobs:"),
        ("api: v2", [nightly], "/etc/backup-exporter/config.yaml:11: targets[0].options.api: must be legacy or jobs, not 'v2'"),
        ("format: csv", [nightly], "/etc/backup-exporter/config.yaml:11: targets[0].options.format: must be json or xml, not 'csv'"),
        ("names:\n  other-id: X", [nightly],
         "/etc/backup-exporter/config.yaml:12: targets[0].options.names: names job id 'other-id', which is not in the target's jobs: list"),
    ])
    func badConfig(_ options: String, _ jobs: [String], _ expected: String) async throws {
        let error = try await H.configError(try H.target(vendor: .eclypse, url: "http://127.0.0.1:1", jobs: jobs, options: options))
        #expect(error?.description.hasSuffix(expected) == true, "\(error?.description ?? "no error")")
    }
}
