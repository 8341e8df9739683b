import ExporterConfig
import Logging

/// What an adapter is built from: its target's configuration, a connection to its base URL and a
/// logger already carrying the `target` and `vendor` metadata.
public struct AdapterContext: Sendable {
    public var target: TargetConfiguration
    public var connection: TargetConnection
    public var logger: Logger
    /// The daemon applies this filter to every answer; an adapter may use it only to ask its
    /// server for fewer jobs, never to filter by a rule of its own.
    public var jobFilter: JobFilter

    public init(target: TargetConfiguration, connection: TargetConnection, logger: Logger, jobFilter: JobFilter? = nil) {
        self.target = target
        self.connection = connection
        self.logger = logger
        self.jobFilter = jobFilter ?? AdapterRegistry.jobFilter(for: target)
    }
}
