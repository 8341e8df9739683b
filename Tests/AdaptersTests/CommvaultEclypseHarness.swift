@testable import Adapters
import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Exposition
import Foundation
import Logging
import Simulator
import StateStore
import TestSupport
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

    static func adapter(_ target: TargetConfiguration, client: VendorHTTPClient, log: CapturedLog? = nil) throws -> any VendorAdapter {
        let logger = log.map { log in Logger(label: "adapters-tests") { _ in CapturedLogHandler(log: log) } }
            ?? Logger(label: "adapters-tests")
        return try AdapterRegistry.makeAdapter(for: target, client: client, logger: logger)
    }

    /// The config error loading `target` (the config loader checks vendor options) or building
    /// its adapter throws, or nil.
    static func configError(_ target: @autoclosure () throws -> TargetConfiguration) async throws -> ConfigError? {
        do {
            let target = try target()
            _ = try await withHTTPClient { client in try adapter(target, client: client) }
            return nil
        } catch let error as ConfigError {
            return error
        }
    }

    static func expectNoSecrets(in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!text.contains(secret), "a credential leaked", sourceLocation: sourceLocation)
        }
    }
}
