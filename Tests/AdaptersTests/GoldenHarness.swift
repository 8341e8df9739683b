@testable import Adapters
import BackupModel
import ExporterConfig
import Exposition
import Foundation
import StateStore
import TestSupport
import Testing
import WebServer

/// One golden harness and one file layout for every vendor, in the manner of node_exporter's
/// `e2e-output.txt`: captured answers in, exactly the expected jobs and `backup_job_*` lines out.
///
///     Golden/<vendor>/routes.txt            which captured answer each request gets
///     Golden/<vendor>/responses/...         the captured answers
///     Golden/<vendor>/expected-jobs.json    the normalised jobs (sorted keys, slashes unescaped)
///     Golden/<vendor>/expected-metrics.prom the `backup_job_*` lines of `/metrics` for them
///
/// A `routes.txt` line is `METHOD uri file [status] [| Header: value]...`: the uri with its query
/// exactly as the adapter sends it, the file under `responses/`, the status (200 when left out)
/// and headers the request must carry for that answer (the first matching line wins). Lines
/// starting with `#` are comments. A request no line answers gets a 404 and fails the test, so
/// the routes list every call the adapter makes.
///
/// After an *intended* change of the normalisation or the page, regenerate the expected files with
///
///     UPDATE_GOLDEN=1 swift test --filter AdaptersTests.GoldenTests
///
/// then run the tests again without it (the bundle copy is refreshed by the build) and review
/// `git diff Tests/AdaptersTests/Golden` before committing. While UPDATE_GOLDEN is set these
/// tests write the files and pass. Under `CI=true` the switch is refused: CI checks goldens, it
/// never accepts them.
enum Golden {
    static var updating: Bool { GoldenFile.updating }

    // MARK: - Files

    /// A file under `Golden/` as the test bundle holds it; reads go through the bundle like any resource.
    static func url(vendor: String, name: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        return root.appendingPathComponent("\(vendor)/\(name)")
    }

    static func text(vendor: String, name: String) throws -> String {
        try String(contentsOf: url(vendor: vendor, name: name), encoding: .utf8)
    }

    static func data(vendor: String, name: String) throws -> Data {
        try Data(contentsOf: url(vendor: vendor, name: name))
    }

    /// The source folder, where `UPDATE_GOLDEN=1` writes (not the built bundle the tests read).
    static func sourceURL(vendor: String, name: String, file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden/\(vendor)/\(name)")
    }

    /// Compares `rendered` with `Golden/<vendor>/<name>`, or writes it to the source folder when
    /// `UPDATE_GOLDEN=1` (refused under `CI=true`).
    static func expect(_ rendered: String, vendor: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if let refusal = GoldenFile.refusal(for: "Golden/\(vendor)/\(name)") {
            Issue.record(Comment(rawValue: refusal), sourceLocation: sourceLocation)
            return
        }
        if updating {
            try Data(rendered.utf8).write(to: sourceURL(vendor: vendor, name: name))
            return
        }
        let expected = try text(vendor: vendor, name: name)
        #expect(rendered == expected, Comment(rawValue: GoldenFile.firstDifference(rendered, expected, file: "\(vendor)/\(name)")),
                sourceLocation: sourceLocation)
    }

    // MARK: - Replaying captured answers

    struct Route: Sendable {
        var method: String
        var uri: String
        var file: String
        var status: Int
        var headers: [(name: String, value: String)]

        func answers(_ request: HTTPRequest) -> Bool {
            request.method.rawValue == method && request.uri == uri
                && headers.allSatisfy { request.headers.first(name: $0.name) == $0.value }
        }
    }

    static func routes(vendor: String) throws -> [Route] {
        try text(vendor: vendor, name: "routes.txt").split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let sections = line.split(separator: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
            let parts = sections[0].split(separator: " ").map(String.init)
            guard parts.count >= 3 else { return nil }
            let headers = sections.dropFirst().map { header in
                let pair = header.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return (name: pair[0], value: pair.count > 1 ? pair[1] : "")
            }
            return Route(method: parts[0], uri: parts[1], file: parts[2],
                         status: parts.count > 3 ? Int(parts[3]) ?? 200 : 200, headers: headers)
        }
    }

    /// Serves `Golden/<vendor>` by its `routes.txt` while `body` runs with the base URL, and fails
    /// the test for every request no route answers.
    static func replay<Value: Sendable>(vendor: String, _ body: (String) async throws -> Value) async throws -> Value {
        let answers = try routes(vendor: vendor).map { route in
            let contentType = route.file.hasSuffix(".xml") ? "application/xml" : "application/json"
            let response = HTTPResponse(status: .init(statusCode: route.status), contentType: contentType,
                                        body: try data(vendor: vendor, name: "responses/" + route.file))
            return (route: route, response: response)
        }
        let unanswered = RequestLog()
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            guard let answer = answers.first(where: { $0.route.answers(request) }) else {
                await unanswered.append("\(request.method.rawValue) \(request.uri)")
                return .text("no capture for \(request.method.rawValue) \(request.uri)\n", status: .notFound)
            }
            return answer.response
        }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body("http://127.0.0.1:\(server.port)"))
        } catch {
            result = .failure(error)
        }
        await server.shutdown()
        let unansweredPaths = await unanswered.paths
        #expect(unansweredPaths == [], "requests Golden/\(vendor)/routes.txt does not answer")
        return try result.get()
    }

    /// One poll of the adapter the registry builds for `target(baseURL)` against the captures.
    static func poll(vendor: String, target: (String) throws -> TargetConfiguration) async throws -> [ObservedJob] {
        try await replay(vendor: vendor) { url in
            try await withHTTPClient { client in
                try await TestTargets.adapter(try target(url), client: client).poll()
            }
        }
    }

    // MARK: - Expected output

    /// `[ObservedJob]` as stable, reviewable JSON.
    static func json(_ jobs: [ObservedJob]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(jobs), as: UTF8.self) + "\n"
    }

    /// The `backup_job_*` sample lines of `/metrics` after one successful poll that saw `jobs`,
    /// rendered through the real store and renderer at the fixed time `now`.
    static func jobMetricLines(target: String, vendor: Vendor, jobs: [ObservedJob], now: Double) async throws -> String {
        let directory = try TemporaryDirectory()
        let store = try StateStore(directory: directory.path, build: BuildInfo(version: "golden", swiftVersion: "6"), clock: { now })
        await store.configure(targets: [TargetIdentity(name: target, vendor: vendor)])
        await store.pollStarted(target: target)
        _ = await store.pollSucceeded(target: target, jobs: jobs, duration: 0.25)
        let snapshot = await store.snapshot()
        await store.close()
        let page = String(decoding: MetricsRenderer.render(snapshot, process: nil, now: now, format: .prometheusText), as: UTF8.self)
        let lines = page.split(separator: "\n").filter { $0.hasPrefix("backup_job_") }
        #expect(!lines.isEmpty, "no backup_job_* lines for \(target)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `jobs` must print as `expected-jobs.json`, decode back from it to the very same values, and
    /// give exactly `expected-metrics.prom`. `now` is when the page is rendered, shortly after the
    /// captures: only a running run's elapsed duration depends on it.
    static func check(_ jobs: [ObservedJob], vendor: String, model: Vendor, now: Double,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try expect(try json(jobs), vendor: vendor, name: "expected-jobs.json", sourceLocation: sourceLocation)
        if !updating {
            let decoded = try JSONDecoder().decode([ObservedJob].self, from: try data(vendor: vendor, name: "expected-jobs.json"))
            #expect(decoded == jobs, "Golden/\(vendor)/expected-jobs.json must decode to the polled jobs", sourceLocation: sourceLocation)
        }
        let lines = try await jobMetricLines(target: "\(vendor)-golden", vendor: model, jobs: jobs, now: now)
        try expect(lines, vendor: vendor, name: "expected-metrics.prom", sourceLocation: sourceLocation)
    }
}
