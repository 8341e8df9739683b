import AsyncHTTPClient
import BackupModel
import ExporterConfig
import Logging

/// The table from the config's `vendor:` word to the adapter that speaks that vendor's API.
/// Adding a vendor means one folder, one options type in ExporterConfig and one line here.
public enum AdapterRegistry {
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

    /// Builds the adapter for one target from its decoded options. Only the TLS files can still
    /// be refused here (they need the HTTP client module to load); every other key was checked
    /// by the config loader.
    public static func makeAdapter(for target: TargetConfiguration, client: VendorHTTPClient, logger: Logger) throws(ConfigError) -> any VendorAdapter {
        var logger = logger
        logger[metadataKey: "target"] = "\(target.name)"
        logger[metadataKey: "vendor"] = "\(target.vendor.rawValue)"
        let connection = try TargetConnection(target: target, client: client)
        let context = AdapterContext(target: target, connection: connection, logger: logger, jobFilter: jobFilter(for: target))
        // The options' case picks the adapter, so a vendor and its options can never disagree.
        let adapter: any VendorAdapter = switch target.options {
        case .inet(let options): InetAdapter(context: context, options: options)
        case .veeamM365(let options): VeeamM365Adapter(context: context, options: options)
        case .unitrends(let options): UnitrendsAdapter(context: context, options: options)
        case .commvault(let options): CommvaultAdapter(context: context, options: options)
        case .eclypse(let options): EclypseAdapter(context: context, options: options)
        }
        return LoopBoundAdapter(adapter: adapter, executor: connection.executor)
    }
}
