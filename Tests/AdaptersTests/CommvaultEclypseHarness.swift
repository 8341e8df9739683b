@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Exposition
import Foundation
import Logging
import Simulator
import StateStore
import Testing

/// Helpers for the Commvault and ECLYPSE tests: targets built the way the config loader builds
/// them, adapters built through the registry, a captured log, and golden-file comparison.
/// (Named apart from the i-net tests' helpers so both sets live in one test target.)
enum CommvaultEclypseHarness {
    static let username = "monitor"
    /// Distinctive, so finding it in an error message or a log line can only mean a leak.
    static let password = "pw-SECRET-9c1e77"
    static var secrets: [String] {
        [password, Data(password.utf8).base64EncodedString(), Data("\(username):\(password)".utf8).base64EncodedString()]
    }

    /// A target as `ConfigLoader` makes it from YAML, so option errors carry real keys and lines.
    static func target(vendor: Vendor, url: String, username: String = username, password: String = password,
                       jobs: [String] = [], options: String = "", timeout: String = "5s",
                       maxResponseBytes: Int? = nil) throws -> TargetConfiguration {
        var yaml = """
        targets:
          - name: \(vendor.rawValue)-test
            vendor: \(vendor.rawValue)
            url: \(url)
            timeout: \(timeout)
            auth:
              username: \(username)
              password: "\(password)"

        """
        if !jobs.isEmpty { yaml += "    jobs: [\(jobs.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        if let maxResponseBytes { yaml += "    max_response_bytes: \(maxResponseBytes)\n" }
        if !options.isEmpty {
            yaml += "    options:\n" + options.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
        }
        return try ConfigLoader.parse(yaml: yaml, path: "/etc/backup-exporter/config.yaml", environment: [:]).targets[0]
    }

    static func adapter(_ target: TargetConfiguration, client: HTTPClient, log: CapturedLog? = nil) throws -> any VendorAdapter {
        let logger = log.map { log in Logger(label: "adapters-tests") { _ in CapturedLogHandler(log: log) } }
            ?? Logger(label: "adapters-tests")
        return try AdapterRegistry.makeAdapter(for: target, client: client, logger: logger)
    }

    /// The config error loading `target` (the config loader checks vendor options) or building
    /// its adapter throws, or nil.
    static func configError(_ target: @autoclosure () throws -> TargetConfiguration) async throws -> ConfigError? {
        do {
            let target = try target()
            _ = try await withClient { client in try adapter(target, client: client) }
            return nil
        } catch let error as ConfigError {
            return error
        }
    }

    /// The daemon's client configuration, shut down also when `body` throws (`withHTTPClient`).
    static func withClient<Result: Sendable>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
        try await withHTTPClient(body)
    }

    static func pollError(_ adapter: any VendorAdapter) async -> PollError? {
        do {
            _ = try await adapter.poll()
            return nil
        } catch {
            return error
        }
    }

    static func expectNoSecrets(in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!text.contains(secret), "a credential leaked", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Golden files

    static let updatingGolden = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    static func goldenFolder(_ vendor: String) throws -> URL {
        let golden = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        return golden.appendingPathComponent(vendor)
    }

    /// Compares `rendered` with `Golden/<vendor>/<file>`, or writes it to the source folder when
    /// `UPDATE_GOLDEN=1`.
    static func compareGolden(_ rendered: String, vendor: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if updatingGolden {
            let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(vendor)")
            try Data(rendered.utf8).write(to: folder.appendingPathComponent(file))
            return
        }
        let expected = try String(contentsOf: try goldenFolder(vendor).appendingPathComponent(file), encoding: .utf8)
        #expect(rendered == expected, Comment(rawValue: difference(rendered, expected, file: file)), sourceLocation: sourceLocation)
    }

    static func renderJobs(_ jobs: [ObservedJob]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(jobs), as: UTF8.self) + "\n"
    }

    /// The `backup_job_*` lines of `/metrics` after one successful poll that saw `jobs`.
    static func metricsLines(_ jobs: [ObservedJob], vendor: Vendor, target: String, now: Double) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-\(vendor.rawValue)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, build: BuildInfo(version: "0.0.0", swiftVersion: "6"), clock: { now })
        await store.configure(targets: [TargetIdentity(name: target, vendor: vendor)])
        await store.pollStarted(target: target)
        _ = await store.pollSucceeded(target: target, jobs: jobs, duration: 0.25)
        let snapshot = await store.snapshot()
        await store.close()
        let page = String(decoding: MetricsRenderer.render(snapshot, process: nil, now: now, format: .prometheusText), as: UTF8.self)
        return page.split(separator: "\n").filter { $0.hasPrefix("backup_job_") }.joined(separator: "\n") + "\n"
    }

    private static func difference(_ rendered: String, _ expected: String, file: String) -> String {
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

/// Log lines an adapter wrote, for "logged once" checks.
final class CapturedLog: @unchecked Sendable {
    struct Entry: Sendable, Equatable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    var entries: [Entry] { lock.withLock { stored } }

    func append(_ entry: Entry) { lock.withLock { stored.append(entry) } }

    func messages(containing text: String) -> [Entry] { entries.filter { $0.message.contains(text) } }
}

struct CapturedLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        log.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
