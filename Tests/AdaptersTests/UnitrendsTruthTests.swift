@testable import Adapters
import BackupModel
import Foundation
import Logging
import NIOConcurrencyHelpers
import Simulator
import TestSupport
import Testing
import WebServer

/// Unitrends read as the vendor means it (issue 10). Expected values are worked out by hand from
/// the seed (`unitrends-backups.txt`, its example copied byte for byte as
/// `Golden/unitrends/seed-backups-as-published.json`) and the corrected note, never captured
/// from the code.
@Suite("Unitrends truth")
struct UnitrendsTruthTests {
    typealias S = SessionVendorHarness

    // MARK: - Status words

    @Test("a terminal word decides whatever complete says; only None or empty while incomplete is running", arguments: [
        ("Success", false, JobState.succeeded), ("Warning", false, .warning), ("Failure", false, .failed), ("Failed", false, .failed),
        ("Failed", true, .failed), ("None", false, .running), ("", false, .running), ("None", true, .unknown), ("", true, .unknown),
        ("Aborted", false, .unknown), ("Aborted", true, .unknown), ("FAILURE", false, .failed),
    ])
    func terminalWordDecides(word: String, complete: Bool, state: JobState) throws {
        let backup = try UnitrendsBackup(
            json: .object(["id": .number(220), "client_id": .number(2), "client_name": .string("win32"), "status": .string(word),
                           "complete": .bool(complete), "start_date_time": .string("10/14/2014 09:32 am"), "duration": .string("00:00:28")]),
            zone: .utc, context: "POST /api/backups")
        #expect(backup.run.state == state)
    }

    @Test("a failure reported while complete is false is finished: it has its duration and end")
    func incompleteFailureIsFinished() throws {
        let backup = try UnitrendsBackup(
            json: .object(["id": .number(221), "client_id": .number(2), "client_name": .string("win32"), "status": .string("Failure"),
                           "complete": .bool(false), "start_date_time": .string("10/14/2014 09:32 am"), "duration": .string("00:01:05")]),
            zone: .utc, context: "POST /api/backups")
        #expect(backup.run == ObservedRun(id: "221", state: .failed, startTime: 1_413_279_120, endTime: 1_413_279_185,
                                          durationSeconds: 65, vendorStatus: "Failure"))
    }

    // MARK: - Rows without id

    @Test("a backup row without id does not fail: its run id comes from client, instance, start and type, the same every time")
    func rowWithoutID() throws {
        let row: JSONValue = .object([
            "type": .string("Differential"), "client_id": .number(2), "client_name": .string("win32"), "instance_id": .number(23),
            "instance_name": .string("file-level"), "start_date_time": .string("10/14/2014 09:32 am"), "duration": .string("00:00:28"),
            "complete": .bool(true), "status": .string("Success"), "size": .number(518),
        ])
        let first = try UnitrendsBackup(json: row, zone: .utc, context: "POST /api/backups")
        let again = try UnitrendsBackup(json: row, zone: .utc, context: "POST /api/backups")
        #expect(first.jobID == "2/23")
        #expect(first.run.id == "noid:2/23@10/14/2014 09:32 am#Differential")
        #expect(again.run.id == first.run.id)
        #expect(first.run.state == .succeeded)
        // Another type in the same minute is another run.
        var full = row.object ?? [:]
        full["type"] = .string("Full")
        #expect(try UnitrendsBackup(json: .object(full), zone: .utc, context: "t").run.id == "noid:2/23@10/14/2014 09:32 am#Full")
    }

    // MARK: - Vendor message

    @Test("failed and warned backups carry output (and a failed verify_status), redacted and on one line; others none")
    func vendorMessage() async throws {
        let body = #"""
        {"backups": [
         {"id": 1, "client_id": 2, "client_name": "win32", "start_date_time": "10/14/2014 09:32 am", "duration": "00:00:28",
          "complete": true, "status": "Failure", "verify_status": "Failed",
          "output": "Backup failed:\nlogin for monitor with pw-SECRET-9c41e7 refused"},
         {"id": 2, "client_id": 2, "client_name": "win32", "start_date_time": "10/14/2014 10:32 am", "duration": "00:00:28",
          "complete": true, "status": "Warning", "verify_status": "Not Applicable", "output": "3 files skipped"},
         {"id": 3, "client_id": 2, "client_name": "win32", "start_date_time": "10/14/2014 11:32 am", "duration": "00:00:28",
          "complete": true, "status": "Success", "verify_status": "Success", "output": "all good"}
        ]}
        """#
        try await Self.withFixedAppliance(backups: Data(body.utf8)) { adapter, _ in
            let runs = try await adapter.poll().flatMap(\.runs)
            #expect(runs.map(\.id) == ["3", "2", "1"])
            #expect(runs.map(\.vendorMessage) == [nil, "3 files skipped", "Backup failed: login for monitor with <redacted> refused; verify_status: Failed"])
        }
    }

    // MARK: - The seed's example, byte for byte

    /// Verbatim, the seed's sample lacks the comma after `"size": 518`: the parser stops at the
    /// next token, `"files"`, which starts at byte 260 (counted from 0: `{\n"backups": [\n{\n` is
    /// 16 bytes, then the lines up to and including `"size": 518\n` make 244 more).
    @Test("the seed's POST /api/backups answer, verbatim, is a decode error naming byte 260")
    func seedVerbatim() async throws {
        let body = try Data(contentsOf: Golden.url(vendor: "unitrends", name: "seed-backups-as-published.json"))
        try await Self.withFixedAppliance(backups: body) { adapter, _ in
            let error = await pollError(adapter)
            #expect(error == PollError(.decode, "POST /api/backups: response is not valid JSON at byte 260: expected ',' or '}'"))
        }
    }

    /// With only the comma added, by hand: job `client_id/instance_id` = 2/23 named
    /// win32/file-level; run 220, Success → succeeded; 10/14/2014 09:32 am in UTC (the target's
    /// zone here) = 1413279120; duration 00:00:28 = 28 s, so the end is 1413279148; size 518 MB
    /// = 518 × 1048576 = 543162368 bytes; 2462 files; complete, so no progress; no output, so no
    /// message.
    @Test("the seed's answer with only the missing comma added: one succeeded run, worked out by hand")
    func seedWithComma() async throws {
        let body = try Data(contentsOf: Golden.url(vendor: "unitrends", name: "seed-backups-comma-added.json"))
        try await Self.withFixedAppliance(backups: body) { adapter, calls in
            let jobs = try await adapter.poll()
            #expect(jobs == [ObservedJob(id: "2/23", name: "win32/file-level", runs: [
                ObservedRun(id: "220", state: .succeeded, startTime: 1_413_279_120, endTime: 1_413_279_148, durationSeconds: 28,
                            sizeBytes: 543_162_368, objectCount: 2462, vendorStatus: "Success"),
            ])])
            #expect(calls.withLockedValue { $0 } == ["POST /api/login", "POST /api/backups"])
        }
    }

    // MARK: - /api/jobs/active is optional

    @Test("an appliance without /api/jobs/active (404) or failing there: the poll succeeds without progress, logged once",
          arguments: [404, 500])
    func activeJobsOptional(status: Int) async throws {
        let body = #"""
        {"backups": [{"id": 7, "client_id": 2, "client_name": "win32", "start_date_time": "10/14/2014 09:32 am",
          "duration": "00:03:00", "complete": false, "status": "None"}]}
        """#
        let log = CapturedLog()
        try await Self.withFixedAppliance(backups: Data(body.utf8), active: .json(#"{"result":[{"message":"not found"}]}"#, status: .init(statusCode: status)),
                                          log: log) { adapter, calls in
            for _ in 0..<3 {
                let jobs = try await adapter.poll()
                #expect(jobs == [ObservedJob(id: "2", name: "win32", runs: [
                    ObservedRun(id: "7", state: .running, startTime: 1_413_279_120, vendorStatus: "None"),
                ])])
            }
            #expect(calls.withLockedValue { $0 }.filter { $0 == "GET /api/jobs/active" }.count == 3)
            #expect(log.messages(containing: "/api/jobs/active").count == 1)
        }
    }

    @Test("the simulated appliance without /api/jobs/active: every poll succeeds, running backups without progress")
    func simulatedApplianceWithoutActive() async throws {
        let clock = SimulatorClock.manual(at: UnitrendsIntegrationTests.epoch + 455)
        let simulator = UnitrendsSimulator(
            assets: UnitrendsIntegrationTests.assets(), credentials: .init(username: "monitor", password: S.password), clock: clock,
            epoch: UnitrendsIntegrationTests.epoch, serveActiveJobs: false)
        try await withVendorSimulator(vendor: "unitrends", handler: { await simulator.handle($0) }) { server in
            try await withHTTPClient { client in
                let adapter = try S.adapter(try S.target(vendor: "unitrends", url: server.baseURL), client: client)
                let jobs = try await adapter.poll()
                let running = try #require(jobs.first?.runs.first)
                #expect(running.state == .running)
                #expect(running.progressPercent == nil)
                #expect(simulator.counters.calls == ["POST /api/backups", "GET /api/jobs/active"])
            }
        }
    }

    @Test("the simulator's id-less rows and complete:false failures read as stable runs and failures")
    func simulatedAwkwardRows() async throws {
        let assets = [
            UnitrendsSimulator.Asset(clientID: 1, clientName: "dpu", instanceID: 3, instanceName: "replication",
                                     job: ScriptedJob(id: "1/3", name: "dpu/replication", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                                      outcomes: [.succeeded]), withoutBackupIDs: true),
            UnitrendsSimulator.Asset(clientID: 7, clientName: "sql01", instanceID: 41, instanceName: "payroll",
                                     job: ScriptedJob(id: "7/41", name: "sql01/payroll", waitSeconds: 10, runSeconds: 100, restSeconds: 90,
                                                      outcomes: [.failed]), incompleteFailures: true),
        ]
        let clock = SimulatorClock.manual(at: UnitrendsIntegrationTests.epoch + 455)
        let simulator = UnitrendsSimulator(assets: assets, credentials: .init(username: "monitor", password: S.password), clock: clock,
                                           epoch: UnitrendsIntegrationTests.epoch)
        try await withVendorSimulator(vendor: "unitrends", handler: { await simulator.handle($0) }) { server in
            try await withHTTPClient { client in
                let adapter = try S.adapter(try S.target(vendor: "unitrends", url: server.baseURL), client: client)
                let first = try await adapter.poll()
                clock.advance(by: 5)
                let second = try await adapter.poll()
                #expect(first.map(\.id) == ["1/3", "7/41"])
                let replication = first[0].runs
                #expect(replication.count == 3)
                #expect(replication.allSatisfy { $0.id.hasPrefix("noid:1/3@") })
                #expect(Set(replication.map(\.id)).count == 3)
                #expect(second[0].runs.map(\.id) == replication.map(\.id))
                let failures = first[1].runs.filter { $0.state == .failed }
                #expect(failures.count == 2)
                #expect(failures.allSatisfy { $0.vendorMessage == "Backup of sql01/payroll failed: the client sql01 did not answer (connection timed out).; verify_status: Failed" })
            }
        }
    }

    // MARK: - Helpers

    /// An appliance answering login, `POST /api/backups` with `backups`, and `/api/jobs/active`
    /// with `active`; records `method path` of each call.
    static func withFixedAppliance(
        backups: Data, active: HTTPResponse = .json(#"{"data": []}"#), log: CapturedLog? = nil,
        _ body: (any VendorAdapter, NIOLockedValueBox<[String]>) async throws -> Void
    ) async throws {
        let calls = NIOLockedValueBox<[String]>([])
        try await withVendorSimulator(vendor: "unitrends", handler: { request in
            calls.withLockedValue { $0.append("\(request.method.rawValue) \(request.path)") }
            switch request.path {
            case "/api/login": return .json(#"{"auth_token":"tok-1"}"#, status: .created)
            case _ where request.headers.first(name: "AuthToken") != "tok-1": return .json("{}", status: .unauthorized)
            case "/api/backups": return HTTPResponse(status: .ok, contentType: "application/json", body: backups)
            case "/api/jobs/active": return active
            default: return .json("{}", status: .notFound)
            }
        }) { server in
            try await withHTTPClient { client in
                let target = try S.target(vendor: "unitrends", url: server.baseURL, extra: "timezone: UTC")
                let logger = log.map { log in Logger(label: "unitrends-truth") { _ in CapturedLogHandler(log: log) } }
                    ?? Logger(label: "unitrends-truth")
                try await body(try AdapterRegistry.makeAdapter(for: target, client: client, logger: logger), calls)
            }
        }
    }
}
