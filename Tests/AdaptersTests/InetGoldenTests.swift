@testable import Adapters
import BackupModel
import Exposition
import Foundation
import StateStore
import TestSupport
import Testing
import WebServer

/// The i-net adapter end to end against fixed responses, in the manner of node_exporter's
/// `e2e-output.txt`: the files under `Golden/inet/api/` are served at their own paths
/// (`Golden/inet/api/backup/definitions.json` answers `GET /api/backup/definitions`), and what
/// comes out must equal `Golden/inet/expected-jobs.json` (the normalised jobs, JSON with sorted
/// keys) and `Golden/inet/metrics.prom` (the `backup_job_*` lines of `/metrics` for them).
///
/// The responses follow the vendor's documented result shape (`vendors/inet.md`, the help page's
/// example is one of them); the list shapes mix both forms the adapter accepts.
///
/// After an *intended* change of the normalisation or the page, regenerate the expected files with
///
///     UPDATE_GOLDEN=1 swift test --filter AdaptersTests.InetGoldenTests
///
/// then run the tests again without it (the bundle copy is refreshed by the build) and review
/// `git diff Tests/AdaptersTests/Golden` before committing. While UPDATE_GOLDEN is set these
/// tests write the files and pass.
@Suite("i-net golden responses")
struct InetGoldenTests {
    /// Where UPDATE_GOLDEN writes: the source folder, not the built bundle the tests read.
    static let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/inet")
    static var updating: Bool { get throws { try GoldenUpdate.requested() } }
    static let targetName = "inet-golden"
    /// The store's clock and the scrape time: fixed, so the running job's duration is too.
    static let now = 1_576_300_000.0

    static func goldenFolder() throws -> URL {
        let golden = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        return golden.appendingPathComponent("inet")
    }

    /// Polls a server that answers every path with the file of that name, and only to the token.
    static func pollGoldenServer() async throws -> [ObservedJob] {
        let folder = try goldenFolder()
        let server = try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            guard request.headers.first(name: "Authorization") == "Bearer \(TestSecrets.token)" else {
                return .json(#"{"error":"unauthorized"}"#, status: .unauthorized)
            }
            let path = request.path.split(separator: "/").joined(separator: "/")
            guard !path.contains(".."), let data = FileManager.default.contents(
                atPath: folder.appendingPathComponent(path + ".json").path) else {
                return .json(#"{"error":"not found"}"#, status: .notFound)
            }
            return HTTPResponse(status: .ok, contentType: "application/json", body: data)
        }
        do {
            let jobs = try await withHTTPClient { client in
                try await TestTargets.adapter(TestTargets.target(url: "http://127.0.0.1:\(server.port)"), client: client).poll()
            }
            await server.shutdown()
            return jobs
        } catch {
            await server.shutdown()
            throw error
        }
    }

    @Test("the captured responses normalise to exactly Golden/inet/expected-jobs.json")
    func observedJobs() async throws {
        let jobs = try await Self.pollGoldenServer()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let rendered = String(decoding: try encoder.encode(jobs), as: UTF8.self) + "\n"
        try Self.compare(rendered, with: "expected-jobs.json")
        // The file must also decode to the very same values, not only print the same.
        if try !Self.updating {
            let data = try Data(contentsOf: try Self.goldenFolder().appendingPathComponent("expected-jobs.json"))
            #expect(try JSONDecoder().decode([ObservedJob].self, from: data) == jobs)
        }
    }

    @Test("those jobs give exactly the backup_job_* lines of Golden/inet/metrics.prom")
    func metricsLines() async throws {
        let jobs = try await Self.pollGoldenServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-golden-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = Self.now
        let store = try StateStore(directory: directory, build: BuildInfo(version: "0.0.0", swiftVersion: "6"), clock: { now })
        await store.configure(targets: [TargetIdentity(name: Self.targetName, vendor: .inet)])
        await store.pollStarted(target: Self.targetName)
        _ = await store.pollSucceeded(target: Self.targetName, jobs: jobs, duration: 0.25)
        let snapshot = await store.snapshot()
        await store.close()
        let page = String(decoding: MetricsRenderer.render(snapshot, process: nil, now: now, format: .prometheusText), as: UTF8.self)
        let lines = page.split(separator: "\n").filter { $0.hasPrefix("backup_job_") }
        #expect(!lines.isEmpty)
        try Self.compare(lines.joined(separator: "\n") + "\n", with: "metrics.prom")
    }

    private static func compare(_ rendered: String, with file: String) throws {
        if try updating {
            try Data(rendered.utf8).write(to: sourceFolder.appendingPathComponent(file))
            return
        }
        let expected = try String(contentsOf: try goldenFolder().appendingPathComponent(file), encoding: .utf8)
        #expect(rendered == expected, Comment(rawValue: firstDifference(rendered, expected, file: file)))
    }

    /// Names the first differing line, which is all a reader needs from a long file.
    private static func firstDifference(_ rendered: String, _ expected: String, file: String) -> String {
        let got = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(got.count, want.count) {
            let gotLine = index < got.count ? String(got[index]) : "<end>"
            let wantLine = index < want.count ? String(want[index]) : "<end of file>"
            if gotLine != wantLine {
                return "\(file) line \(index + 1): expected \(wantLine.debugDescription), got \(gotLine.debugDescription). "
                    + "If the change is intended, rerun with UPDATE_GOLDEN=1."
            }
        }
        return "\(file) matches"
    }
}
