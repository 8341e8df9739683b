@testable import Adapters
import BackupModel
import Testing

struct VeeamM365NormalisationTests {
    @Test("every Veeam status word maps as tabled; unknown words stay unknown", arguments: [
        ("Queued", JobState.waiting), ("Running", .running), ("Success", .succeeded), ("Warning", .warning),
        ("Failed", .failed), ("Stopped", .cancelled), ("Disconnected", .unknown), ("NotConfigured", .unknown),
        ("success", .succeeded), ("Paused", .unknown), ("", .unknown),
    ])
    func statusWords(word: String, state: JobState) throws {
        let session = try VeeamM365Session(json: .object(["id": .string("s1"), "status": .string(word)]), context: "GET /v8/JobSessions")
        #expect(session.run.state == state)
        #expect(session.run.vendorStatus == (word.isEmpty ? "none" : word))
    }

    @Test("a finished session: 7-digit ISO times, bytes, processed objects as count, no percentage")
    func finishedSession() throws {
        let json = try JSONValue.parse(Array("""
            {"id":"6a3fa2fb-3a77-4d99-8b5d-b6bd4102ffb1","jobId":"3c407448-4d05-432f-a651-144827bed5ce",
             "creationTime":"2018-05-30T12:19:14.7927466Z","endTime":"2018-05-30T12:21:32.1000000Z","progress":42,
             "status":"Success","statistics":{"transferredDataBytes":5368709120,"processedObjects":6329,"bottleneck":"Source"},
             "somethingNew":{"nested":[1,2]}}
            """.utf8), context: "test")
        let session = try VeeamM365Session(json: json, context: "GET /v8/JobSessions")
        #expect(session.jobID == "3c407448-4d05-432f-a651-144827bed5ce")
        #expect(session.run.id == "6a3fa2fb-3a77-4d99-8b5d-b6bd4102ffb1")
        #expect(session.run.state == .succeeded)
        #expect(session.run.progressPercent == nil)
        #expect(session.run.normalisedProgress == 100)
        #expect(session.run.objectCount == 42)
        #expect(session.run.sizeBytes == 5_368_709_120)
        #expect(abs((session.run.startTime ?? 0) - 1_527_682_754.7927466) < 1e-6)
        #expect(abs((session.run.endTime ?? 0) - 1_527_682_892.1) < 1e-6)
        #expect(session.run.durationSeconds == nil)
        #expect(abs((session.run.duration(now: 0) ?? 0) - 137.3072534) < 1e-6)
    }

    @Test("a running session has no end, no percentage, and its processed objects so far")
    func runningSession() throws {
        let json = JSONValue.object([
            "id": .string("s2"), "creationTime": .string("2018-05-30T12:19:14.0000000Z"),
            "endTime": .string("0001-01-01T00:00:00"), "progress": .number(17), "status": .string("Running"),
            "statistics": .object(["transferredDataBytes": .number(1024), "processedObjects": .number(900)]),
        ])
        let run = try VeeamM365Session(json: json, context: "test").run
        #expect(run == ObservedRun(id: "s2", state: .running, startTime: 1_527_682_754, sizeBytes: 1024, objectCount: 17, vendorStatus: "Running"))
        #expect(run.normalisedProgress == nil)
    }

    @Test("missing and null fields are absent, never invented; objects fall back to processedObjects")
    func sparseSession() throws {
        let json = JSONValue.object([
            "id": .string("s3"), "creationTime": .null, "endTime": .null, "progress": .null, "status": .string("Failed"),
            "statistics": .object(["processedObjects": .number(12)]),
        ])
        let run = try VeeamM365Session(json: json, context: "test").run
        #expect(run == ObservedRun(id: "s3", state: .failed, objectCount: 12, vendorStatus: "Failed"))
    }

    @Test("an end before the start (DateTime.MinValue) is dropped; an offset time is honoured")
    func oddTimes() throws {
        let json = JSONValue.object([
            "id": .string("s4"), "creationTime": .string("2017-04-03T05:36:11.0387317-07:00"),
            "endTime": .string("0001-01-01T00:00:00Z"), "status": .string("Warning"),
        ])
        let run = try VeeamM365Session(json: json, context: "test").run
        #expect(abs((run.startTime ?? 0) - 1_491_222_971.0387317) < 1e-6)
        #expect(run.endTime == nil)
    }

    @Test("a session without id or that is not an object is a decode error naming the call")
    func broken() {
        #expect(throws: PollError(.decode, "GET /v8/JobSessions: job session without id")) {
            try VeeamM365Session(json: .object(["status": .string("Success")]), context: "GET /v8/JobSessions")
        }
        #expect(throws: PollError(.decode, "GET /v8/JobSessions: expected a job session object")) {
            try VeeamM365Session(json: .array([]), context: "GET /v8/JobSessions")
        }
    }

    @Test("API versions fall back to older ones, newest first")
    func versions() {
        #expect(VeeamM365APIVersion.v8.withFallbacks == [.v8, .v7, .v6])
        #expect(VeeamM365APIVersion.v7.withFallbacks == [.v7, .v6])
        #expect(VeeamM365APIVersion.v6.withFallbacks == [.v6])
        #expect(VeeamM365APIVersion.v6.filtersSessionsByJobID == false)
        #expect(VeeamM365APIVersion.v7.filtersSessionsByJobID == true)
    }

    @Test("the token form escapes everything but unreserved characters")
    func formEncoding() {
        #expect(VeeamM365Adapter.formEncode([("grant_type", "password"), ("username", "mon itor@x.example"), ("password", "a&b=c+d%é")])
            == "grant_type=password&username=mon%20itor%40x.example&password=a%26b%3Dc%2Bd%25%C3%A9")
    }

    @Test("options are validated when the adapter is built")
    func options() async throws {
        try await SessionVendorHarness.expectOptionsChecked(vendor: "veeam_m365", [
            ("options:\n  api_version: v3", "targets[0].options.api_version: must be one of v6, v7, v8 (v3 to v5 were removed from the product)"),
            ("options:\n  sessions_per_job: 0", "targets[0].options.sessions_per_job: must be between 1 and 100"),
            ("options:\n  page_size: 5000", "targets[0].options.page_size: must be between 1 and 1000"),
            ("options:\n  sessions: 5", "targets[0].options.sessions"),
        ])
    }
}
