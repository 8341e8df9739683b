@testable import Adapters
import BackupModel
import Foundation
import Testing

struct UnitrendsNormalisationTests {
    static func backup(_ fields: [String: JSONValue], zone: String = "UTC") throws -> UnitrendsBackup {
        var object: [String: JSONValue] = ["id": .number(220), "client_id": .number(2), "client_name": .string("win32"),
                                           "instance_id": .number(23), "instance_name": .string("file-level")]
        object.merge(fields) { $1 }
        return try UnitrendsBackup(json: .object(object), zone: try #require(TimeZoneRules.named(zone)), context: "POST /api/backups")
    }

    @Test("every Unitrends status word maps as tabled; a terminal word decides whatever complete says", arguments: [
        ("Success", true, JobState.succeeded), ("Warning", true, .warning), ("Failure", true, .failed), ("None", true, .unknown),
        ("None", false, .running), ("Success", false, .succeeded), ("failure", true, .failed), ("Aborted", true, .unknown),
    ])
    func statusWords(word: String, complete: Bool, state: JobState) throws {
        let backup = try Self.backup(["status": .string(word), "complete": .bool(complete)])
        #expect(backup.run.state == state)
        #expect(backup.run.vendorStatus == word)
    }

    @Test("the seed's backup: local time in the target's zone, HH:mm:ss duration, MB as MiB, files as objects")
    func seedBackup() throws {
        let fields: [String: JSONValue] = [
            "type": .string("Differential"), "start_date_time": .string("10/14/2014 09:32 am"), "duration": .string("00:00:28"),
            "complete": .bool(true), "status": .string("Success"), "size": .number(518), "files": .number(2462),
            "replication_status": .string("N/A"), "verify_status": .string("Success"), "certified": .bool(false),
        ]
        let utc = try Self.backup(fields)
        #expect(utc.jobID == "2/23")
        #expect(utc.jobName == "win32/file-level")
        #expect(utc.run == ObservedRun(id: "220", state: .succeeded, startTime: 1_413_279_120, endTime: 1_413_279_148, durationSeconds: 28,
                                       sizeBytes: 518 * 1_048_576, objectCount: 2462, vendorStatus: "Success"))
        let newYork = try Self.backup(fields, zone: "America/New_York")
        #expect(newYork.run.startTime == 1_413_293_520)
        #expect(newYork.run.endTime == 1_413_293_548)
    }

    @Test("a running backup has no end and no duration of its own; size and numbers may be strings")
    func running() throws {
        let backup = try Self.backup([
            "start_date_time": .string("10/14/2014 09:32 pm"), "duration": .string("00:10:00"), "complete": .bool(false),
            "status": .string("None"), "size": .string("12.5"), "files": .string("10"),
        ])
        #expect(backup.run == ObservedRun(id: "220", state: .running, startTime: 1_413_322_320, sizeBytes: 13_107_200, objectCount: 10, vendorStatus: "None"))
    }

    @Test("a client-level backup is a job of its own; missing and null fields stay absent")
    func sparse() throws {
        let backup = try UnitrendsBackup(
            json: .object(["id": .string("9001"), "client_id": .number(9), "client_name": .string("esx-vm-web"), "instance_id": .null,
                           "start_date_time": .null, "status": .string("Failure"), "complete": .bool(true)]),
            zone: .utc, context: "POST /api/backups")
        #expect(backup.jobID == "9")
        #expect(backup.jobName == "esx-vm-web")
        #expect(backup.run == ObservedRun(id: "9001", state: .failed, vendorStatus: "Failure"))
    }

    @Test("a backup without client is a decode error naming the call (one without id is not: UnitrendsTruthTests)")
    func broken() {
        #expect(throws: PollError(.decode, "POST /api/backups: backup without client_id")) {
            try UnitrendsBackup(json: .object(["id": .number(2)]), zone: .utc, context: "POST /api/backups")
        }
    }

    @Test("active rows match running backups by backup id, else by client and instance names")
    func activeRows() throws {
        let backup = try Self.backup(["complete": .bool(false)])
        let byName = UnitrendsActiveJob(json: .object(["client_name": .string("WIN32"), "instance_name": .string("file-level"), "percent_complete": .string("42.5")]))
        #expect(byName.matches(backup))
        #expect(byName.percent == 42.5)
        let otherInstance = UnitrendsActiveJob(json: .object(["client_name": .string("win32"), "instance_name": .string("sql"), "percent_complete": .number(3)]))
        #expect(!otherInstance.matches(backup))
        let byID = UnitrendsActiveJob(json: .object(["backup_id": .number(220), "client_name": .string("elsewhere"), "percent_complete": .number(7)]))
        #expect(byID.matches(backup))
        let wrongID = UnitrendsActiveJob(json: .object(["backup_id": .number(221), "client_name": .string("win32"), "instance_name": .string("file-level")]))
        #expect(!wrongID.matches(backup))
    }

    @Test("the seed as published (missing comma after size) is a decode error with its byte offset and no body content")
    func seedAsPublished() throws {
        let body = try Data(contentsOf: Golden.url(vendor: "unitrends", name: "seed-backups-as-published.json"))
        #expect(throws: PollError(.decode, "POST /api/backups: response is not valid JSON at byte 260: expected ',' or '}'")) {
            try JSONValue.parse(Array(body), context: "POST /api/backups")
        }
    }

    @Test("backups group by asset, newest first, capped per asset")
    func grouping() throws {
        func make(_ id: Int, _ client: Int, _ start: String) throws -> UnitrendsBackup {
            try UnitrendsBackup(json: .object(["id": .number(Double(id)), "client_id": .number(Double(client)), "client_name": .string("c\(client)"),
                                               "start_date_time": .string(start), "status": .string("Success")]),
                                zone: .utc, context: "t")
        }
        let backups = [try make(5, 1, "10/14/2014 09:32 am"), try make(7, 1, "10/15/2014 09:32 am"), try make(8, 2, "10/14/2014 09:32 am"),
                       try make(9, 1, "10/15/2014 09:32 am"), try make(3, 1, "10/13/2014 09:32 am")]
        let jobs = UnitrendsAdapter.group(backups, keep: 3)
        #expect(jobs.map(\.id) == ["1", "2"])
        #expect(jobs[0].runs.map(\.id) == ["9", "7", "5"])
        #expect(jobs[1].runs.map(\.id) == ["8"])
    }

    @Test("options and credentials are validated when the adapter is built")
    func options() async throws {
        try await SessionVendorHarness.expectOptionsChecked(vendor: "unitrends", [
            ("options:\n  history: 10m", "targets[0].options.history: must be between 1h and 8784h"),
            ("options:\n  backups_per_job: 101", "targets[0].options.backups_per_job: must be between 1 and 100"),
            ("options:\n  lookback: 1h", "targets[0].options.lookback"),
        ])
    }
}
