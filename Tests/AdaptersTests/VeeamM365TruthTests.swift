@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
import NIOConcurrencyHelpers
@testable import Simulator
import TestSupport
import Testing
import WebServer

/// The Veeam adapter held to the vendor's own words (the `/Jobs/{id}` reference page and the
/// `veeam-365` SDK's models), not to our simulator: a small server answers exactly the JSON each
/// test gives it, pages `JobSessions` by `offset`/`limit` over the sessions in the order given,
/// and the expectations are worked out by hand from the vendor's text.
@Suite("Veeam M365 as the vendor documents it")
struct VeeamM365TruthTests {
    static let user = "monitor@contoso.example"
    static let seedJob = "3c407448-4d05-432f-a651-144827bed5ce"

    /// Answers `POST /v8/Token`, `GET /v8/Jobs` with `jobs` (the exact body) and
    /// `GET /v8/JobSessions?jobId=` with a page of that job's `sessions`, in the order given.
    static func withServer<T: Sendable>(
        jobs: String, sessions: [String: [String]] = [:], _ body: (String, NIOLockedValueBox<[String]>) async throws -> T
    ) async throws -> T {
        let calls = NIOLockedValueBox<[String]>([])
        return try await withVendorSimulator(vendor: "veeam_m365", handler: { request in
            calls.withLockedValue { $0.append("\(request.method.rawValue) \(request.uri)") }
            let path = request.path.lowercased()
            if request.method == .POST, path == "/v8/token" {
                return .json(#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r"}"#)
            }
            if path == "/v8/jobs" { return .json(jobs) }
            if path == "/v8/jobsessions", let job = request.query["jobId"]?.lowercased() {
                let all = sessions[job] ?? []
                let offset = Int(request.query["offset"] ?? "0") ?? 0
                let limit = Int(request.query["limit"] ?? "30") ?? 30
                let slice = all.dropFirst(offset).prefix(limit)
                return .json(#"{"offset":\#(offset),"limit":\#(limit),"results":[\#(slice.joined(separator: ","))],"_links":{}}"#)
            }
            return .json(#"{"message":"not found"}"#, status: .notFound)
        }) { server in
            try await body(server.baseURL, calls)
        }
    }

    static func poll(_ url: String, options: String = "") async throws -> [ObservedJob] {
        let extra = options.isEmpty ? "" : "options:\n" + options.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return try await withHTTPClient { client in
            let target = try SessionVendorHarness.target(vendor: "veeam_m365", url: url, username: user, extra: extra)
            return try await SessionVendorHarness.adapter(target, client: client).poll()
        }
    }

    static func seed(_ name: String) throws -> String {
        try Golden.text(vendor: "seeds", name: name)
    }

    /// A v8 session of job `job` created `day` days after 2024-03-01T00:00:00Z (1709251200).
    static func session(_ job: String, day: Int, status: String = "Success", details: String = "", retried: Bool? = nil) -> String {
        let id = "00000000-0000-4000-8000-\(String(format: "%012d", day))"
        let retry = retried.map { #","jobWillBeRetried":\#($0)"# } ?? ""
        let end = status == "Running" || status == "Queued" ? "null" : #""2024-03-\#(String(format: "%02d", day + 1))T00:30:00.0000000Z""#
        return #"{"id":"\#(id)","jobId":"\#(job)","details":\#(JSONText.quote(details)),"creationTime":"2024-03-\#(String(format: "%02d", day + 1))T00:00:00.0000000Z","endTime":\#(end),"retryCount":0\#(retry),"progress":7,"status":"\#(status)","statistics":{"transferredDataBytes":100}}"#
    }

    static func sessionID(day: Int) -> String { "00000000-0000-4000-8000-\(String(format: "%012d", day))" }

    // MARK: - Oracle (c): the seed's /Jobs/{id} example

    @Test("the seed's /Jobs/{id} example verbatim holds a literal '...' in an array: a decode error, not a guess")
    func seedVerbatim() async throws {
        let verbatim = try Self.seed("veeam-m365-job-verbatim.json")
        #expect(verbatim.contains("[ true, true, true, ... ]"))
        try await Self.withServer(jobs: "[" + verbatim + "]") { url, _ in
            let error = try await withHTTPClient { client in
                let target = try SessionVendorHarness.target(vendor: "veeam_m365", url: url, username: Self.user)
                return await pollError(try SessionVendorHarness.adapter(target, client: client))
            }
            #expect(error?.reason == .decode)
        }
    }

    @Test("the seed's /Jobs/{id} example with only the '...' removed: enabled, next run, last status and last run")
    func seedFixed() async throws {
        let fixed = try Self.seed("veeam-m365-job-fixed.json")
        // The one change: `[ true, true, true, ... ]` became `[ true, true, true ]`.
        #expect(fixed.replacingOccurrences(of: "[ true, true, true ]", with: "[ true, true, true, ... ]")
                == (try Self.seed("veeam-m365-job-verbatim.json")))
        // The seed's job has no session in the answer (purged): its state comes from lastStatus.
        let jobs = try await Self.withServer(jobs: "[" + fixed + "]") { url, _ in try await Self.poll(url) }
        #expect(jobs.count == 1)
        let job = try #require(jobs.first)
        #expect(job.id == "3c407448-4d05-432f-a651-144827bed5ce")
        #expect(job.name == "test_job")
        #expect(job.runs.isEmpty)
        // "isEnabled": true
        #expect(job.enabled == true)
        // "nextRun": "2018-06-02T02:00:00Z" = 1527904800 (no fractional digits in the seed).
        #expect(job.nextRunTime == 1_527_904_800)
        // "lastStatus": "Success" and "lastRun": "2018-05-30T12:19:14.7927466Z" = 1527682754.7927466.
        let summary = try #require(job.summaryRun)
        #expect(summary.state == .succeeded)
        #expect(summary.vendorStatus == "Success")
        #expect(abs((summary.startTime ?? 0) - 1_527_682_754.7927466) < 1e-6)
        // The job definition gives no end, size or object count: none is invented.
        #expect(summary.endTime == nil)
        #expect(summary.sizeBytes == nil)
        #expect(summary.objectCount == nil)
        #expect(summary.progressPercent == nil)
        #expect(summary.vendorMessage == nil)
    }

    // MARK: - Job fields

    @Test("a disabled job without a next run, and purged jobs: each keeps a state from lastStatus", arguments: [
        ("Failed", JobState.failed), ("Warning", .warning), ("Stopped", .cancelled), ("Disconnected", .unknown), ("Running", .running),
    ])
    func purged(word: String, state: JobState) async throws {
        let jobs = #"{"offset":0,"limit":100,"results":[{"id":"9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b","name":"Teams","lastRun":"2024-03-05T20:00:00.5000000Z","nextRun":null,"isEnabled":false,"lastStatus":"\#(word)"}]}"#
        let observed = try await Self.withServer(jobs: jobs) { url, _ in try await Self.poll(url) }
        let job = try #require(observed.first)
        #expect(job.runs.isEmpty)
        #expect(job.enabled == false)
        #expect(job.nextRunTime == nil)
        #expect(job.summaryRun?.state == state)
        #expect(job.summaryRun?.vendorStatus == word)
        // 2024-03-05T20:00:00.5Z
        #expect(job.summaryRun?.startTime == 1_709_668_800.5)
    }

    @Test("a job that never ran (no lastStatus, no lastRun) has no summary run; isEnabled absent stays unknown")
    func neverRan() async throws {
        let jobs = #"[{"id":"9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b","name":"New job"}]"#
        let observed = try await Self.withServer(jobs: jobs) { url, _ in try await Self.poll(url) }
        #expect(observed == [ObservedJob(id: "9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b", name: "New job", runs: [])])
    }

    // MARK: - Order of the sessions list

    /// Eight daily sessions of one job, 2024-03-01 to 2024-03-08; the newest is running.
    static func eightSessions() -> [String] {
        (0..<8).map { session(seedJob, day: $0, status: $0 == 7 ? "Running" : "Success") }
    }

    @Test("the newest sessions are picked by creationTime whether the server lists them oldest or newest first",
          arguments: [false, true])
    func order(oldestFirst: Bool) async throws {
        let sessions = oldestFirst ? Self.eightSessions() : Self.eightSessions().reversed()
        let jobs = #"[{"id":"\#(Self.seedJob)","name":"Mail","isEnabled":true,"lastStatus":"Running"}]"#
        let observed = try await Self.withServer(jobs: jobs, sessions: [Self.seedJob: sessions]) { url, _ in
            try await Self.poll(url, options: "sessions_per_job: 3\npage_size: 2")
        }
        let runs = try #require(observed.first).runs
        #expect(runs.map(\.id) == [Self.sessionID(day: 7), Self.sessionID(day: 6), Self.sessionID(day: 5)])
        #expect(runs.first?.state == .running)
        // 2024-03-08T00:00:00Z
        #expect(runs.first?.startTime == 1_709_856_000)
    }

    @Test("a listing longer than the page cap is read up to the cap and logged once; what was read is ordered by creationTime")
    func sessionCap() async throws {
        // 25 sessions listed oldest first, one per page: only the first 20 pages are read.
        let sessions = (0..<25).map { Self.session(Self.seedJob, day: $0) }
        let jobs = #"[{"id":"\#(Self.seedJob)","name":"Mail","lastStatus":"Success"}]"#
        try await Self.withServer(jobs: jobs, sessions: [Self.seedJob: sessions]) { url, calls in
            let log = CapturedLog()
            try await withHTTPClient { client in
                let target = try SessionVendorHarness.target(vendor: "veeam_m365", url: url, username: Self.user,
                                                             extra: "options:\n  page_size: 1\n  sessions_per_job: 2")
                let adapter = try CommvaultEclypseHarness.adapter(target, client: client, log: log)
                for _ in 0..<2 {
                    let runs = try #require(try await adapter.poll().first).runs
                    #expect(runs.map(\.id) == [Self.sessionID(day: 19), Self.sessionID(day: 18)])
                }
            }
            #expect(calls.withLockedValue { $0.filter { $0.contains("JobSessions") }.count } == 40)
            #expect(log.messages(containing: "more sessions than read").map { $0.metadata["job_id"] } == [Self.seedJob])
        }
    }

    // MARK: - Vendor message

    @Test("details (and jobWillBeRetried) are the vendor message of a failed or warned session only")
    func details() async throws {
        let sessions = [
            Self.session(Self.seedJob, day: 4, status: "Failed", details: "Access denied for\nmailbox legal@contoso.example", retried: true),
            Self.session(Self.seedJob, day: 3, status: "Warning", details: "2 items were skipped", retried: false),
            Self.session(Self.seedJob, day: 2, status: "Success", details: "Job finished successfully"),
            Self.session(Self.seedJob, day: 1, status: "Failed", details: "", retried: true),
            Self.session(Self.seedJob, day: 0, status: "Failed", details: "Login as monitor with \(SessionVendorHarness.password) failed"),
        ]
        let jobs = #"[{"id":"\#(Self.seedJob)","name":"Mail","lastStatus":"Failed"}]"#
        let observed = try await Self.withServer(jobs: jobs, sessions: [Self.seedJob: sessions]) { url, _ in try await Self.poll(url) }
        let runs = try #require(observed.first).runs
        #expect(runs.map(\.state) == [.failed, .warning, .succeeded, .failed, .failed])
        #expect(runs.map(\.vendorMessage) == [
            "Access denied for mailbox legal@contoso.example; Veeam will retry the job",
            "2 items were skipped",
            nil,
            "Veeam will retry the job",
            "Login as monitor with <redacted> failed",
        ])
    }
}
