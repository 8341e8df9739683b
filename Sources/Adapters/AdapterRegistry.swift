import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Logging

/// The table from the config's `vendor:` word to the adapter that speaks that vendor's API.
/// Adding a vendor means one folder and one line here.
public enum AdapterRegistry {
    public typealias Factory = @Sendable (AdapterContext) throws(ConfigError) -> any VendorAdapter

    static let factories: [Vendor: Factory] = [
        .inet: { context throws(ConfigError) in try InetAdapter(context: context) },
        .veeamM365: { context throws(ConfigError) in try VeeamM365Adapter(context: context) },
        .unitrends: { context throws(ConfigError) in try UnitrendsAdapter(context: context) },
        .commvault: { context throws(ConfigError) in try CommvaultAdapter(context: context) },
        .eclypse: { context throws(ConfigError) in try EclypseAdapter(context: context) },
    ]

    /// Which `jobs:` words name a job, per vendor (`JobFilter` applies them):
    /// - Commvault: the id triple `clientId/backupsetId/subclientId` or the name
    ///   `clientName/backupsetName/subclientName`;
    /// - Veeam: the job GUID, in any case;
    /// - Unitrends: `client_id/instance_id` or the name `client_name/instance_name`;
    /// - i-net: the definition id; ECLYPSE: the job id.
    static let jobKeys: [Vendor: JobKeys] = [
        .inet: .id,
        .veeamM365: JobKeys(anyCase: true),
        .unitrends: JobKeys(name: true),
        .commvault: JobKeys(name: true),
        .eclypse: .id,
    ]

    /// The target's `jobs:` with its vendor's rule.
    public static func jobFilter(for target: TargetConfiguration) -> JobFilter {
        JobFilter(entries: target.jobs, keys: jobKeys[target.vendor] ?? .id)
    }

    /// Vendors this build can poll.
    public static var supportedVendors: [Vendor] { Vendor.allCases.filter { factories[$0] != nil } }

    /// Builds the adapter for one target, validating its vendor `options:` and TLS files on the way,
    /// so `check-config` and a reload reject what the adapter cannot use.
    public static func makeAdapter(for target: TargetConfiguration, client: HTTPClient, logger: Logger) throws(ConfigError) -> any VendorAdapter {
        guard let factory = factories[target.vendor] else {
            throw ConfigError(
                file: "", line: target.line, key: "targets(\(target.name)).vendor",
                message: "vendor '\(target.vendor.rawValue)' is not supported by this build (supported: \(supportedVendors.map(\.rawValue).joined(separator: ", ")))")
        }
        var logger = logger
        logger[metadataKey: "target"] = "\(target.name)"
        logger[metadataKey: "vendor"] = "\(target.vendor.rawValue)"
        let connection = try TargetConnection(target: target, client: client)
        return try factory(AdapterContext(target: target, connection: connection, logger: logger, jobFilter: jobFilter(for: target)))
    }
}
