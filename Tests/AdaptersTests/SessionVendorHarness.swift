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
import WebServer

/// Helpers for the login-based vendors' tests (Veeam M365, Unitrends): targets built through the
/// real config loader, a fresh HTTP client per test, golden files, and `/metrics` lines rendered
/// through the real store and renderer.
enum SessionVendorHarness {
    /// A password distinctive enough that finding it in an error message can only be a leak.
    static let password = "pw-SECRET-9c41e7"

    /// One target as the config loader produces it. `extra` is YAML indented under the target.
    static func target(
        vendor: String, url: String, username: String = "monitor", password: String = SessionVendorHarness.password,
        timeout: String = "5s", extra: String = ""
    ) throws -> TargetConfiguration {
        var yaml = """
        targets:
          - name: \(vendor)-test
            vendor: \(vendor)
            url: \(url)
            timeout: \(timeout)
            auth:
              username: "\(username)"
              password: "\(password)"

        """
        for line in extra.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            yaml += "    " + line + "\n"
        }
        return try ConfigLoader.parse(yaml: yaml, path: "/etc/backup-exporter/config.yaml", environment: [:]).targets[0]
    }

    static func context(_ target: TargetConfiguration, client: HTTPClient) throws -> AdapterContext {
        AdapterContext(target: target, connection: try TargetConnection(target: target, client: client),
                       logger: Logger(label: "adapters-tests"))
    }

    /// The adapter the daemon would build, through the registry.
    static func adapter(_ target: TargetConfiguration, client: HTTPClient) throws -> any VendorAdapter {
        try AdapterRegistry.makeAdapter(for: target, client: client, logger: Logger(label: "adapters-tests"))
    }

    /// The `ConfigError` loading `target` (the config loader checks vendor options) or building
    /// its adapter throws, or nil.
    static func configError(_ target: @autoclosure () throws -> TargetConfiguration) -> ConfigError? {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.syncShutdown() }
        do {
            _ = try AdapterRegistry.makeAdapter(for: try target(), client: client, logger: Logger(label: "adapters-tests"))
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record(error)
            return nil
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

    // MARK: - Golden files

    /// The source folder, for `UPDATE_GOLDEN=1`; reads go through the bundle like any resource.
    static func sourceGoldenDirectory(vendor: String, file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden/\(vendor)")
    }

    static func goldenURL(vendor: String, name: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Golden", withExtension: nil))
        return root.appendingPathComponent("\(vendor)/\(name)")
    }

    static func golden(vendor: String, name: String) throws -> String {
        try String(contentsOf: goldenURL(vendor: vendor, name: name), encoding: .utf8)
    }

    /// Compares `actual` with the golden file, or rewrites the file when `UPDATE_GOLDEN=1`.
    static func expectGolden(_ actual: String, vendor: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            let url = sourceGoldenDirectory(vendor: vendor).appendingPathComponent(name)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try golden(vendor: vendor, name: name)
        #expect(actual == expected, "golden \(vendor)/\(name) differs; run with UPDATE_GOLDEN=1 to accept", sourceLocation: sourceLocation)
    }

    /// A server answering captured responses: `routes` lines are `METHOD uri file [status]`, the
    /// uri with its query exactly as the adapter sends it.
    static func replayServer(vendor: String) async throws -> HTTPServer {
        let index = try golden(vendor: vendor, name: "routes.txt")
        var routes: [String: (file: String, status: Int)] = [:]
        for line in index.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count >= 3 else { continue }
            routes["\(parts[0]) \(parts[1])"] = (parts[2], parts.count > 3 ? Int(parts[3]) ?? 200 : 200)
        }
        var bodies: [String: (body: String, status: Int)] = [:]
        for (key, route) in routes {
            bodies[key] = (try golden(vendor: vendor, name: "responses/" + route.file), route.status)
        }
        let served = bodies
        return try await HTTPServer.start(.init(host: "127.0.0.1", port: 0)) { request in
            guard let entry = served["\(request.method.rawValue) \(request.uri)"] else {
                return .text("no capture for \(request.method.rawValue) \(request.uri)\n", status: .notFound)
            }
            return .json(entry.body, status: .init(statusCode: entry.status))
        }
    }

    /// `[ObservedJob]` as stable, reviewable JSON.
    static func json(_ jobs: [ObservedJob]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(jobs), as: UTF8.self) + "\n"
    }

    /// The `backup_job_*` sample lines of `/metrics` after one successful poll that saw `jobs`.
    static func jobMetricLines(target: String, vendor: Vendor, jobs: [ObservedJob], now: Double) async throws -> String {
        let directory = NSTemporaryDirectory() + "session-vendor-golden-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory, build: BuildInfo(version: "golden", swiftVersion: "6"), clock: { now })
        await store.configure(targets: [TargetIdentity(name: target, vendor: vendor)])
        await store.pollStarted(target: target)
        _ = await store.pollSucceeded(target: target, jobs: jobs, duration: 0.25)
        let snapshot = await store.snapshot()
        await store.close()
        let page = String(decoding: MetricsRenderer.render(snapshot, process: nil, now: now, format: .prometheusText), as: UTF8.self)
        return page.split(separator: "\n").filter { $0.hasPrefix("backup_job_") }.joined(separator: "\n") + "\n"
    }
}
