@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Foundation
import NIOConcurrencyHelpers
@testable import Simulator
import Testing
import WebServer

/// The ECLYPSE adapter and simulator held to the REST API page ("GET /system/backup/jobs/{JobId}/",
/// revision 4.0), not to each other.
@Suite("ECLYPSE as the vendor documents it")
struct EclypseTruthTests {
    typealias H = CommvaultEclypseHarness
    /// The id in the page's URL examples.
    static let seedID = "a697b806-14b1-4c61-a9db-5e875f3982f3"

    static func seed(_ name: String) throws -> String {
        try Golden.text(vendor: "seeds", name: name)
    }

    /// Answers every job path with `body` as `contentType`.
    static func poll(body: String, contentType: String, format: String) async throws -> [ObservedJob] {
        try await withVendorSimulator(vendor: "eclypse", handler: { _ in
            HTTPResponse(status: .ok, contentType: contentType, body: Array(body.utf8))
        }) { server in
            try await withHTTPClient { client in
                let target = try H.target(vendor: .eclypse, url: server.baseURL, jobs: [Self.seedID], options: "format: \(format)")
                return try await H.adapter(target, client: client).poll()
            }
        }
    }

    // MARK: - Oracle (c): the page's JSON and XML examples, byte for byte

    @Test("the page's JSON and XML examples: status OK, progress 100 → succeeded at 100, no times, no name",
          arguments: [("eclypse-job.json", "application/json", "json"), ("eclypse-job.xml", "application/xml", "xml")])
    func seedExamples(file: String, contentType: String, format: String) async throws {
        let body = try Self.seed(file)
        let jobs = try await Self.poll(body: body, contentType: contentType, format: format)
        // "Status ... "OK" if it's a success"; "Progress ... will rise between 0 to 100".
        #expect(jobs == [ObservedJob(id: Self.seedID, name: "", runs: [
            ObservedRun(id: Self.seedID, state: .succeeded, progressPercent: 100, vendorStatus: "OK"),
        ])])
        // The controller reports no time: the adapter invents none (the store stamps the end).
        let run = try #require(jobs.first?.runs.first)
        #expect(run.startTime == nil)
        #expect(run.endTime == nil)
        #expect(run.durationSeconds == nil)
    }

    // MARK: - No invented times, in any phase

    @Test("waiting, running, OK and a failure word: never a start, end or duration from the adapter")
    func noTimes() async throws {
        let clock = SimulatorClock.manual(at: 1_700_000_000)
        let jobs = [
            ScriptedJob(id: Self.seedID, name: "AHU", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.succeeded]),
            ScriptedJob(id: "c83b7cd2-e5df-4dcc-9e9e-301927c76a30", name: "Boiler", waitSeconds: 10, runSeconds: 100,
                        restSeconds: 90, outcomes: [.failed]),
        ]
        let simulator = EclypseSimulator(jobs: jobs, username: H.username, password: H.password, clock: clock, epoch: 1_700_000_000)
        try await withVendorSimulator(vendor: "eclypse", handler: { await simulator.handle($0) }) { server in
            try await withHTTPClient { client in
                let target = try H.target(vendor: .eclypse, url: server.baseURL, jobs: jobs.map(\.id))
                let adapter = try H.adapter(target, client: client)
                var states: Set<JobState> = []
                for _ in 0..<8 {
                    for run in try await adapter.poll().flatMap(\.runs) {
                        states.insert(run.state)
                        #expect(run.startTime == nil && run.endTime == nil && run.durationSeconds == nil)
                    }
                    clock.advance(by: 20)
                }
                #expect(states == [.waiting, .running, .succeeded, .failed])
            }
        }
    }

    // MARK: - The simulator: one id per backup

    /// A backup every 200 s: 10 s waiting, 100 s running, 90 s rest, each with an id of its own.
    static let repeatingBackup = ScriptedJob(id: seedID, name: "AHU", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                             outcomes: [.succeeded])

    /// A controller running `repeatingBackup` from its first cycle, on a manual clock.
    static func withRepeatingBackups(_ body: (SimulatorClock, VendorSimulator, VendorHTTPClient) async throws -> Void) async throws {
        let clock = SimulatorClock.manual(at: 1_700_000_000)
        let simulator = EclypseSimulator(jobs: [repeatingBackup], username: H.username, password: H.password, clock: clock,
                                         epoch: 1_700_000_000, repeats: true)
        try await withVendorSimulator(vendor: "eclypse", handler: { await simulator.handle($0) }) { server in
            try await withHTTPClient { client in try await body(clock, server, client) }
        }
    }

    @Test("the simulator gives every backup its own id: a finished backup's id stays finished when the next backup starts")
    func idPerBackup() async throws {
        try await Self.withRepeatingBackups { clock, server, client in
            let adapter = try H.adapter(try H.target(vendor: .eclypse, url: server.baseURL, jobs: [Self.seedID]), client: client)
            clock.advance(by: 150)  // the first backup finished at 110 s
            let done = [ObservedRun(id: Self.seedID, state: .succeeded, progressPercent: 100, vendorStatus: "OK")]
            #expect(try await adapter.poll().map(\.runs) == [done])
            // 260 s: the second backup (created at 200 s) runs; the first one's id still reads OK.
            clock.advance(by: 110)
            #expect(try await adapter.poll().map(\.runs) == [done])
            clock.advance(by: 2_000)
            #expect(try await adapter.poll().map(\.runs) == [done])
        }
    }

    @Test("each later backup has an id of its own, readable beside the first; create answers a new id")
    func laterBackups() async throws {
        let second = EclypseSimulator.backupID(of: Self.repeatingBackup, cycle: 1)
        #expect(second == "a697b806-14b1-4c61-a9db-000000000001")
        #expect(EclypseSimulator.backupID(of: Self.repeatingBackup, cycle: 0) == Self.seedID)
        try await Self.withRepeatingBackups { clock, server, client in
            let adapter = try H.adapter(try H.target(vendor: .eclypse, url: server.baseURL, jobs: [Self.seedID, second]), client: client)
            clock.advance(by: 150)
            // The second backup does not exist yet: the controller does not know its id.
            #expect(try await adapter.poll().map { $0.runs.map(\.state) } == [[.succeeded], [.unknown]])
            clock.advance(by: 110)  // 260 s: the second backup runs, 50 s into its run
            #expect(try await adapter.poll().map(\.runs) == [
                [ObservedRun(id: Self.seedID, state: .succeeded, progressPercent: 100, vendorStatus: "OK")],
                [ObservedRun(id: second, state: .running, progressPercent: 50)],
            ])
            var request = HTTPClientRequest(url: server.baseURL + "/api/rest/v1/system/backup/create")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(H.username):\(H.password)".utf8).base64EncodedString())
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
            let created = try #require(try JSONValue.parse(Array(body.utf8), context: "create")["jobId"]?.string)
            #expect(created != Self.seedID && created != second && created.count == 36)
            let manual = try H.adapter(try H.target(vendor: .eclypse, url: server.baseURL, jobs: [created]), client: client)
            #expect(try await manual.poll().first?.runs.first?.state == .waiting)
            clock.advance(by: 30)
            #expect(try await manual.poll().first?.runs.first?.state == .succeeded)
        }
    }
}
