@testable import Adapters
import BackupModel
import ExporterConfig
import Foundation
import NIOConcurrencyHelpers
import Testing
import WebServer

/// The i-net adapter held to the vendor's help page ("Result Details"), not to our simulator: a
/// small server answers exactly the bodies each test gives it, and the expectations are worked out
/// by hand from the page's words.
@Suite("i-net as the vendor documents it")
struct InetTruthTests {
    static let definition = "d7b3a485-b946-4edc-96db-1a41870f2584"

    /// `routes`: path → body. Everything else is 404.
    static func withServer<T: Sendable>(_ routes: [String: String], _ body: (String, NIOLockedValueBox<[String]>) async throws -> T) async throws -> T {
        let calls = NIOLockedValueBox<[String]>([])
        return try await withVendorSimulator(vendor: "inet", handler: { request in
            calls.withLockedValue { $0.append(String(request.path)) }
            guard let answer = routes[String(request.path)] else { return .json(#"{"error":"not found"}"#, status: .notFound) }
            return .json(answer)
        }) { server in
            try await body(server.baseURL, calls)
        }
    }

    static func poll(_ url: String, options: String = "definitions: [\(definition)]") async throws -> [ObservedJob] {
        try await withHTTPClient { client in
            let target = TestTargets.target(url: url, options: try TestTargets.options(options))
            return try await TestTargets.adapter(target, client: client).poll()
        }
    }

    static func seed(_ name: String) throws -> String {
        try Golden.text(vendor: "seeds", name: name)
    }

    static var base: String { "/api/backup/definitions/\(definition)/results" }

    // MARK: - Oracle (c): the help page's result-details example

    @Test("the help page's example verbatim lacks its opening and closing braces: a decode error")
    func seedVerbatim() async throws {
        let verbatim = try Self.seed("inet-result-verbatim.json")
        #expect(verbatim.hasPrefix("  \"appNameAndVersion\""))
        let routes = [Self.base: #"["6ed666d2-963a-41f9-972f-dc18d95506b5"]"#,
                      Self.base + "/6ed666d2-963a-41f9-972f-dc18d95506b5": verbatim]
        try await Self.withServer(routes) { url, _ in
            let error = try await withHTTPClient { client in
                let target = TestTargets.target(url: url, options: try TestTargets.options("definitions: [\(Self.definition)]"))
                return await pollError(try TestTargets.adapter(target, client: client))
            }
            #expect(error?.reason == .decode)
        }
    }

    @Test("the help page's example with only its braces added reads as the page describes it")
    func seedFixed() async throws {
        let fixed = try Self.seed("inet-result-fixed.json")
        // The only change: `{` first, `},` closing runningStatus, `}` closing contentInformation and the object.
        let lines = fixed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let verbatim = try Self.seed("inet-result-verbatim.json").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.filter { !["{", "  },", "  }", "}"].contains($0) } == verbatim.filter { !["{", "  },", "  }", "}"].contains($0) })
        let routes = [Self.base: #"["6ed666d2-963a-41f9-972f-dc18d95506b5"]"#,
                      Self.base + "/6ed666d2-963a-41f9-972f-dc18d95506b5": fixed]
        let jobs = try await Self.withServer(routes) { url, _ in try await Self.poll(url) }
        // "name": "DS" is the definition's name; "jobid" is the run.
        #expect(jobs.map(\.id) == [Self.definition])
        #expect(jobs.map(\.name) == ["DS"])
        let run = try #require(jobs.first?.runs.first)
        #expect(run.id == "6ed666d2-963a-41f9-972f-dc18d95506b5")
        // finished, taskErrors empty → succeeded; a successful run reads 100.
        #expect(run.state == .succeeded)
        #expect(run.progressPercent == 100)
        // started 1576146152440 ms, ended 1576146152449 ms, duration 9 ms, size 467 bytes.
        #expect(run.startTime == 1_576_146_152.440)
        #expect(run.endTime == 1_576_146_152.449)
        #expect(run.durationSeconds == 0.009)
        #expect(run.sizeBytes == 467)
        #expect(run.vendorMessage == nil)
    }

    // MARK: - Newest by `created`

    /// A finished result created at `createdSeconds` (epoch seconds), succeeded.
    static func result(_ id: String, created: Int) -> String {
        #"{"jobid":"\#(id)","definitionid":"\#(definition)","name":"DS","created":\#(created)000,"runningStatus":{"waiting":false,"running":false,"finished":true,"taskProgress":{},"taskErrors":{}},"contentInformation":{"started":\#(created)000,"ended":\#(created + 60)000,"duration":60000,"size":10}}"#
    }

    @Test("the newest results are chosen by created, whichever order the list comes in", arguments: [false, true])
    func newestByCreated(newestFirst: Bool) async throws {
        // Seven results, one a day from 2019-12-01T00:00:00Z (1575158400).
        let ids = (0..<7).map { "r\($0)" }
        var routes: [String: String] = [:]
        for (day, id) in ids.enumerated() {
            routes[Self.base + "/" + id] = Self.result(id, created: 1_575_158_400 + day * 86_400)
        }
        let listed = newestFirst ? ids.reversed() : ids
        routes[Self.base] = "[" + listed.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let jobs = try await Self.withServer(routes) { url, _ in
            try await Self.poll(url, options: "definitions: [\(Self.definition)]\nresults_per_definition: 3")
        }
        #expect(jobs.first?.runs.map(\.id) == ["r6", "r5", "r4"])
    }

    @Test("a listed result object carrying created is ordered by it too, whatever its position")
    func listedObjects() async throws {
        let list = "[" + [Self.result("late", created: 1_575_500_000), Self.result("early", created: 1_575_100_000),
                          Self.result("middle", created: 1_575_300_000)].joined(separator: ",") + "]"
        let jobs = try await Self.withServer([Self.base: list]) { url, _ in
            try await Self.poll(url, options: "definitions: [\(Self.definition)]\nresults_per_definition: 2")
        }
        #expect(jobs.first?.runs.map(\.id) == ["late", "middle"])
    }

    // MARK: - Failed runs: progress reached, vendor message

    @Test("a failed run keeps the progress its tasks reached; its taskErrors are the vendor message")
    func failedProgress() async throws {
        let failed = #"{"jobid":"f1","definitionid":"\#(Self.definition)","name":"DS","created":1576146152439,"runningStatus":{"waiting":false,"running":false,"finished":true,"taskProgress":{"database":"40.000000","mail":20},"taskErrors":{"mail":"target volume\nnot writable","database":"connection reset"}},"contentInformation":{"started":1576146152440,"ended":1576146162440,"duration":10000,"size":0}}"#
        let jobs = try await Self.withServer([Self.base: "[" + failed + "]"]) { url, _ in try await Self.poll(url) }
        let run = try #require(jobs.first?.runs.first)
        #expect(run.state == .failed)
        // (40 + 20) / 2
        #expect(run.progressPercent == 30)
        #expect(run.normalisedProgress == 30)
        // Task errors sorted by task name, joined with "; ", whitespace collapsed.
        #expect(run.vendorMessage == "database: connection reset; mail: target volume not writable")
    }

    @Test("a failed run whose tasks report no progress has none; a warned run keeps its errors as message")
    func failedWithoutProgress() async throws {
        let failed = #"{"jobid":"f2","definitionid":"\#(Self.definition)","created":1576146152000,"runningStatus":{"waiting":false,"running":false,"finished":true,"taskProgress":{},"taskErrors":{"mail":"quota exceeded, token \#(TestSecrets.token) refused"}},"contentInformation":{"size":0}}"#
        let warned = #"{"jobid":"w1","definitionid":"\#(Self.definition)","created":1576046152000,"runningStatus":{"waiting":false,"running":false,"finished":true,"taskProgress":{},"taskErrors":{"mail":"3 items could not be read"}},"contentInformation":{"size":2000}}"#
        let jobs = try await Self.withServer([Self.base: "[" + warned + "," + failed + "]"]) { url, _ in try await Self.poll(url) }
        let runs = try #require(jobs.first?.runs)
        #expect(runs.map(\.id) == ["f2", "w1"])
        #expect(runs.map(\.state) == [.failed, .warning])
        #expect(runs[0].progressPercent == nil)
        #expect(runs[0].vendorMessage == "mail: quota exceeded, token <redacted> refused")
        #expect(runs[1].vendorMessage == "mail: 3 items could not be read")
    }
}
