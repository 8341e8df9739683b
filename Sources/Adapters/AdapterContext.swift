import ExporterConfig
import Logging

/// What an adapter is built from: its target's configuration, a connection to its base URL and a
/// logger already carrying the `target` and `vendor` metadata.
public struct AdapterContext: Sendable {
    public var target: TargetConfiguration
    public var connection: TargetConnection
    public var logger: Logger

    public init(target: TargetConfiguration, connection: TargetConnection, logger: Logger) {
        self.target = target
        self.connection = connection
        self.logger = logger
    }
}
