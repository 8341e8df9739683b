import Adapters
import AsyncHTTPClient
import ExporterConfig
import Logging

/// Loads the config file and builds an adapter per target. `check-config`, start-up and every
/// reload go through here, so all three accept and reject exactly the same files with the same
/// messages.
public struct ConfigurationLoader: Sendable {
    public var path: String
    public var environment: [String: String]

    public init(path: String, environment: [String: String]) {
        self.path = path
        self.environment = environment
    }

    /// A target's configuration and the adapter built from it.
    typealias Target = (configuration: TargetConfiguration, adapter: any VendorAdapter)

    /// The parsed configuration (adapters validate their `options:` as they are built).
    func load(client: HTTPClient, logger: Logger) throws(ConfigError) -> (ExporterConfiguration, [Target]) {
        let configuration = try ConfigLoader.load(path: path, environment: environment)
        for warning in configuration.warnings { logger.log(warning) }
        var targets: [Target] = []
        for target in configuration.targets {
            do {
                targets.append((target, try AdapterRegistry.makeAdapter(for: target, client: client, logger: logger)))
            } catch {
                var error = error
                if error.file.isEmpty { error.file = path }
                throw error
            }
        }
        return (configuration, targets)
    }

    /// Validation only, for `check-config`: parses and builds every adapter, polls nothing.
    public func check(client: HTTPClient) throws(ConfigError) -> ExporterConfiguration {
        try load(client: client, logger: Logger(label: "check-config", factory: { _ in SwiftLogNoOpLogHandler() })).0
    }
}
