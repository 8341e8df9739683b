import Adapters
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

    /// The parsed configuration (`ConfigLoader` has checked every key, vendor options included;
    /// building an adapter can only still refuse a CA file that holds no PEM certificate).
    func load(client: VendorHTTPClient, logger: Logger) throws(ConfigError) -> (ExporterConfiguration, [Target]) {
        let configuration = try ConfigLoader.load(path: path, environment: environment)
        for warning in configuration.warnings { logger.log(warning) }
        var targets: [Target] = []
        for target in configuration.targets {
            targets.append((target, try AdapterRegistry.makeAdapter(for: target, client: client, logger: logger)))
        }
        return (configuration, targets)
    }

    /// Validation only, for `check-config`: the same keys and options as `load`, and the same
    /// CA certificates loaded, without an HTTP client or an adapter.
    public func check() throws(ConfigError) -> ExporterConfiguration {
        let configuration = try ConfigLoader.load(path: path, environment: environment)
        for target in configuration.targets {
            _ = try TargetConnection.tlsConfiguration(for: target)
        }
        return configuration
    }
}
