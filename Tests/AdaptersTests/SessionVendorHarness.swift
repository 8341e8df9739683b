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

    static func context(_ target: TargetConfiguration, client: VendorHTTPClient) throws -> AdapterContext {
        AdapterContext(target: target, connection: try TargetConnection(target: target, client: client),
                       logger: Logger(label: "adapters-tests"))
    }

    /// The adapter the daemon would build, through the registry.
    static func adapter(_ target: TargetConfiguration, client: VendorHTTPClient) throws -> any VendorAdapter {
        try AdapterRegistry.makeAdapter(for: target, client: client, logger: Logger(label: "adapters-tests"))
    }

    /// The `ConfigError` loading `target` (the config loader checks vendor options) or building
    /// its adapter throws, or nil.
    static func configError(_ target: @autoclosure () throws -> TargetConfiguration) async -> ConfigError? {
        do {
            let target = try target()
            _ = try await withHTTPClient { client in try adapter(target, client: client) }
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record(error)
            return nil
        }
    }

    /// Expects `vendor`'s target to load as it is, and to be refused with each `extra` (YAML under
    /// the target) with a message that contains the case's `expected` text.
    static func expectOptionsChecked(vendor: String, _ cases: [(extra: String, expected: String)],
                                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let url = "http://127.0.0.1:1"
        #expect(await configError(try target(vendor: vendor, url: url)) == nil, sourceLocation: sourceLocation)
        for (extra, expected) in cases {
            let error = await configError(try target(vendor: vendor, url: url, extra: extra))
            #expect(error?.description.contains(expected) == true, "\(extra): \(String(describing: error))",
                    sourceLocation: sourceLocation)
        }
    }

    /// The adapter the registry builds for `target`, on a fresh client shut down after `body`.
    static func withAdapter<Result: Sendable>(_ target: TargetConfiguration, _ body: (any VendorAdapter) async throws -> Result) async throws -> Result {
        try await withHTTPClient { client in try await body(try adapter(target, client: client)) }
    }

}
