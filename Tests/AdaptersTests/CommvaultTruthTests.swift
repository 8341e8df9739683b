@testable import Adapters
import BackupModel
import Foundation
import NIOConcurrencyHelpers
@testable import Simulator
import StateStore
import TestSupport
import Testing
import WebServer

/// Commvault read as the vendor means it (issue 10). The expected values here are worked out by
/// hand from the API reference (seed `commvault-job-details.txt`, copied byte for byte under
/// `Golden/commvault/seed/`) and from Commvault's SDK (`cvpysdk`, `Job.is_finished`), never
/// captured from the code.
@Suite("Commvault truth")
struct CommvaultTruthTests {
    typealias H = CommvaultEclypseHarness

    // MARK: - Status words against the SDK's rule

    struct Word: Decodable, Sendable {
        var word: String
        var state: String
        var finished: Bool
        var catalogue_job: Int
    }

    struct Table: Decodable {
        var words: [Word]
    }

    /// `Golden/commvault/status-words.json`: the table the fidelity test holds cvpysdk to.
    static func table() throws -> [Word] {
        let data = try Golden.data(vendor: "commvault", name: "status-words.json")
        return try JSONDecoder().decode(Table.self, from: data).words
    }

    @Test("every status word of the API reference gets the tabled state, finished exactly where cvpysdk says so")
    func statusWordsMatchTheSDK() throws {
        let words = try Self.table()
        #expect(words.count == 18)
        #expect(words.map(\.word) == CommvaultSimulator.catalogueWords)
        for entry in words {
            let state = CommvaultJobSummary.state(for: entry.word, errorsAsFailed: false)
            #expect(state.rawValue == entry.state, "\(entry.word)")
            #expect(state.isFinished == entry.finished, "\(entry.word): the exporter's finished/active split must be cvpysdk's")
            // cvpysdk's own rule, restated: finished iff the word contains one of four stems.
            let lower = entry.word.lowercased()
            let sdk = ["completed", "killed", "committed", "failed"].contains { lower.contains($0) }
            #expect(sdk == entry.finished, "\(entry.word): the table disagrees with Job.is_finished's rule")
        }
    }

    @Test("Interrupted waits, Committed warns, Abnormal Terminated Cleanup is not finished")
    func correctedWords() {
        #expect(CommvaultJobSummary.state(for: "Interrupted", errorsAsFailed: false) == .waiting)
        #expect(CommvaultJobSummary.state(for: "Committed", errorsAsFailed: false) == .warning)
        #expect(CommvaultJobSummary.state(for: "Abnormal Terminated Cleanup", errorsAsFailed: false) == .unknown)
        #expect(!CommvaultJobSummary.state(for: "Abnormal Terminated Cleanup", errorsAsFailed: true).isFinished)
    }

    // MARK: - The seed's own payloads, byte for byte

    static func seed(_ name: String) throws -> Data {
        try Golden.data(vendor: "commvault", name: "seed/\(name)")
    }

    /// Serves `GET /Job` and `GET /Job/<id>/AdvancedDetails` from fixed bodies and counts the
    /// AdvancedDetails calls.
    final class FixedServer: Sendable {
        let jobs: NIOLockedValueBox<(body: Data, type: String)>
        let details: NIOLockedValueBox<HTTPResponse>
        let detailCalls = NIOLockedValueBox<[String]>([])

        init(jobs: Data, type: String, details: HTTPResponse) {
            self.jobs = NIOLockedValueBox((jobs, type))
            self.details = NIOLockedValueBox(details)
        }

        func handle(_ request: HTTPRequest) -> HTTPResponse {
            switch request.path {
            case "/api/Login":
                return .json(#"{"token":"QSDK 3b1f0c9e5a7d","userName":"monitor"}"#)
            case _ where request.headers.first(name: "Authtoken") != "QSDK 3b1f0c9e5a7d":
                return .json("{}", status: .unauthorized)
            case "/api/Job":
                let (body, type) = jobs.withLockedValue { $0 }
                return HTTPResponse(status: .ok, contentType: type, body: body)
            case _ where request.path.hasSuffix("/AdvancedDetails"):
                detailCalls.withLockedValue { $0.append(request.uri) }
                return details.withLockedValue { $0 }
            default:
                return .json(#"{"errorCode":2}"#, status: .notFound)
            }
        }
    }

    static func withFixedServer(_ server: FixedServer, format: String = "json", log: CapturedLog? = nil,
                                _ body: (any VendorAdapter) async throws -> Void) async throws {
        try await withVendorSimulator(vendor: "commvault", handler: { request in server.handle(request) }) { http in
            try await withHTTPClient { client in
                let target = try H.target(vendor: .commvault, url: http.baseURL + "/api", options: "format: \(format)")
                try await body(try H.adapter(target, client: client, log: log))
            }
        }
    }

    /// The seed's `/Job/4` example by hand: jobId 4, Completed → succeeded; jobStartTime
    /// 1423087483; no jobEndTime, so the end is lastUpdateTime 1423087497; jobElapsedTime 12;
    /// sizeOfApplication 0; totalNumOfFiles 0; percentComplete "100.000000"; no pendingReason.
    @Test("the seed's GET /Job/4 XML, verbatim: one succeeded run that ends at lastUpdateTime")
    func seedJobXML() async throws {
        let server = FixedServer(jobs: try Self.seed("job-4.xml"), type: "application/xml", details: .json("{}", status: .notFound))
        try await Self.withFixedServer(server, format: "xml") { adapter in
            let jobs = try await adapter.poll()
            #expect(jobs == [ObservedJob(id: "2/3/2", name: "WINTER/defaultBackupSet/default", runs: [
                ObservedRun(id: "4", state: .succeeded, progressPercent: 100, startTime: 1_423_087_483, endTime: 1_423_087_497,
                            durationSeconds: 12, sizeBytes: 0, objectCount: 0, vendorStatus: "Completed"),
            ])])
            #expect(server.detailCalls.withLockedValue { $0 }.isEmpty, "a successful run costs no AdvancedDetails call")
        }
    }

    @Test("the seed's AdvancedDetails answers, verbatim, give exactly their one FailureReason, from XML and JSON")
    func seedAdvancedDetails() throws {
        let reason = "Backup Completed Successfully, Log truncation submitted to Exchange"
        let xml = try XMLTree.parse(Array(try Self.seed("advanced-details-1452.xml")), context: "t")
        #expect(CommvaultFailureReasons.parse(xml: xml) == [reason])
        let json = try JSONValue.parse(Array(try Self.seed("advanced-details-1452.json")), context: "t")
        #expect(CommvaultFailureReasons.parse(json: json) == [reason])
        #expect(CommvaultFailureReasons.parse(json: .object(["bkpInfo": .object([:])])).isEmpty)
        #expect(CommvaultFailureReasons.path(runID: "1452") == "/Job/1452/AdvancedDetails?infoType=16")
        #expect(CommvaultFailureReasons.path(runID: "../Login") == nil)
    }

    @Test("the failure reason cache is bounded: the oldest run ids go first")
    func cacheBound() async {
        let cache = CommvaultFailureReasonCache(limit: 2)
        await cache.store(["a"], for: "1")
        await cache.store([], for: "2")
        await cache.store(["c"], for: "3")
        #expect(await cache.count == 2)
        #expect(await cache.reasons(for: "1") == nil)
        #expect(await cache.reasons(for: "2") == [])
        #expect(await cache.reasons(for: "3") == ["c"])
    }

    /// A failed job (the seed's example job turned Failed, with a pendingReason of our own) whose
    /// AdvancedDetails answer is the seed's, verbatim.
    static func failedJobJSON(jobID: Int = 1452, pendingReason: String = "Error Code: [19:857] Description: backup failed") -> Data {
        Data(#"""
        {"totalRecordsWithoutPaging":1,"jobs":[{"jobSummary":{"jobId":\#(jobID),"status":"Failed","jobStartTime":1498593063,
         "lastUpdateTime":1498593176,"jobElapsedTime":113,"percentComplete":20,"sizeOfApplication":0,"totalNumOfFiles":0,
         "pendingReason":"\#(pendingReason)",
         "subclient":{"clientId":7,"backupsetId":8,"subclientId":9,"clientName":"EXCH001","backupsetName":"defaultBackupSet",
         "subclientName":"default"}}}]}
        """#.utf8)
    }

    @Test("a failed run's message: pendingReason, then FailureReason from the seed's AdvancedDetails (JSON and XML)",
          arguments: ["json", "xml"])
    func failureReasonFromSeed(format: String) async throws {
        let details = format == "json"
            ? HTTPResponse(status: .ok, contentType: "application/json", body: try Self.seed("advanced-details-1452.json"))
            : HTTPResponse(status: .ok, contentType: "application/xml", body: try Self.seed("advanced-details-1452.xml"))
        let server = FixedServer(jobs: Self.failedJobJSON(), type: "application/json", details: details)
        try await Self.withFixedServer(server, format: format) { adapter in
            let run = try #require(try await adapter.poll().first?.runs.first)
            #expect(run.state == .failed)
            // The end is lastUpdateTime: there is no jobEndTime.
            #expect(run.endTime == 1_498_593_176)
            #expect(run.vendorMessage
                    == "Error Code: [19:857] Description: backup failed; Backup Completed Successfully, Log truncation submitted to Exchange")
            #expect(server.detailCalls.withLockedValue { $0 } == ["/api/Job/1452/AdvancedDetails?infoType=16"])
        }
    }

    @Test("AdvancedDetails is asked once per failed run id, not once per poll; a new failed run is asked again")
    func onceperRun() async throws {
        let details = HTTPResponse(status: .ok, contentType: "application/json", body: try Self.seed("advanced-details-1452.json"))
        let server = FixedServer(jobs: Self.failedJobJSON(), type: "application/json", details: details)
        try await Self.withFixedServer(server) { adapter in
            for _ in 0..<4 {
                let run = try #require(try await adapter.poll().first?.runs.first)
                #expect(run.vendorMessage?.hasSuffix("Log truncation submitted to Exchange") == true)
            }
            #expect(server.detailCalls.withLockedValue { $0.count } == 1)
            server.jobs.withLockedValue { $0.body = Self.failedJobJSON(jobID: 1453) }
            _ = try await adapter.poll()
            _ = try await adapter.poll()
            #expect(server.detailCalls.withLockedValue { $0 }
                    == ["/api/Job/1452/AdvancedDetails?infoType=16", "/api/Job/1453/AdvancedDetails?infoType=16"])
        }
    }

    @Test("an AdvancedDetails call that fails does not fail the poll: pendingReason only, logged once, not asked again",
          arguments: [500, 404])
    func failureReasonCallFails(status: Int) async throws {
        let log = CapturedLog()
        let server = FixedServer(jobs: Self.failedJobJSON(pendingReason: "password pw-SECRET-9c1e77 refused"), type: "application/json",
                                 details: .json(#"{"errorCode":1}"#, status: .init(statusCode: status)))
        try await Self.withFixedServer(server, log: log) { adapter in
            for _ in 0..<3 {
                let jobs = try await adapter.poll()
                let run = try #require(jobs.first?.runs.first)
                #expect(run.state == .failed)
                // The vendor's words, with this target's password redacted.
                #expect(run.vendorMessage == "password <redacted> refused")
            }
            #expect(server.detailCalls.withLockedValue { $0.count } == 1)
            #expect(log.messages(containing: "AdvancedDetails").count == 1)
            for entry in log.entries { H.expectNoSecrets(in: entry.message + "\(entry.metadata)") }
        }
    }

    // MARK: - The simulator's awkward shapes through the adapter

    @Test("the simulator's summaries carry no jobEndTime, as the seed's; the end is lastUpdateTime")
    func noJobEndTime() async throws {
        try await CommvaultSimulation.run(history: 2_000) { sim in
            let response = await sim.simulator.handle(try Self.request("/webconsole/api/Job?completedJobLookupTime=172800", sim: sim))
            let text = (response.bodyBuffers() ?? []).map { String(decoding: $0.readableBytesView, as: UTF8.self) }.joined()
            #expect(text.contains("lastUpdateTime"))
            #expect(!text.contains("jobEndTime"))
            try await withHTTPClient { client in
                let jobs = try await H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client).poll()
                let finished = jobs.flatMap(\.runs).filter(\.state.isFinished)
                #expect(!finished.isEmpty)
                #expect(finished.allSatisfy { $0.endTime != nil })
            }
        }
    }

    static func request(_ uri: String, sim: CommvaultSimulation) throws -> HTTPRequest {
        let token = sim.sessions.issue()
        return HTTPRequest(method: .GET, uri: uri, headers: ["Authtoken": token, "Accept": "application/json"], body: .init())
    }

    /// One subclient: 10 s queued, 100 s running (Interrupted while 40–60% done, that is from
    /// 50 s to 70 s), Completed at 110 s; then 90 s rest.
    static func interruptedSubclient() -> [CommvaultSimulator.Subclient] {
        [.init(schedule: ScriptedJob(id: "fs", name: "fs", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.succeeded]),
               clientName: "WINTER", clientId: 2, backupsetId: 3, subclientId: 2, interruptEvery: 1)]
    }

    @Test("Interrupted → Running → Completed under one jobId: never finished before Completed, counted exactly once")
    func interruptedResumes() async throws {
        try await CommvaultSimulation.run(history: 0, subclients: Self.interruptedSubclient()) { sim in
            let directory = try TemporaryDirectory()
            let store = try StateStore(directory: directory.path, build: BuildInfo(version: "0.0.0", swiftVersion: "6"), clock: { sim.clock.now() })
            await store.configure(targets: [TargetIdentity(name: "cv", vendor: .commvault)])
            var seen: [String] = []
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                for offset in [30.0, 25, 25, 40] {  // t = 30 (running), 55 (interrupted), 80 (running), 120 (completed)
                    sim.clock.advance(by: offset)
                    let jobs = try await adapter.poll()
                    let run = try #require(jobs.first?.runs.first)
                    #expect(run.id == "1000")
                    seen.append("\(run.vendorStatus ?? "")→\(run.state.rawValue)")
                    await store.pollStarted(target: "cv")
                    _ = await store.pollSucceeded(target: "cv", jobs: jobs, duration: 0.1)
                }
            }
            #expect(seen == ["Running→running", "Interrupted→waiting", "Running (cannot be verified)→running", "Completed→succeeded"]
                    || seen == ["Running→running", "Interrupted→waiting", "Running→running", "Completed→succeeded"])
            let job = try #require(await store.snapshot().targets.first?.jobs.first)
            #expect(job.history.runsByResult.filter { $0.value > 0 } == [.succeeded: 1])
            await store.close()
        }
    }

    @Test("the interrupted run's message is the server's pendingReason")
    func interruptedMessage() async throws {
        try await CommvaultSimulation.run(history: 0, subclients: Self.interruptedSubclient()) { sim in
            try await withHTTPClient { client in
                let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url), client: client)
                sim.clock.advance(by: 55)
                let run = try #require(try await adapter.poll().first?.runs.first)
                #expect(run.state == .waiting)
                #expect(run.vendorMessage == "The job was interrupted because the CommServe services restarted. It will resume automatically.")
            }
        }
    }

    @Test("a Committed job from the simulator is a finished warning; a failed one carries the FailureReason")
    func committedAndFailed() async throws {
        let subclients: [CommvaultSimulator.Subclient] = [
            .init(schedule: ScriptedJob(id: "nas", name: "nas", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.warning]),
                  clientName: "NAS01", subclientName: "projects", clientId: 12, backupsetId: 20, subclientId: 44,
                  finishedWords: [.warning: ["Committed"]]),
            .init(schedule: ScriptedJob(id: "sql", name: "sql", waitSeconds: 10, runSeconds: 100, restSeconds: 90, outcomes: [.failed]),
                  clientName: "SQL01", clientId: 5, backupsetId: 11, subclientId: 17),
        ]
        try await CommvaultSimulation.run(history: 150, subclients: subclients) { sim in
            try await withHTTPClient { client in
                for format in ["json", "xml"] {
                    let adapter = try H.adapter(try H.target(vendor: .commvault, url: sim.url, options: "format: \(format)"), client: client)
                    let jobs = try await adapter.poll()
                    #expect(jobs.map(\.id) == ["12/20/44", "5/11/17"])
                    let committed = try #require(jobs.first?.runs.first)
                    #expect(committed.vendorStatus == "Committed")
                    #expect(committed.state == .warning)
                    #expect(committed.endTime == CommvaultSimulation.start - 150 + 110)
                    #expect(committed.vendorMessage == "The job was committed by user monitor: the data backed up so far is kept.")
                    let failed = try #require(jobs.last?.runs.first)
                    #expect(failed.state == .failed)
                    #expect(failed.vendorMessage == "Error Code: [19:857] Description: Backup of subclient default failed on client SQL01.; "
                            + "The data path to the storage policy of SQL01/default is offline (job cycle 0).")
                }
            }
        }
    }
}
